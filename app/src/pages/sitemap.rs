//! The visit-coverage site map of `/manage` (V-1, V-2): the estate's buildings drawn as plain
//! SVG from their footprints (metres, x east and y north, scaled to fit, north up), each
//! shaded by the share of its households visited in the current round or the chosen period,
//! with a legend and the important and ordinary customers' shares against the policy's
//! rounds. Tapping a building opens its unit × floor grid, and a household its visit
//! history, contacts (masked) and orders.
//!
//! Everything is computed in the browser by `anju_shared::coverage` from what the sync
//! engine keeps on the device (events, site plan, households), so the map works offline and
//! changes as soon as another device's visit is synced. Today's patrol checkpoints lie over
//! the buildings they stand in (scanned, doubtful, missed, due, by `patrol::day_marks`), and
//! are listed under the map with those that stand in no building.

use std::collections::HashMap;

use anju_shared::coverage::{self, Band, Coverage, Filter, Home, Share, Status, Tier};
use anju_shared::lang::Lang;
use anju_shared::model::VisitMethod;
use anju_shared::order::{EventBody, OrderState, fold};
use anju_shared::patrol::{Mark, MarkStatus};
use anju_shared::policy::VisitRules;
use anju_shared::site::{Building, Site};
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Household};
use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::lean::{dynamic, sort_by, text};
use crate::pages::order::{order_href, person};
use crate::sync::Engine;

/// The smallest tap target, in CSS pixels.
const TOUCH_PX: f64 = 44.0;
/// Margin around the drawing, in metres.
const PAD_M: f64 = 8.0;

/// What the map computes from the device's data and the filters.
#[derive(Clone, PartialEq, Default)]
struct Computed {
    /// Each household's status (`None`: left out by the filter).
    homes: HashMap<String, Option<Status>>,
    buildings: HashMap<String, Coverage>,
    estate: Coverage,
}

/// A household's place in the site plan.
fn building_of_unit(site: &Site) -> HashMap<&str, &str> {
    site.buildings
        .iter()
        .flat_map(|b| b.units.iter().map(move |u| (u.id.as_str(), b.id.as_str())))
        .collect()
}

pub(crate) fn moved_in(h: &Household) -> Option<NaiveDate> {
    h.moved_in
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok())
}

pub(crate) fn today(engine: Engine) -> NaiveDate {
    now_local(engine).date()
}

/// The estate's local time now.
fn now_local(engine: Engine) -> chrono::NaiveDateTime {
    let offset = clock::parse_offset(
        &engine
            .estate()
            .map(|e| e.utc_offset)
            .unwrap_or_else(|| "+08:00".into()),
    );
    Utc.timestamp_millis_opt(clock::now_ms())
        .single()
        .unwrap_or_default()
        .with_timezone(&offset)
        .naive_local()
}

fn first_of_month(d: NaiveDate, back: u32) -> NaiveDate {
    let months = d.year() * 12 + d.month0() as i32 - back as i32;
    NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1).unwrap_or(d)
}

fn percent(s: Share) -> String {
    s.ratio()
        .map_or_else(|| "—".into(), |r| format!("{:.0}%", r * 100.0))
}

/// The label of a building: `3栋:已走访 12 / 40 户(30%),重要客户 2 / 4`.
fn building_label(b: &Building, c: &Coverage, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "{}:已走访 {} / {} 户({}),重要客户 {} / {}",
            b.name,
            c.all.visited,
            c.all.households,
            percent(c.all),
            c.important.visited,
            c.important.households
        ),
        Lang::En => format!(
            "{}: {} / {} households visited ({}), important {} / {}",
            b.name,
            c.all.visited,
            c.all.households,
            percent(c.all),
            c.important.visited,
            c.important.households
        ),
    }
}

