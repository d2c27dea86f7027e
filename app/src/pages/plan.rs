//! Household visit plans (V-1, V-2). On `/manage/plan` a supervisor sees next month's plan —
//! the saved one, or the proposal of `anju_shared::plan` (made by the server, or in the
//! browser from what the device holds when there is no network) — drawn as each caretaker's
//! load by reason, moves households between caretakers, adds and removes them, saves a draft
//! and approves it; a plan not approved by the 25th is flagged. On `/field/round` a caretaker
//! sees their visit list of this month — their part of the approved plan and the new
//! residents waiting in the buildings they walk — offline from the last copy, and opens the
//! visit form on a household in one tap.

use std::collections::{BTreeMap, HashMap, HashSet};

use anju_shared::coverage;
use anju_shared::lang::Lang;
use anju_shared::plan::{self, PlanEdit, PlanHome, PlanItem, PlanStatus, Reason, VisitPlan};
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure, Household, Me};
use crate::i18n::{tr, use_lang};
use crate::lean::dynamic;
use crate::pages::sitemap::{Contact, moved_in, today};
use crate::sync::Engine;

/// What a household is called on these screens: `3栋 2单元 1201`.
fn places(engine: Engine) -> HashMap<String, (String, String)> {
    let units: HashMap<String, (String, String, String)> = engine.site.with(|s| {
        s.iter()
            .flat_map(|s| &s.buildings)
            .flat_map(|b| {
                b.units
                    .iter()
                    .map(move |u| (u.id.clone(), (b.id.clone(), b.name.clone(), u.name.clone())))
            })
            .collect()
    });
    engine.households.with(|hs| {
        hs.iter()
            .map(|h| {
                let (building, label) = units.get(&h.unit_id).map_or_else(
                    || (String::new(), h.room.clone()),
                    |(bid, b, u)| (bid.clone(), format!("{b} {u} {}", h.room)),
                );
                (h.id.clone(), (building, label))
            })
            .collect()
    })
}

/// The households as plans need them, with the building of each (from the site plan).
fn with_buildings(engine: Engine) -> Vec<(Household, String)> {
    let unit_building: HashMap<String, String> = engine.site.with(|s| {
        s.iter()
            .flat_map(|s| &s.buildings)
            .flat_map(|b| b.units.iter().map(move |u| (u.id.clone(), b.id.clone())))
            .collect()
    });
    engine.households.with(|hs| {
        hs.iter()
            .map(|h| {
                let b = unit_building.get(&h.unit_id).cloned().unwrap_or_default();
                (h.clone(), b)
            })
            .collect()
    })
}

fn plan_homes(rows: &[(Household, String)]) -> Vec<PlanHome<'_>> {
    rows.iter()
        .map(|(h, b)| PlanHome {
            id: &h.id,
            building: b,
            unit: &h.unit_id,
            floor: h.floor,
            room: &h.room,
            important: h.important,
            moved_in: moved_in(h),
        })
        .collect()
}

fn rules(engine: Engine) -> anju_shared::policy::VisitRules {
    engine
        .estate()
        .and_then(|e| e.rules().ok())
        .map(|(p, _)| p.visits)
        .unwrap_or_default()
}

/// The plan the browser proposes from what the device holds (no network).
fn local_proposal(engine: Engine, month: &str) -> Option<VisitPlan> {
    let first = plan::parse_month(month).ok()?;
    let rows = with_buildings(engine);
    let homes = plan_homes(&rows);
    let visits = engine.events.with(|e| coverage::visits(e));
    let caretakers: Vec<(String, String)> = engine.staff.with(|s| {
        s.iter()
            .filter(|c| c.role == "caretaker")
            .map(|c| (c.id.clone(), c.display_name.clone()))
            .collect()
    });
    let ids: Vec<&str> = caretakers.iter().map(|(id, _)| id.as_str()).collect();
    let items = plan::propose(&rules(engine), &homes, &visits, &ids, first);
    Some(VisitPlan {
        month: month.to_string(),
        status: PlanStatus::Proposed,
        deadline: plan::deadline(first),
        late: plan::late(first, false, today(engine)),
        approved_by: None,
        approved_at: None,
        items,
        caretakers,
    })
}