/// The site map with its filters, legend, the open building's grid and the open household.
pub(crate) fn site_map(engine: Engine) -> impl IntoView {
    let lang = use_lang();
    // "round", "this_month", "last_month" or "custom".
    let period = RwSignal::new("round".to_string());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let caretaker = RwSignal::new(String::new());
    let method = RwSignal::new(String::new());
    let tier = RwSignal::new(String::new());
    let open_building = RwSignal::new(None::<String>);
    let open_home = RwSignal::new(None::<String>);
    let zoom = RwSignal::new(1.0_f64);
    let show_patrols = RwSignal::new(true);
    // Today's checkpoints, again each minute as windows close.
    let ticking = clock::ticking_now_ms();
    let minute = Memo::new(move |_| ticking.get() / 60_000);
    let marks = Memo::new(move |_| {
        minute.track();
        if !show_patrols.get() {
            return Vec::new();
        }
        let now = now_local(engine);
        engine.patrols.with(|plan| {
            plan.as_ref().map_or_else(Vec::new, |plan| {
                engine
                    .events
                    .with(|events| anju_shared::patrol::day_marks(plan, events, now.date(), now))
            })
        })
    });

    let rules = Memo::new(move |_| {
        engine.me.track();
        engine
            .estate()
            .and_then(|e| e.rules().ok())
            .map(|(p, _)| p.visits)
            .unwrap_or_default()
    });
    let filter = Memo::new(move |_| {
        let day = today(engine);
        let parse = |s: String| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok();
        let period = match period.get().as_str() {
            "this_month" => Some((
                first_of_month(day, 0),
                first_of_month(day, 0) + chrono::Months::new(1),
            )),
            "last_month" => Some((first_of_month(day, 1), first_of_month(day, 0))),
            "custom" => parse(from.get()).zip(parse(to.get()).map(|d| d + chrono::Days::new(1))),
            _ => None,
        };
        Filter {
            period,
            caretaker: Some(caretaker.get()).filter(|c| !c.is_empty()),
            method: VisitMethod::parse(&method.get()),
            tier: Tier::parse(&tier.get()),
        }
    });
    let planned = crate::pages::plan::planned_households(engine);
    let computed = Memo::new(move |_| {
        let planned = planned.get();
        let rules = rules.get();
        let filter = filter.get();
        let day = today(engine);
        let visits = engine.events.with(|e| coverage::visits(e));
        engine.site.with(|site| {
            let Some(site) = site else {
                return Computed::default();
            };
            let unit_building = building_of_unit(site);
            engine.households.with(|households| {
                let homes: Vec<Home<'_>> = households
                    .iter()
                    .map(|h| Home {
                        id: &h.id,
                        important: h.important,
                        moved_in: moved_in(h),
                    })
                    .collect();
                let statuses: Vec<Option<Status>> =
                    coverage::statuses(&rules, &homes, &visits, &filter, day)
                        .into_iter()
                        .zip(&homes)
                        .map(|(s, h)| coverage::with_plan(s, planned.contains(h.id)))
                        .collect();
                let mut out = Computed::default();
                for ((h, home), status) in households.iter().zip(&homes).zip(statuses) {
                    out.estate.add(home.important, status);
                    if let Some(b) = unit_building.get(h.unit_id.as_str()) {
                        out.buildings
                            .entry((*b).to_string())
                            .or_default()
                            .add(home.important, status);
                    }
                    out.homes.insert(h.id.clone(), status);
                }
                out
            })
        })
    });

    // The people who visit: the estate's caretakers and anyone who recorded a visit.
    let visitors = Signal::derive(move || {
        let l = lang.get();
        let mut ids: Vec<String> = engine.staff.with(|s| {
            s.iter()
                .filter(|c| c.role == "caretaker")
                .map(|c| c.id.clone())
                .collect()
        });
        engine.events.with(|events| {
            for e in events {
                if matches!(e.body, EventBody::Visited { .. }) && !ids.contains(&e.actor) {
                    ids.push(e.actor.clone());
                }
            }
        });
        ids.into_iter()
            .map(|id| {
                let name = person(engine, &id, l);
                (id, name)
            })
            .collect::<Vec<_>>()
    });

    let summary = move |zh: &'static str, en: &'static str, pick: fn(&Coverage) -> Share| {
        text(move || {
            let s = pick(&computed.with(|c| c.estate));
            let l = lang.get();
            format!(
                "{} {} / {}({})",
                l.pick(zh, en),
                s.visited,
                s.households,
                percent(s)
            )
        })
    };
    let target = text(move || {
        let r: VisitRules = rules.get();
        let l = lang.get();
        let round = |months: u32| match (months, l) {
            (3, Lang::Zh) => "每季度".to_string(),
            (6, Lang::Zh) => "每半年".to_string(),
            (12, Lang::Zh) => "每年".to_string(),
            (m, Lang::Zh) => format!("每{m}个月"),
            (3, Lang::En) => "a quarter".to_string(),
            (6, Lang::En) => "a half-year".to_string(),
            (12, Lang::En) => "a year".to_string(),
            (m, Lang::En) => format!("every {m} months"),
        };
        format!(
            "{}{:.0}% {} · {}{:.0}% {} (V-1)",
            l.pick("目标:重要客户 ", "Target: important "),
            r.important.min * 100.0,
            round(r.important.months),
            l.pick("普通客户 ", "ordinary "),
            r.ordinary.min * 100.0,
            round(r.ordinary.months),
        )
    });
    let met = text(move || {
        let ok = computed.with(|c| c.estate.met(&rules.get()));
        lang.get()
            .pick(
                if ok { "已达标" } else { "未达标" },
                if ok { "target met" } else { "target missed" },
            )
            .to_string()
    });

    view! {
        <section class="card sitemap" data-testid="sitemap">
            <h2>{tr("走访覆盖图", "Visit coverage map")}</h2>
            {filters(period, from, to, caretaker, method, tier, visitors)}
            <div class="coverage-summary" role="status" data-testid="coverage-summary">
                <strong data-testid="coverage-all">{summary("全部", "All", |c| c.all)}</strong>
                <span data-testid="coverage-important">"★ " {summary("重要客户", "Important", |c| c.important)}</span>
                <span data-testid="coverage-ordinary">{summary("普通客户", "Ordinary", |c| c.ordinary)}</span>
                <span class="muted">{target} " · " {met}</span>
            </div>
            {legend()}
            <label class="choice">
                <input type="checkbox" data-testid="show-patrols" prop:checked=show_patrols
                    on:change=move |ev| show_patrols.set(event_target_checked(&ev))/>
                {tr("显示今日巡查点", "Show today's patrol checkpoints")}
            </label>
            <div class="zoom" role="group" aria-label=tr("缩放", "Zoom")>
                <button type="button" class="button secondary" on:click=move |_| zoom.update(|z| *z = (*z / 1.25).max(0.5))
                    aria-label=tr("缩小", "Zoom out")>"−"</button>
                <button type="button" class="button secondary" on:click=move |_| zoom.set(1.0)>{tr("适合宽度", "Fit width")}</button>
                <button type="button" class="button secondary" on:click=move |_| zoom.update(|z| *z = (*z * 1.25).min(4.0))
                    aria-label=tr("放大", "Zoom in")>"+"</button>
            </div>
            <div class="sitemap-scroll">
                {dynamic(move || drawing(engine, computed, marks, open_building, open_home, zoom.get(), lang.get()))}
            </div>
            {dynamic(move || patrol_list(marks.get(), engine, lang.get()))}
            {dynamic(move || open_building.get().map(|b| grid(engine, &b, computed, open_home, lang.get())))}
            {dynamic(move || open_home.get().map(|h| household_panel(engine, h, computed, open_home)))}
        </section>
    }
}