fn reason_label(r: Reason, l: Lang) -> &'static str {
    l.pick(r.zh(), r.en())
}

fn failure_text(e: ApiFailure, l: Lang) -> String {
    match e {
        ApiFailure::Status(_, body) => match (l, body.message_zh) {
            (Lang::Zh, Some(zh)) => zh,
            _ => body.error,
        },
        ApiFailure::Network(_) => l.pick("需要联网", "Needs a connection").into(),
    }
}

/// The supervisor's plan of a month on `/manage/plan`.
pub(crate) fn plan_view(engine: Engine, me: Me) -> impl IntoView {
    let lang = use_lang();
    let Some(estate) = engine.estate() else {
        return view! { <p class="card error" role="alert">{tr("您的账号没有负责的小区", "Your account has no estate")}</p> }
            .into_any();
    };
    let may_plan = anju_shared::model::Role::parse(&me.role).is_some_and(plan::may_plan);
    let month = RwSignal::new(plan::month_key(plan::next_month(today(engine))));
    let plan = RwSignal::new(None::<Result<VisitPlan, String>>);
    // The items as edited on the page; saved with "save" or "approve".
    let items = RwSignal::new(Vec::<PlanItem>::new());
    let offline = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<Result<&'static str, String>>);
    let url = StoredValue::new(format!("/api/estates/{}/visit-plans/", estate.id));
    Effect::new(move |_| {
        let m = month.get();
        let l = lang.get_untracked();
        plan.set(None);
        message.set(None);
        spawn_local(async move {
            let answer = api::get::<VisitPlan>(&format!("{}{m}", url.get_value())).await;
            let shown = match answer {
                Ok(p) => {
                    offline.set(false);
                    Ok(p)
                }
                Err(ApiFailure::Network(_)) => {
                    offline.set(true);
                    local_proposal(engine, &m)
                        .ok_or_else(|| l.pick("月份无效", "Not a month").to_string())
                }
                Err(e) => Err(failure_text(e, l)),
            };
            if let Ok(p) = &shown {
                items.set(p.items.clone());
            }
            plan.set(Some(shown));
        });
    });
    let send = move |approve: bool| {
        let l = lang.get_untracked();
        let m = month.get_untracked();
        let edit = PlanEdit {
            items: items.get_untracked(),
        };
        busy.set(true);
        message.set(None);
        spawn_local(async move {
            let base = format!("{}{m}", url.get_value());
            let answer = if approve {
                api::post::<_, VisitPlan>(&format!("{base}/approve"), &edit).await
            } else {
                api::put::<_, VisitPlan>(&base, &edit).await
            };
            busy.set(false);
            match answer {
                Ok(p) => {
                    items.set(p.items.clone());
                    plan.set(Some(Ok(p)));
                    message.set(Some(Ok(if approve {
                        l.pick("计划已批准", "Plan approved")
                    } else {
                        l.pick("草稿已保存", "Draft saved")
                    })));
                }
                Err(e) => message.set(Some(Err(failure_text(e, l)))),
            }
        });
    };
    view! {
        <section class="card plan" data-testid="visit-plan">
            <h2>{tr("月度走访计划", "Monthly visit plan")}</h2>
            <div class="filters">
                <label>{tr("月份", "Month")}
                    <input type="month" data-testid="plan-month" prop:value=month
                        on:change=move |ev| month.set(event_target_value(&ev))/>
                </label>
            </div>
            {dynamic(move || match plan.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(p)) => plan_body(engine, p, items, may_plan, offline.get(), lang.get()).into_any(),
            })}
            {dynamic(move || match message.get() {
                None => ().into_any(),
                Some(Ok(m)) => view! { <p class="ok" role="status" data-testid="plan-message">{m}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert" data-testid="plan-error">{e}</p> }.into_any(),
            })}
            {may_plan.then(|| view! {
                <div class="actions">
                    <button type="button" class="button secondary" data-testid="plan-save"
                        disabled=move || busy.get() || offline.get() on:click=move |_| send(false)>
                        {tr("保存草稿", "Save draft")}
                    </button>
                    <button type="button" class="button primary" data-testid="plan-approve"
                        disabled=move || busy.get() || offline.get() on:click=move |_| send(true)>
                        {tr("批准计划", "Approve plan")}
                    </button>
                </div>
            })}
        </section>
    }
    .into_any()
}

/// Status, deadline, the load chart and each caretaker's households.
fn plan_body(
    engine: Engine,
    p: VisitPlan,
    items: RwSignal<Vec<PlanItem>>,
    may_plan: bool,
    offline: bool,
    l: Lang,
) -> impl IntoView {
    let status = match p.status {
        PlanStatus::Proposed => l.pick("系统建议(未保存)", "Proposed (not saved)"),
        PlanStatus::Draft => l.pick("草稿", "Draft"),
        PlanStatus::Approved => l.pick("已批准", "Approved"),
    };
    let deadline = p.deadline.format("%Y-%m-%d").to_string();
    let names: Vec<(String, String)> = p.caretakers.clone();
    let names = StoredValue::new(names);
    let where_is = StoredValue::new(places(engine));
    // Which caretakers' lists are open: a move redraws the lists, and they stay as they were.
    let open = RwSignal::new(HashSet::<String>::new());
    let late = p.late.then(|| {
        view! {
            <p class="error" role="alert" data-testid="plan-late">
                {l.pick("已过每月 25 日仍未批准下月走访计划", "Not approved by the 25th of the month before")}
            </p>
        }
    });
    let offline_note = offline.then(|| {
        view! { <p class="muted" data-testid="plan-offline">{l.pick("离线:按本机数据建议,联网后才能保存", "Offline: proposed from this device's data; saving needs a connection")}</p> }
    });
    view! {
        <p data-testid="plan-status" data-status=match p.status { PlanStatus::Proposed => "proposed", PlanStatus::Draft => "draft", PlanStatus::Approved => "approved" }>
            <strong>{status}</strong>
            " · " {l.pick("批准期限", "Approve by")} " " {deadline}
        </p>
        {late}
        {offline_note}
        {move || load_chart(&items.get(), &names.get_value(), l)}
        {move || {
            let list = items.get();
            let names = names.get_value();
            if names.is_empty() {
                return view! { <p class="muted">{l.pick("本小区没有管家,无法编排走访", "The estate has no caretakers to plan for")}</p> }.into_any();
            }
            names
                .iter()
                .map(|(id, name)| {
                    let mine: Vec<PlanItem> = list.iter().filter(|i| &i.caretaker_id == id).cloned().collect();
                    caretaker_card(id.clone(), name.clone(), mine, items, names.clone(), where_is, open, may_plan, l)
                })
                .collect_view()
                .into_any()
        }}
        {may_plan.then(|| add_row(engine, items, names, where_is, l))}
    }
}

/// Each caretaker's households as a bar, split by reason: who carries what at a glance.
fn load_chart(items: &[PlanItem], names: &[(String, String)], l: Lang) -> impl IntoView + use<> {
    const ROW: f64 = 28.0;
    const LABEL: f64 = 110.0;
    const WIDTH: f64 = 420.0;
    let mut counts: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for i in items {
        let slot = match i.reason {
            Reason::NewResident => 0,
            Reason::Important => 1,
            Reason::Ordinary => 2,
        };
        counts.entry(i.caretaker_id.as_str()).or_default()[slot] += 1;
    }
    let max = counts
        .values()
        .map(|c| c.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let scale = (WIDTH - LABEL - 40.0) / max;
    let height = ROW * names.len().max(1) as f64 + 24.0;
    let rows = names
        .iter()
        .enumerate()
        .map(|(row, (id, name))| {
            let c = counts.get(id.as_str()).copied().unwrap_or_default();
            let y = ROW * row as f64 + 4.0;
            let mut x = LABEL;
            let bars = c
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(k, n)| {
                    let w = *n as f64 * scale;
                    let bar = view! {
                        <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{w:.1}") height=format!("{:.1}", ROW - 8.0) class=format!("plan-bar r{k}")>
                            <title>{format!("{name}: {n}")}</title>
                        </rect>
                    };
                    x += w;
                    bar
                })
                .collect_view();
            let total: usize = c.iter().sum();
            view! {
                <g data-testid="plan-load" data-caretaker=id.clone() data-count=total.to_string()>
                    <text x="0" y=format!("{:.1}", y + 15.0) class="plan-label">{name.clone()}</text>
                    {bars}
                    <text x=format!("{:.1}", x + 4.0) y=format!("{:.1}", y + 15.0) class="plan-label">{total}</text>
                </g>
            }
        })
        .collect_view();
    let legend = [Reason::NewResident, Reason::Important, Reason::Ordinary]
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let x = LABEL + k as f64 * 100.0;
            view! {
                <rect x=format!("{x:.1}") y=format!("{:.1}", height - 16.0) width="12" height="12" class=format!("plan-bar r{k}")/>
                <text x=format!("{:.1}", x + 16.0) y=format!("{:.1}", height - 6.0) class="plan-label">{reason_label(*r, l)}</text>
            }
        })
        .collect_view();
    view! {
        <svg class="plan-chart" viewBox=format!("0 0 {WIDTH} {height}") role="img"
            aria-label=l.pick("各管家走访户数", "Households per caretaker")>
            {rows}
            {legend}
        </svg>
    }
}