#[allow(clippy::too_many_arguments)]
fn filters(
    period: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    caretaker: RwSignal<String>,
    method: RwSignal<String>,
    tier: RwSignal<String>,
    visitors: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let choice = |value: &'static str, zh: &'static str, en: &'static str| {
        view! { <option value=value>{tr(zh, en)}</option> }
    };
    view! {
        <div class="filters" role="group" aria-label=tr("筛选", "Filters")>
            <label>{tr("期间", "Period")}
                <select data-testid="filter-period" on:change=move |ev| period.set(event_target_value(&ev))>
                    {choice("round", "本轮", "Current round")}
                    {choice("this_month", "本月", "This month")}
                    {choice("last_month", "上月", "Last month")}
                    {choice("custom", "自定义", "Custom")}
                </select>
            </label>
            {dynamic(move || (period.get() == "custom").then(|| view! {
                <label>{tr("从", "From")}
                    <input type="date" data-testid="filter-from" prop:value=from on:change=move |ev| from.set(event_target_value(&ev))/>
                </label>
                <label>{tr("到", "To")}
                    <input type="date" data-testid="filter-to" prop:value=to on:change=move |ev| to.set(event_target_value(&ev))/>
                </label>
            }))}
            <label>{tr("管家", "Caretaker")}
                <select data-testid="filter-caretaker" on:change=move |ev| caretaker.set(event_target_value(&ev))>
                    <option value="">{tr("全部", "Everyone")}</option>
                    {dynamic(move || visitors.get().into_iter().map(|(id, name)| view! {
                        <option value=id.clone() selected=caretaker.get_untracked() == id>{name}</option>
                    }).collect_view())}
                </select>
            </label>
            <label>{tr("方式", "How")}
                <select data-testid="filter-method" on:change=move |ev| method.set(event_target_value(&ev))>
                    <option value="">{tr("全部", "Any")}</option>
                    {VisitMethod::ALL.iter().map(|m| view! {
                        <option value=m.as_str()>{tr(m.zh(), m.en())}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>{tr("客户", "Customers")}
                <select data-testid="filter-tier" on:change=move |ev| tier.set(event_target_value(&ev))>
                    <option value="">{tr("全部", "All")}</option>
                    {Tier::ALL.iter().map(|t| view! {
                        <option value=t.as_str()>{tr(t.zh(), t.en())}</option>
                    }).collect_view()}
                </select>
            </label>
        </div>
    }
}

/// 「;巡查点 2 已巡、1 漏巡」: a building's checkpoints in its label, for a screen reader.
fn patrol_words(marks: &[&Mark], lang: Lang) -> String {
    let parts: Vec<String> = MarkStatus::ALL
        .iter()
        .filter_map(|s| {
            let n = marks.iter().filter(|m| m.status == *s).count();
            (n > 0).then(|| format!("{n} {}", lang.pick(s.zh(), s.en())))
        })
        .collect();
    match lang {
        Lang::Zh => format!(";巡查点 {}", parts.join("、")),
        Lang::En => format!("; checkpoints {}", parts.join(", ")),
    }
}

/// Today's checkpoints under the map, by route: where each stands, with those in no building.
fn patrol_list(marks: Vec<Mark>, engine: Engine, lang: Lang) -> impl IntoView {
    if marks.is_empty() {
        return ().into_any();
    }
    let building = move |id: &str| {
        engine.site.with(|s| {
            s.iter()
                .flat_map(|s| &s.buildings)
                .find(|b| b.id == id)
                .map(|b| b.name.clone())
        })
    };
    let count = |s: MarkStatus| marks.iter().filter(|m| m.status == s).count();
    let summary = MarkStatus::ALL
        .iter()
        .map(|s| format!("{} {}", lang.pick(s.zh(), s.en()), count(*s)))
        .collect::<Vec<_>>()
        .join(" · ");
    let rows = marks
        .iter()
        .map(|m| {
            let place = building(&m.building_id)
                .or_else(|| (!m.place.is_empty()).then(|| m.place.clone()))
                .unwrap_or_else(|| lang.pick("未标注位置", "no place given").to_string());
            view! {
                <li data-testid="patrol-row" data-status=m.status.as_str()>
                    <span class=format!("swatch cp-{}", m.status.as_str()) aria-hidden="true"></span>
                    {format!("{} · {} · {} · {}", m.route_name, m.name, place, lang.pick(m.status.zh(), m.status.en()))}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="patrol-overlay" data-testid="patrol-overlay">
            <h3>{lang.pick("今日巡查点", "Today's patrol checkpoints")}</h3>
            <p class="muted" data-testid="patrol-summary">{summary}</p>
            <ul class="legend">{rows}</ul>
        </section>
    }
    .into_any()
}

fn legend() -> impl IntoView {
    view! {
        <ul class="legend" aria-label=tr("图例", "Legend")>
            {Band::ALL.iter().map(|b| view! {
                <li><span class=format!("swatch band-{}", b.as_str()) aria-hidden="true"></span>{tr(b.zh(), b.en())}</li>
            }).collect_view()}
        </ul>
    }
}

/// The estate's buildings as SVG. The drawing is sized in CSS pixels (so the hit areas are
/// known to be at least [`TOUCH_PX`]): the fit width times the zoom.
fn drawing(
    engine: Engine,
    computed: Memo<Computed>,
    marks: Memo<Vec<Mark>>,
    open_building: RwSignal<Option<String>>,
    open_home: RwSignal<Option<String>>,
    zoom: f64,
    lang: Lang,
) -> impl IntoView {
    let Some(site) = engine.site.get() else {
        return view! {
            <p class="error" role="alert">{tr("本机还没有楼栋资料:请联网打开一次。", "This device has no site plan yet: open this page once online.")}</p>
        }
        .into_any();
    };
    let points: Vec<[f64; 2]> = site
        .buildings
        .iter()
        .flat_map(|b| b.footprint.iter().copied())
        .collect();
    if points.is_empty() {
        return view! { <p class="muted">{tr("没有楼栋平面数据", "No building footprints")}</p> }
            .into_any();
    }
    let min_x = points.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min) - PAD_M;
    let max_x = points
        .iter()
        .map(|p| p[0])
        .fold(f64::NEG_INFINITY, f64::max)
        + PAD_M;
    let min_y = points.iter().map(|p| p[1]).fold(f64::INFINITY, f64::min) - PAD_M;
    let max_y = points
        .iter()
        .map(|p| p[1])
        .fold(f64::NEG_INFINITY, f64::max)
        + PAD_M;
    let fit = web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        // The page is at most 860 px wide; its padding and the card's take 68.
        .map_or(792.0, |w| (w.min(860.0) - 68.0).max(240.0));
    let scale = fit * zoom / (max_x - min_x).max(1.0);
    let width = (max_x - min_x) * scale;
    let height = (max_y - min_y) * scale;
    // North up: y grows northwards in metres, downwards on screen.
    let at = move |p: [f64; 2]| ((p[0] - min_x) * scale, (max_y - p[1]) * scale);
    let marks = marks.get();
    let shapes = computed.with(|c| {
        site.buildings
            .iter()
            .map(|b| {
                let cov = c.buildings.get(&b.id).copied().unwrap_or_default();
                let here: Vec<&Mark> = marks.iter().filter(|m| m.building_id == b.id).collect();
                building_shape(b, cov, &here, &at, open_building, open_home, lang)
            })
            .collect_view()
    });
    view! {
        <svg class="sitemap-svg" width=format!("{width:.0}") height=format!("{height:.0}")
            viewBox=format!("0 0 {width:.1} {height:.1}") role="group"
            aria-label=tr("小区平面图(上为北)", "Site plan (north up)")>
            <text class="north" x="12" y="20" aria-hidden="true">"N ↑"</text>
            {shapes}
        </svg>
    }
    .into_any()
}

fn building_shape(
    b: &Building,
    cov: Coverage,
    marks: &[&Mark],
    at: &dyn Fn([f64; 2]) -> (f64, f64),
    open_building: RwSignal<Option<String>>,
    open_home: RwSignal<Option<String>>,
    lang: Lang,
) -> impl IntoView + use<> {
    let corners: Vec<(f64, f64)> = b.footprint.iter().map(|p| at(*p)).collect();
    let points = corners
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let (mut x0, mut y0, mut x1, mut y1) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for (x, y) in &corners {
        x0 = x0.min(*x);
        y0 = y0.min(*y);
        x1 = x1.max(*x);
        y1 = y1.max(*y);
    }
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    // The tap area: the outline's box, grown to at least a finger's size.
    let (hw, hh) = (
        ((x1 - x0) / 2.0).max(TOUCH_PX / 2.0),
        ((y1 - y0) / 2.0).max(TOUCH_PX / 2.0),
    );
    let band = cov.all.band();
    let mut label = building_label(b, &cov, lang);
    if !marks.is_empty() {
        label += &patrol_words(marks, lang);
    }
    // Today's checkpoints in the building: a row of dots along its top edge.
    let dots = marks
        .iter()
        .enumerate()
        .map(|(i, m)| {
            view! {
                <circle class=format!("cp cp-{}", m.status.as_str()) data-testid="patrol-mark"
                    data-status=m.status.as_str()
                    cx=format!("{:.1}", x0 + 7.0 + i as f64 * 13.0) cy=format!("{:.1}", y0 + 7.0) r="5">
                    <title>{format!("{} · {}", m.name, lang.pick(m.status.zh(), m.status.en()))}</title>
                </circle>
            }
        })
        .collect_view();
    let aria = label.clone();
    let id = b.id.clone();
    let id2 = b.id.clone();
    let open = move || {
        open_building.set(Some(id.clone()));
        open_home.set(None);
    };
    let open2 = open.clone();
    let selected = move || open_building.get().as_deref() == Some(id2.as_str());
    let counts = format!("{}/{}", cov.all.visited, cov.all.households);
    let tall = y1 - y0 >= 30.0;
    view! {
        <g class=move || format!("bldg band-{}{}", band.as_str(), if selected() { " open" } else { "" })
            role="button" tabindex="0" aria-label=aria
            data-testid="building" data-building=b.number data-band=band.as_str()
            on:click=move |_| open()
            on:keydown=move |ev| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    open2();
                }
            }>
            <title>{label}</title>
            <rect class="hit" x=format!("{:.1}", cx - hw) y=format!("{:.1}", cy - hh)
                width=format!("{:.1}", hw * 2.0) height=format!("{:.1}", hh * 2.0)/>
            <polygon points=points/>
            {dots}
            <text x=format!("{cx:.1}") y=format!("{:.1}", if tall { cy - 2.0 } else { cy + 5.0 }) text-anchor="middle">{b.number}</text>
            {tall.then(|| view! {
                <text class="count" x=format!("{cx:.1}") y=format!("{:.1}", cy + 13.0) text-anchor="middle">{counts}</text>
            })}
        </g>
    }
}

/// The open building's households, unit by unit (columns) and floor by floor (rows, the
/// top floor first), each a button that opens the household.
fn grid(
    engine: Engine,
    building_id: &str,
    computed: Memo<Computed>,
    open_home: RwSignal<Option<String>>,
    lang: Lang,
) -> impl IntoView + use<> {
    let Some(b) = engine.site.with(|s| {
        s.as_ref()
            .and_then(|s| s.buildings.iter().find(|b| b.id == building_id).cloned())
    }) else {
        return ().into_any();
    };
    let cov = computed.with(|c| c.buildings.get(&b.id).copied().unwrap_or_default());
    // Per unit: its households by floor, doors in room order.
    let mut units = b.units.clone();
    sort_by(&mut units, |a, b| a.number.cmp(&b.number));
    let households = engine.households.get();
    let homes: Vec<Vec<Household>> = units
        .iter()
        .map(|u| {
            let mut list: Vec<Household> = households
                .iter()
                .filter(|h| h.unit_id == u.id)
                .cloned()
                .collect();
            sort_by(&mut list, |a, b| {
                (a.floor, a.room.len(), &a.room).cmp(&(b.floor, b.room.len(), &b.room))
            });
            list
        })
        .collect();
    let doors: Vec<usize> = homes
        .iter()
        .map(|list| {
            let mut per_floor: HashMap<i64, usize> = HashMap::new();
            for h in list {
                *per_floor.entry(h.floor).or_default() += 1;
            }
            per_floor.values().copied().max().unwrap_or(1)
        })
        .collect();
    let top = households
        .iter()
        .filter(|h| units.iter().any(|u| u.id == h.unit_id))
        .map(|h| h.floor)
        .max()
        .unwrap_or(b.floors);
    let statuses = computed.with(|c| c.homes.clone());
    let header = units
        .iter()
        .zip(&doors)
        .map(|(u, n)| view! { <th scope="col" colspan=*n>{u.name.clone()}</th> })
        .collect_view();
    let rows = (1..=top)
        .rev()
        .map(|floor| {
            let cells = homes
                .iter()
                .zip(&units)
                .zip(&doors)
                .flat_map(|((list, u), n)| {
                    let mut row: Vec<Option<Household>> = list
                        .iter()
                        .filter(|h| h.floor == floor)
                        .cloned()
                        .map(Some)
                        .collect();
                    row.resize(*n, None);
                    row.into_iter().map(|h| (u.name.clone(), h)).collect::<Vec<_>>()
                })
                .map(|(unit, h)| match h {
                    None => view! { <td></td> }.into_any(),
                    Some(h) => {
                        let status = statuses.get(&h.id).copied().flatten();
                        let key = status.map_or("filtered", Status::key);
                        let what = status.map_or_else(
                            || lang.pick("不在筛选范围", "Not in the filter").to_string(),
                            |s| lang.pick(s.zh(), s.en()).to_string(),
                        );
                        let star = if h.important { "★" } else { "" };
                        let label = format!(
                            "{}{} {}:{}{}",
                            unit,
                            h.room,
                            star,
                            what,
                            if h.important { lang.pick("(重要客户)", " (important customer)") } else { "" }
                        );
                        let id = h.id.clone();
                        view! {
                            <td>
                                <button type="button" class=format!("cell s-{key}") data-testid="cell"
                                    data-room=h.room.clone() data-status=key aria-label=label
                                    on:click=move |_| open_home.set(Some(id.clone()))>
                                    {h.room.clone()}{star}
                                </button>
                            </td>
                        }
                        .into_any()
                    }
                })
                .collect_view();
            view! { <tr><th scope="row">{format!("{floor}F")}</th>{cells}</tr> }
        })
        .collect_view();
    let title = building_label(&b, &cov, lang);
    view! {
        <div class="grid-wrap" data-testid="building-grid">
            <h3>{title}</h3>
            <ul class="legend cells" aria-label=tr("图例", "Legend")>
                {Status::ALL.iter().map(|s| view! {
                    <li><span class=format!("swatch s-{}", s.key()) aria-hidden="true"></span>{tr(s.zh(), s.en())}</li>
                }).collect_view()}
                <li>"★ " {tr("重要客户", "Important customer")}</li>
            </ul>
            <div class="grid-scroll">
                <table class="unit-grid">
                    <caption class="visually-hidden">{tr("单元 × 楼层", "Units × floors")}</caption>
                    <thead><tr><th scope="col">{tr("楼层", "Floor")}</th>{header}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </div>
    }
    .into_any()
}

/// The household's move-in day (V-2: a new resident is visited within the policy's days of
/// it), entered by the desk and supervisors; saved on the server, then kept on the device's
/// household list so the plan and the visit lists follow at once.
fn moved_in_field(engine: Engine, household_id: String, current: Option<String>) -> impl IntoView {
    let may = engine
        .me
        .with_untracked(|m| {
            m.as_ref()
                .and_then(|m| anju_shared::model::Role::parse(&m.role))
        })
        .is_some_and(|r| r.may_use_desk());
    let day = RwSignal::new(current.clone().unwrap_or_default());
    let message = RwSignal::new(None::<Result<(), String>>);
    let id = StoredValue::new(household_id);
    let save = move |_| {
        let Some(estate) = engine.estate() else {
            return;
        };
        let l = crate::i18n::current();
        let text = day.get_untracked();
        let body = serde_json::json!({ "moved_in": if text.is_empty() { None } else { Some(text.clone()) } });
        let url = format!(
            "/api/estates/{}/households/{}/moved-in",
            estate.id,
            id.get_value()
        );
        spawn_local(async move {
            match api::put::<_, serde_json::Value>(&url, &body).await {
                Ok(_) => {
                    let saved = (!text.is_empty()).then_some(text);
                    engine.households.update(|hs| {
                        if let Some(h) = hs.iter_mut().find(|h| h.id == id.get_value()) {
                            h.moved_in = saved.clone();
                        }
                    });
                    message.set(Some(Ok(())));
                }
                Err(api::ApiFailure::Status(_, body)) => {
                    message.set(Some(Err(match (l, body.message_zh) {
                        (Lang::Zh, Some(zh)) => zh,
                        _ => body.error,
                    })))
                }
                Err(api::ApiFailure::Network(_)) => {
                    message.set(Some(Err(l.pick("需要联网", "Needs a connection").into())))
                }
            }
        });
    };
    view! {
        <h4>{tr("入住日期", "Move-in day")}</h4>
        {if may {
            view! {
                <div class="filters">
                    <input type="date" data-testid="moved-in" aria-label=tr("入住日期", "Move-in day") prop:value=day
                        on:change=move |ev| day.set(event_target_value(&ev))/>
                    <button type="button" class="button secondary" data-testid="moved-in-save" on:click=save>{tr("保存", "Save")}</button>
                </div>
            }.into_any()
        } else {
            view! { <p>{current.unwrap_or_else(|| "—".into())}</p> }.into_any()
        }}
        {dynamic(move || match message.get() {
            None => ().into_any(),
            Some(Ok(())) => view! { <p class="ok" role="status">{tr("已保存", "Saved")}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert" data-testid="moved-in-error">{e}</p> }.into_any(),
        })}
    }
}

/// A resident as `GET /api/estates/{id}/households/{household}/contacts` lists them.
#[derive(Clone, PartialEq, serde::Deserialize)]
pub(crate) struct Contact {
    pub(crate) name: String,
    pub(crate) phone_masked: String,
}

/// One household: its visits (newest first), its residents with masked phones (online only:
/// residents' contacts are not kept on the device), and its orders.
fn household_panel(
    engine: Engine,
    household_id: String,
    computed: Memo<Computed>,
    open_home: RwSignal<Option<String>>,
) -> impl IntoView {
    let lang = use_lang();
    // Read once: saving the move-in day updates the list, and must not redraw the panel
    // (its "saved" would vanish with it).
    let Some(h) = engine
        .households
        .with_untracked(|l| l.iter().find(|h| h.id == household_id).cloned())
    else {
        return ().into_any();
    };
    let place = engine.site.with(|s| {
        s.as_ref().and_then(|s| {
            s.buildings.iter().find_map(|b| {
                b.units
                    .iter()
                    .find(|u| u.id == h.unit_id)
                    .map(|u| (b.name.clone(), u.name.clone()))
            })
        })
    });
    let (building, unit) = place.unwrap_or_default();
    let location = format!("{building}{unit}{}", h.room);
    // Its own reactive line: a new status (a move-in day saved, a visit synced) changes the
    // line, not the whole panel.
    let home_id = StoredValue::new(h.id.clone());
    let status = move || {
        computed
            .with(|c| c.homes.get(&home_id.get_value()).copied().flatten())
            .map(|s| lang.get().pick(s.zh(), s.en()).to_string())
    };
    let contacts = RwSignal::new(None::<Result<Vec<Contact>, ()>>);
    if let Some(estate) = engine.estate() {
        let url = format!("/api/estates/{}/households/{}/contacts", estate.id, h.id);
        spawn_local(async move {
            contacts.set(Some(api::get::<Vec<Contact>>(&url).await.map_err(|_| ())));
        });
    }
    let mut visits: Vec<coverage::Visit> = engine
        .events
        .with(|e| coverage::visits(e))
        .into_iter()
        .filter(|v| v.household_id == h.id)
        .collect();
    visits.reverse();
    let orders: Vec<OrderState> = engine.events.with(|events| {
        let mut ids: Vec<&str> = events
            .iter()
            .filter(|e| match &e.body {
                EventBody::Reported(r) => r.unit_id == h.unit_id && r.location == location,
                _ => false,
            })
            .map(|e| e.order_id())
            .collect();
        ids.dedup();
        ids.into_iter().filter_map(|id| fold(id, events)).collect()
    });
    let l = lang.get_untracked();
    let visit_rows = visits
        .into_iter()
        .map(|v| {
            let how = if v.not_home {
                format!(
                    "{}({})",
                    l.pick(v.method.zh(), v.method.en()),
                    l.pick("不在家", "not at home")
                )
            } else {
                l.pick(v.method.zh(), v.method.en()).to_string()
            };
            let who = person(engine, &v.actor, l);
            view! {
                <li data-testid="household-visit">
                    <span class="muted">{clock::short(&v.at)}</span> " " {how} " · " {who}
                    {(!v.note.is_empty()).then(|| view! { <p class="muted">{v.note.clone()}</p> })}
                </li>
            }
        })
        .collect_view();
    let order_rows = orders
        .into_iter()
        .map(|o| {
            let href = order_href("/desk", &o.id);
            view! {
                <li><a href=href>{clock::short(&o.reported_at)} " " {l.pick(o.category.zh(), o.category.en())} " · " {o.status.zh()} " · " {o.text.clone()}</a></li>
            }
        })
        .collect_view();
    view! {
        <aside class="household" data-testid="household" aria-label=location.clone()>
            <h3>{location.clone()} {h.important.then_some(" ★")}</h3>
            <p>{status}</p>
            <h4>{tr("住户", "Residents")}</h4>
            {dynamic(move || match contacts.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(())) => view! { <p class="muted">{tr("离线时不显示住户联系方式", "Residents' contacts are shown online only")}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul>{list.into_iter().map(|c| view! { <li data-testid="contact">{c.name} " " {c.phone_masked}</li> }).collect_view()}</ul>
                }.into_any(),
            })}
            {moved_in_field(engine, h.id.clone(), h.moved_in.clone())}
            <h4>{tr("走访记录", "Visits")}</h4>
            <ul class="visits">{visit_rows}</ul>
            <h4>{tr("工单", "Orders")}</h4>
            <ul class="orders">{order_rows}</ul>
            <button type="button" class="button secondary" on:click=move |_| open_home.set(None)>{tr("关闭", "Close")}</button>
        </aside>
    }
    .into_any()
}