#[allow(clippy::too_many_arguments)]
fn caretaker_card(
    id: String,
    name: String,
    mine: Vec<PlanItem>,
    items: RwSignal<Vec<PlanItem>>,
    names: Vec<(String, String)>,
    where_is: StoredValue<HashMap<String, (String, String)>>,
    open: RwSignal<HashSet<String>>,
    may_plan: bool,
    l: Lang,
) -> impl IntoView {
    let is_open = open.with_untracked(|o| o.contains(&id));
    let card = StoredValue::new(id.clone());
    let buildings: BTreeMap<String, usize> = where_is.with_value(|w| {
        let mut b = BTreeMap::new();
        for i in &mine {
            if let Some((_, label)) = w.get(&i.household_id) {
                let building = label.split(' ').next().unwrap_or_default().to_string();
                *b.entry(building).or_default() += 1;
            }
        }
        b
    });
    let summary = buildings
        .iter()
        .map(|(b, n)| format!("{b}({n})"))
        .collect::<Vec<_>>()
        .join(" · ");
    let count = mine.len();
    let rows = mine
        .into_iter()
        .map(|item| {
            let label = where_is.with_value(|w| {
                w.get(&item.household_id)
                    .map_or_else(|| item.household_id.clone(), |(_, l)| l.clone())
            });
            let hid = StoredValue::new(item.household_id.clone());
            let due = item.due.map(|d| format!(" · {} {}", l.pick("期限", "due"), d.format("%m-%d")));
            let moves = names
                .iter()
                .map(|(cid, cname)| {
                    view! { <option value=cid.clone() selected=*cid == item.caretaker_id>{cname.clone()}</option> }
                })
                .collect_view();
            view! {
                <li data-testid="plan-item" data-household=item.household_id.clone()>
                    <span>{label}</span>
                    <span class=format!("chip reason-{}", item.reason.as_str())>{reason_label(item.reason, l)}</span>
                    {due}
                    {may_plan.then(|| view! {
                        <select aria-label=l.pick("改派给", "Move to") data-testid="plan-move"
                            on:change=move |ev| {
                                let to = event_target_value(&ev);
                                let h = hid.get_value();
                                items.update(|list| {
                                    if let Some(i) = list.iter_mut().find(|i| i.household_id == h) {
                                        i.caretaker_id = to.clone();
                                    }
                                });
                            }>
                            {moves}
                        </select>
                        <button type="button" class="button secondary" data-testid="plan-remove"
                            on:click=move |_| {
                                let h = hid.get_value();
                                items.update(|list| list.retain(|i| i.household_id != h));
                            }>{l.pick("移出", "Remove")}</button>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <details class="plan-carer" data-testid="plan-caretaker" data-caretaker=id open=is_open
            on:toggle=move |ev| {
                let now_open = event_target::<web_sys::Element>(&ev).has_attribute("open");
                open.update_untracked(|o| {
                    if now_open {
                        o.insert(card.get_value());
                    } else {
                        o.remove(&card.get_value());
                    }
                });
            }>
            <summary>
                <strong>{name}</strong> " · " {count} {l.pick(" 户", " households")}
                <span class="muted">" " {summary}</span>
            </summary>
            <ul class="plan-items">{rows}</ul>
        </details>
    }
}

/// Adds a household that is not in the plan to a caretaker.
fn add_row(
    engine: Engine,
    items: RwSignal<Vec<PlanItem>>,
    names: StoredValue<Vec<(String, String)>>,
    where_is: StoredValue<HashMap<String, (String, String)>>,
    l: Lang,
) -> impl IntoView {
    let household = RwSignal::new(String::new());
    let carer = RwSignal::new(String::new());
    let candidates = move || {
        let taken: HashSet<String> =
            items.with(|i| i.iter().map(|i| i.household_id.clone()).collect());
        let mut list: Vec<(String, String)> = where_is.with_value(|w| {
            w.iter()
                .filter(|(id, _)| !taken.contains(*id))
                .map(|(id, (_, label))| (id.clone(), label.clone()))
                .collect()
        });
        list.sort_by(|a, b| a.1.cmp(&b.1));
        list
    };
    // The same settling as the server's: a new resident keeps V-2's deadline, any other
    // household its tier.
    let settled = move |household_id: String, caretaker_id: String| {
        let home = engine
            .households
            .with_untracked(|hs| hs.iter().find(|h| h.id == household_id).cloned());
        let mut item = PlanItem {
            household_id,
            caretaker_id,
            reason: Reason::NewResident,
            due: None,
        };
        plan::settle(
            &rules(engine),
            &mut item,
            home.as_ref().is_some_and(|h| h.important),
            home.as_ref().and_then(moved_in),
        );
        item
    };
    view! {
        <div class="filters plan-add">
            <label>{l.pick("加入住户", "Add household")}
                <select data-testid="plan-add-household" on:change=move |ev| household.set(event_target_value(&ev))>
                    <option value="">{l.pick("请选择", "Choose")}</option>
                    {move || candidates().into_iter().map(|(id, label)| view! { <option value=id>{label}</option> }).collect_view()}
                </select>
            </label>
            <label>{l.pick("管家", "Caretaker")}
                <select data-testid="plan-add-caretaker" on:change=move |ev| carer.set(event_target_value(&ev))>
                    <option value="">{l.pick("请选择", "Choose")}</option>
                    {names.get_value().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
            </label>
            <button type="button" class="button secondary" data-testid="plan-add"
                disabled=move || household.get().is_empty() || carer.get().is_empty()
                on:click=move |_| {
                    let item = settled(household.get_untracked(), carer.get_untracked());
                    items.update(|list| list.push(item));
                    household.set(String::new());
                }>{l.pick("加入", "Add")}</button>
        </div>
    }
}

/// The device's copy of a month's plan as this user may see it (a caretaker: their part).
fn cache_key(user: &str, estate: &str, month: &str) -> String {
    format!("anju.plan.{user}.{estate}.{month}")
}

/// This month's plan as the device last saw it, then as the server answers now (kept for
/// offline use): what the site map and the visit list read.
fn this_months_plan(engine: Engine, user: &str) -> RwSignal<Option<VisitPlan>> {
    let plan = RwSignal::new(None);
    let Some(estate) = engine.estate() else {
        return plan;
    };
    let month = plan::month_key(today(engine));
    let key = cache_key(user, &estate.id, &month);
    plan.set(
        storage()
            .and_then(|s| s.get_item(&key).ok().flatten())
            .and_then(|t| serde_json::from_str(&t).ok()),
    );
    let url = format!("/api/estates/{}/visit-plans/{month}", estate.id);
    spawn_local(async move {
        if let Ok(text) = api::get_text(&url).await
            && let Ok(p) = serde_json::from_str::<VisitPlan>(&text)
        {
            if let Some(s) = storage() {
                let _ = s.set_item(&key, &text);
            }
            plan.set(Some(p));
        }
    });
    plan
}

/// The households of this month's saved plan (a draft or approved; a mere proposal plans
/// nothing), for the site map's "planned" cells.
pub(crate) fn planned_households(engine: Engine) -> Signal<HashSet<String>> {
    let user = engine
        .me
        .with_untracked(|m| m.as_ref().map(|m| m.id.clone()))
        .unwrap_or_default();
    let plan = this_months_plan(engine, &user);
    Signal::derive(move || {
        plan.with(|p| {
            p.iter()
                .filter(|p| p.status != PlanStatus::Proposed)
                .flat_map(|p| p.items.iter().map(|i| i.household_id.clone()))
                .collect()
        })
    })
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The caretaker's visit list on `/field/round`.
pub(crate) fn round_list(engine: Engine, me: Me) -> impl IntoView {
    let lang = use_lang();
    if engine.estate().is_none() {
        return ().into_any();
    }
    let day = today(engine);
    let plan = this_months_plan(engine, &me.id);
    let estate_id = StoredValue::new(engine.estate().map(|e| e.id).unwrap_or_default());
    // Kept for the page, not the row: a row drawn again keeps what was asked.
    let residents: Residents = RwSignal::new(HashMap::new());
    let me_id = StoredValue::new(me.id);
    let rows = Memo::new(move |_| {
        let rows = with_buildings(engine);
        let homes = plan_homes(&rows);
        let visits = engine.events.with(|e| coverage::visits(e));
        let items = plan.with(|p| p.as_ref().map(|p| p.items.clone()).unwrap_or_default());
        let list = plan::visit_list(
            &rules(engine),
            &homes,
            &visits,
            &items,
            &me_id.get_value(),
            day,
        );
        let important: HashSet<&str> = homes.iter().filter(|h| h.important).map(|h| h.id).collect();
        list.into_iter()
            .map(|r| {
                let star = important.contains(r.household_id.as_str());
                (r, star)
            })
            .collect::<Vec<_>>()
    });
    let where_is = Memo::new(move |_| places(engine));
    view! {
        <section class="card round" data-testid="round-list">
            <h2>{tr("本月走访", "My visits this month")}</h2>
            {move || {
                let l = lang.get();
                let list = rows.get();
                let done = list.iter().filter(|(r, _)| r.done).count();
                let total = list.len();
                let status = plan.with(|p| match p.as_ref().map(|p| p.status) {
                    Some(PlanStatus::Approved) => l.pick("计划已批准", "Plan approved"),
                    _ => l.pick("本月计划尚未批准:先走访新入住住户", "This month's plan is not approved yet: new residents first"),
                });
                view! {
                    <p class="muted">{status}</p>
                    <progress class="progress" max=total.to_string() value=done.to_string() aria-label=l.pick("本月走访进度", "This month's visits")></progress>
                    <p data-testid="round-progress">{format!("{done} / {total}")} {l.pick(" 户已访", " visited")}</p>
                }
            }}
            <ul class="round-rows">
                {move || {
                    let l = lang.get();
                    let places = where_is.get();
                    rows.get()
                        .into_iter()
                        .map(|(r, star)| round_row(r, star, &places, day, estate_id.get_value(), residents, l))
                        .collect_view()
                }}
            </ul>
        </section>
    }
    .into_any()
}

/// The residents asked of the server per household, masked (`Err`: no answer, offline).
type Residents = RwSignal<HashMap<String, Result<Vec<Contact>, ()>>>;

fn round_row(
    r: plan::ListRow,
    star: bool,
    places: &HashMap<String, (String, String)>,
    today: NaiveDate,
    estate_id: String,
    residents: Residents,
    l: Lang,
) -> impl IntoView + use<> {
    let label = places
        .get(&r.household_id)
        .map_or_else(|| r.household_id.clone(), |(_, label)| label.clone());
    let due = r.due.map(|d| {
        let overdue = d < today;
        view! {
            <span class=if overdue { "chip danger" } else { "chip" } data-testid="round-due">
                {l.pick("新入住 · 期限 ", "New resident · due ")} {d.format("%m-%d").to_string()}
                {overdue.then(|| l.pick(" 已逾期", " overdue"))}
            </span>
        }
    });
    let state = if r.done {
        l.pick(
            "本轮已访 · 再访记为回访",
            "Visited this round · a visit now is a follow-up",
        )
    } else if r.tried {
        l.pick("上次不在家", "Not at home last time")
    } else {
        ""
    };
    let last = r.last.map(|d| {
        format!(
            "{} {}",
            l.pick("上次走访", "Last visit"),
            d.format("%Y-%m-%d")
        )
    });
    let href = format!("/field/visit?household={}", r.household_id);
    // The residents, masked, asked of the server when the caretaker wants them: contacts are
    // not kept on the device.
    let household = StoredValue::new(r.household_id.clone());
    let estate = StoredValue::new(estate_id);
    let show_residents = move |_| {
        let url = format!(
            "/api/estates/{}/households/{}/contacts",
            estate.get_value(),
            household.get_value()
        );
        spawn_local(async move {
            let answer = api::get::<Vec<Contact>>(&url).await.map_err(|_| ());
            residents.update(|r| {
                r.insert(household.get_value(), answer);
            });
        });
    };
    view! {
        <li class="round-row" data-testid="round-row" data-household=r.household_id.clone() data-done=r.done.to_string()>
            <div>
                <strong>{star.then_some("★ ")}{label}</strong>
                " " {due}
                <span class="muted">" " {state}</span>
                <span class="muted">" " {last}</span>
                <div>
                    <button type="button" class="button secondary" data-testid="round-residents" on:click=show_residents>
                        {l.pick("住户", "Residents")}
                    </button>
                    {move || residents.with(|r| r.get(&household.get_value()).cloned()).map(|answer| match answer {
                        Ok(list) => view! {
                            <ul class="residents">{list.into_iter().map(|c| view! { <li data-testid="round-resident">{c.name} " " {c.phone_masked}</li> }).collect_view()}</ul>
                        }.into_any(),
                        Err(()) => view! { <p class="muted">{l.pick("离线时不显示住户联系方式", "Residents' contacts are shown online only")}</p> }.into_any(),
                    })}
                </div>
            </div>
            <a class="button primary" href=href>{if r.done { l.pick("回访", "Follow up") } else { l.pick("走访", "Visit") }}</a>
        </li>
    }
}

/// The desk's list of new residents still waiting for their V-2 visit, soonest deadline
/// first, overdue ones marked: the same rows a caretaker's list holds, for the whole estate.
pub(crate) fn new_residents(engine: Engine) -> impl IntoView {
    let lang = use_lang();
    let rows = Memo::new(move |_| {
        let day = today(engine);
        let homes = with_buildings(engine);
        let plan_homes = plan_homes(&homes);
        let visits = engine.events.with(|e| coverage::visits(e));
        let mut list: Vec<plan::ListRow> =
            plan::visit_list(&rules(engine), &plan_homes, &visits, &[], "", day)
                .into_iter()
                .filter(|r| r.reason == Reason::NewResident && !r.done)
                .collect();
        list.sort_by_key(|r| r.due);
        (day, list)
    });
    let places = Memo::new(move |_| places(engine));
    move || {
        let (day, list) = rows.get();
        if list.is_empty() {
            return ().into_any();
        }
        let l = lang.get();
        let overdue = list
            .iter()
            .filter(|r| r.due.is_some_and(|d| d < day))
            .count();
        let total = list.len();
        let where_is = places.get();
        let items = list
            .into_iter()
            .map(|r| {
                let label = where_is
                    .get(&r.household_id)
                    .map_or_else(|| r.household_id.clone(), |(_, label)| label.clone());
                let late = r.due.is_some_and(|d| d < day);
                let due = r.due.map(|d| d.format("%m-%d").to_string()).unwrap_or_default();
                view! {
                    <li data-testid="new-resident" data-household=r.household_id.clone()>
                        {label} " · " {l.pick("走访期限 ", "visit due ")} {due}
                        {late.then(|| view! { <span class="chip danger">{l.pick("已逾期", "overdue")}</span> })}
                    </li>
                }
            })
            .collect_view();
        view! {
            <details class="card new-residents" data-testid="new-residents">
                <summary>
                    {summary_text(total, overdue, l)}
                </summary>
                <ul>{items}</ul>
            </details>
        }
        .into_any()
    }
}

/// `新入住待走访:5 户(2 户已逾期)`.
fn summary_text(total: usize, overdue: usize, l: Lang) -> String {
    match l {
        Lang::Zh => format!("新入住待走访(入住 3 日内):{total} 户({overdue} 户已逾期)"),
        Lang::En => format!(
            "New residents to visit (within 3 days of moving in): {total} ({overdue} overdue)"
        ),
    }
}
