//! `/manage/kpi`: the KPI dashboard. The measures of DOMAIN.md §6 for a period and a scope
//! (the estate, a region, the company) with their numerator and denominator, the policy's
//! target and whether it was met — computed on the server by `anju_shared::dashboard`; each
//! count opens the orders behind it. Below: the estates of the scope, worst coverage first,
//! each opening its site map; open work by age and escalation level; and twelve months of
//! each measure as a small SVG chart with its target line, with counts by category and
//! channel per month. Drawn with plain SVG, no chart library.

use anju_shared::dashboard::{
    AGE_BANDS, Dashboard, Drill, EstateRow, Figures, OrderLine, PeriodKind, ScopeKind, Scopes,
    Trend,
};
use anju_shared::kpi::{Kpi, Measure};
use anju_shared::lang::Lang;
use anju_shared::model::{Category, Channel};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure};
use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::lean::dynamic;
use crate::pages::order::order_href;

/// A ratio as people read it.
pub(crate) fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

/// A target as `≥ 95%` or `≤ 1%`.
pub(crate) fn target_text(k: &Kpi) -> String {
    match k.target {
        Some(t) => match (t.min, t.max) {
            (Some(min), _) => format!("≥ {:.0}%", min * 100.0),
            (_, Some(max)) => format!("≤ {:.0}%", max * 100.0),
            _ => "—".into(),
        },
        None => "—".into(),
    }
}

/// The query string of a scope and period.
pub(crate) fn query(scope: &str, id: &str, period: &str, from: &str, to: &str) -> String {
    let mut q = format!("scope={scope}&id={id}&period={period}");
    if period == "custom" {
        q.push_str(&format!("&from={from}&to={to}"));
    }
    q
}

/// Scope and period pickers; `estate` is the estate the app works in now.
#[derive(Clone, Copy)]
pub(crate) struct Picks {
    pub(crate) scope: RwSignal<String>,
    pub(crate) period: RwSignal<String>,
    pub(crate) from: RwSignal<String>,
    pub(crate) to: RwSignal<String>,
    pub(crate) scopes: RwSignal<Option<Scopes>>,
}

impl Picks {
    pub(crate) fn new(estate: String) -> Picks {
        let picks = Picks {
            scope: RwSignal::new(format!("estate:{estate}")),
            period: RwSignal::new("last_month".into()),
            from: RwSignal::new(String::new()),
            to: RwSignal::new(String::new()),
            scopes: RwSignal::new(None),
        };
        let scopes = picks.scopes;
        spawn_local(async move {
            if let Ok(s) = api::get::<Scopes>("/api/kpi/scopes").await {
                scopes.set(Some(s));
            }
        });
        picks
    }

    /// The query string, or `None` while a custom period is incomplete.
    pub(crate) fn query(&self) -> Option<String> {
        let scope = self.scope.get();
        let (kind, id) = scope.split_once(':').unwrap_or(("estate", ""));
        let period = self.period.get();
        let (from, to) = (self.from.get(), self.to.get());
        if period == "custom" && (from.is_empty() || to.is_empty()) {
            return None;
        }
        Some(query(kind, id, &period, &from, &to))
    }

    pub(crate) fn view(&self, periods: bool) -> impl IntoView + use<> {
        let (scope, period, from, to, scopes) =
            (self.scope, self.period, self.from, self.to, self.scopes);
        let lang = use_lang();
        let options = move || {
            let l = lang.get();
            let chosen = scope.get_untracked();
            let mut list: Vec<(String, String)> = Vec::new();
            if let Some(s) = scopes.get() {
                if let Some(company) = &s.company {
                    list.push((
                        "company:".into(),
                        format!(
                            "{} · {company}",
                            l.pick(ScopeKind::Company.zh(), ScopeKind::Company.en())
                        ),
                    ));
                }
                for (id, name) in &s.regions {
                    list.push((
                        format!("region:{id}"),
                        format!(
                            "{} · {name}",
                            l.pick(ScopeKind::Region.zh(), ScopeKind::Region.en())
                        ),
                    ));
                }
                for (id, name) in &s.estates {
                    list.push((
                        format!("estate:{id}"),
                        format!(
                            "{} · {name}",
                            l.pick(ScopeKind::Estate.zh(), ScopeKind::Estate.en())
                        ),
                    ));
                }
            }
            if !list.iter().any(|(v, _)| *v == chosen) {
                list.push((chosen.clone(), l.pick("本项目", "This estate").to_string()));
            }
            list.into_iter()
                .map(|(value, text)| {
                    let selected = value == chosen;
                    view! { <option value=value selected=selected>{text}</option> }
                })
                .collect_view()
        };
        view! {
            <div class="filters" role="group" aria-label=tr("范围与期间", "Scope and period")>
                <label>{tr("范围", "Scope")}
                    <select data-testid="kpi-scope" prop:value=move || scope.get() on:change=move |ev| scope.set(event_target_value(&ev))>{options}</select>
                </label>
                {periods.then(|| view! {
                    <label>{tr("期间", "Period")}
                        <select data-testid="kpi-period" on:change=move |ev| period.set(event_target_value(&ev))>
                            {PeriodKind::ALL.iter().map(|p| view! {
                                <option value=p.as_str() selected=*p == PeriodKind::LastMonth>{tr(p.zh(), p.en())}</option>
                            }).collect_view()}
                        </select>
                    </label>
                })}
                {dynamic(move || (period.get() == "custom").then(|| view! {
                    <label>{tr("从", "From")}
                        <input type="date" data-testid="kpi-from" prop:value=from on:change=move |ev| from.set(event_target_value(&ev))/>
                    </label>
                    <label>{tr("到", "To")}
                        <input type="date" data-testid="kpi-to" prop:value=to on:change=move |ev| to.set(event_target_value(&ev))/>
                    </label>
                }))}
            </div>
        }
    }
}

#[component]
pub(crate) fn DashboardView(estate: String) -> impl IntoView {
    let lang = use_lang();
    let picks = Picks::new(estate);
    let board = RwSignal::new(None::<Result<Dashboard, String>>);
    let trend = RwSignal::new(None::<Trend>);
    let drill = RwSignal::new(None::<Drill>);
    let query = Memo::new(move |_| picks.query());
    Effect::new(move |_| {
        let Some(q) = query.get() else { return };
        let l = lang.get_untracked();
        board.set(None);
        drill.set(None);
        spawn_local(async move {
            let answer = api::get::<Dashboard>(&format!("/api/kpi?{q}")).await;
            board.set(Some(answer.map_err(|e| {
                match e {
                    ApiFailure::Status(_, body) => body.error,
                    ApiFailure::Network(_) => l
                        .pick("需要联网查看指标", "The dashboard needs a connection")
                        .into(),
                }
            })));
        });
    });
    let scope_query = Memo::new(move |_| {
        let scope = picks.scope.get();
        let (kind, id) = scope.split_once(':').unwrap_or(("estate", ""));
        format!("scope={kind}&id={id}")
    });
    Effect::new(move |_| {
        let q = scope_query.get();
        trend.set(None);
        spawn_local(async move {
            if let Ok(t) = api::get::<Trend>(&format!("/api/kpi/trend?{q}")).await {
                trend.set(Some(t));
            }
        });
    });
    let open_drill = Callback::new(move |measure: Measure| {
        let Some(q) = query.get_untracked() else {
            return;
        };
        spawn_local(async move {
            if let Ok(d) =
                api::get::<Drill>(&format!("/api/kpi/orders?{q}&measure={}", measure.as_str()))
                    .await
            {
                drill.set(Some(d));
            }
        });
    });
    view! {
        <section class="card dashboard" data-testid="dashboard">
            <h2>{tr("指标看板", "KPI dashboard")}</h2>
            {picks.view(true)}
            {dynamic(move || match board.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(b)) => board_view(b, open_drill, lang.get()).into_any(),
            })}
            {dynamic(move || drill.get().map(|d| drill_view(d, lang.get())))}
            {dynamic(move || trend.get().map(|t| trend_view(t, lang.get())))}
        </section>
    }
}

fn measure_name(m: Measure, l: Lang) -> &'static str {
    l.pick(m.zh(), m.en())
}

fn board_view(b: Dashboard, open_drill: Callback<Measure>, l: Lang) -> impl IntoView {
    let title = format!("{} · {} – {}", b.name, b.from, b.to);
    let rows = b
        .total
        .measures
        .iter()
        .map(|k| {
            let m = k.measure;
            let state = match k.met {
                Some(true) => ("met", l.pick("达标", "Met")),
                Some(false) => ("missed", l.pick("未达标", "Missed")),
                None => ("none", "—"),
            };
            let orders = !matches!(m, Measure::VisitCoverage);
            view! {
                <tr data-testid="kpi-row" data-measure=m.as_str()>
                    <th scope="row">{measure_name(m, l)}</th>
                    <td class="num">{pct(k.ratio)}</td>
                    <td class="num">
                        {if orders {
                            view! {
                                <button type="button" class="link" data-testid="kpi-counts"
                                    aria-label=format!("{}:{} / {}", measure_name(m, l), k.numerator, k.denominator)
                                    on:click=move |_| open_drill.run(m)>
                                    {format!("{} / {}", k.numerator, k.denominator)}
                                </button>
                            }.into_any()
                        } else {
                            view! { <span>{format!("{} / {}", k.numerator, k.denominator)}</span> }.into_any()
                        }}
                    </td>
                    <td class="num">{target_text(k)}</td>
                    <td><span class=format!("chip kpi-{}", state.0)>{state.1}</span></td>
                </tr>
            }
        })
        .collect_view();
    let mut estates = b.estates.clone();
    // Worst coverage first.
    estates.sort_by(|x, y| {
        let r = |e: &EstateRow| e.figures.coverage.all.ratio().unwrap_or(1.0);
        r(x).partial_cmp(&r(y)).unwrap_or(std::cmp::Ordering::Equal)
    });
    let many = estates.len() > 1;
    let chosen = crate::pages::nav::chosen();
    let navigate = leptos_router::hooks::use_navigate();
    let estate_rows = estates
        .into_iter()
        .map(|e| {
            let c = e.figures.coverage;
            let met = e
                .figures
                .measures
                .iter()
                .find(|k| k.measure == Measure::VisitCoverage)
                .and_then(|k| k.met);
            let id = e.id.clone();
            let navigate = navigate.clone();
            view! {
                <tr data-testid="kpi-estate">
                    <th scope="row">{e.name.clone()}</th>
                    <td class="num">{format!("{} / {} ({})", c.all.visited, c.all.households, pct(c.all.ratio()))}</td>
                    <td class="num">{format!("{} / {}", c.important.visited, c.important.households)}</td>
                    <td>{match met { Some(true) => l.pick("达标", "Met"), Some(false) => l.pick("未达标", "Missed"), None => "—" }}</td>
                    <td><button type="button" class="button secondary" on:click=move |_| {
                        crate::pages::nav::pick_estate(chosen, &id);
                        navigate("/manage", Default::default());
                    }>{l.pick("走访地图", "Coverage map")}</button></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h3 data-testid="kpi-title">{title}</h3>
        <table class="kpi-table">
            <thead><tr>
                <th scope="col">{l.pick("指标", "Measure")}</th>
                <th scope="col">{l.pick("数值", "Value")}</th>
                <th scope="col">{l.pick("分子 / 分母", "Numerator / denominator")}</th>
                <th scope="col">{l.pick("目标", "Target")}</th>
                <th scope="col">{l.pick("结果", "Result")}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {many.then(|| view! {
            <h3>{l.pick("各项目走访覆盖(最差在前)", "Estates by visit coverage (worst first)")}</h3>
            <table class="kpi-table">
                <thead><tr>
                    <th scope="col">{l.pick("项目", "Estate")}</th>
                    <th scope="col">{l.pick("覆盖", "Coverage")}</th>
                    <th scope="col">{l.pick("重要客户", "Important")}</th>
                    <th scope="col">{l.pick("目标", "Target")}</th>
                    <th scope="col">{l.pick("地图", "Map")}</th>
                </tr></thead>
                <tbody>{estate_rows}</tbody>
            </table>
        })}
        {open_work(&b.total, l)}
    }
}

fn open_work(f: &Figures, l: Lang) -> impl IntoView + use<> {
    let ages = AGE_BANDS
        .iter()
        .zip(&f.open_by_age)
        .map(|((_, zh, en), n)| view! { <tr><th scope="row">{l.pick(zh, en)}</th><td class="num">{*n}</td></tr> })
        .collect_view();
    let levels = f
        .open_by_level
        .iter()
        .map(|(level, n)| view! { <tr><th scope="row">{l.pick(level.zh(), level.en())}</th><td class="num">{*n}</td></tr> })
        .collect_view();
    view! {
        <div class="kpi-pair">
            <table class="kpi-table" data-testid="open-by-age">
                <caption>{l.pick("未完成工单(按时长)", "Open work by age")}</caption>
                <tbody>{ages}</tbody>
            </table>
            <table class="kpi-table" data-testid="open-by-level">
                <caption>{l.pick("未完成工单(按升级级别)", "Open work by escalation level")}</caption>
                <tbody>{levels}</tbody>
            </table>
        </div>
    }
}

pub(crate) fn order_list(list: Vec<OrderLine>, l: Lang) -> impl IntoView {
    // The order screen shows the picked estate's orders: a region's or the company's list
    // picks the order's estate on the way, or the link would lead to "not on this device".
    let chosen = crate::pages::nav::chosen();
    view! {
        <ul class="drill-list">
            {list.into_iter().map(|o| view! {
                <li data-testid="drill-order">
                    <a href=order_href("/desk", &o.id) on:click={
                        let estate = o.estate_id.clone();
                        move |_| crate::pages::nav::pick_estate(chosen, &estate)
                    }>{o.reference.clone()}</a>
                    " · " {o.estate.clone()} " · " {l.pick(o.category.zh(), o.category.en())}
                    " · " {clock::short(&o.reported_at)} " · " {l.pick(o.status.zh(), o.status.en())}
                    " · " {o.text.clone()}
                </li>
            }).collect_view()}
        </ul>
    }
}

fn drill_view(d: Drill, l: Lang) -> impl IntoView {
    let name = measure_name(d.measure, l);
    view! {
        <section class="drill" data-testid="drill" aria-label=name>
            <h3>{name}</h3>
            <h4>{l.pick("分子", "Numerator")} {format!(" ({})", d.numerator.len())}</h4>
            {order_list(d.numerator, l)}
            {match d.households {
                // A side that counts households (the valid-complaint rate's): the count, not
                // an empty list of orders.
                Some((_, homes)) => view! {
                    <h4>{l.pick("分母", "Denominator")} {format!(" ({homes})")}</h4>
                    <p class="muted">{match l {
                        Lang::Zh => format!("{homes} 户(按户计算,不列工单)"),
                        Lang::En => format!("{homes} households (counted by household, no orders to list)"),
                    }}</p>
                }.into_any(),
                None => view! {
                    <h4>{l.pick("分母", "Denominator")} {format!(" ({})", d.denominator.len())}</h4>
                    {order_list(d.denominator, l)}
                }.into_any(),
            }}
        </section>
    }
}

/// A measure's twelve months as a small line chart (plain SVG) with its target line.
fn sparkline(points: &[Option<f64>], target: Option<f64>, label: String) -> impl IntoView + use<> {
    const W: f64 = 240.0;
    const H: f64 = 64.0;
    let x = |i: usize| 8.0 + i as f64 * (W - 16.0) / 11.0;
    let y = |r: f64| H - 6.0 - r.clamp(0.0, 1.0) * (H - 12.0);
    let path = points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|r| format!("{:.1},{:.1}", x(i), y(r))))
        .collect::<Vec<_>>()
        .join(" ");
    let dots = points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            p.map(
                |r| view! { <circle cx=format!("{:.1}", x(i)) cy=format!("{:.1}", y(r)) r="2.5"/> },
            )
        })
        .collect_view();
    view! {
        <svg class="spark" width=W height=H viewBox=format!("0 0 {W} {H}") role="img" aria-label=label>
            {target.map(|t| view! { <line class="target" x1="0" x2=W y1=format!("{:.1}", y(t)) y2=format!("{:.1}", y(t))/> })}
            <polyline points=path/>
            {dots}
        </svg>
    }
}

fn trend_view(t: Trend, l: Lang) -> impl IntoView {
    let charts = Measure::ALL
        .iter()
        .map(|m| {
            let points: Vec<Option<f64>> = t
                .months
                .iter()
                .map(|month| month.measures.iter().find(|k| k.measure == *m).and_then(|k| k.ratio))
                .collect();
            let target = t
                .months
                .last()
                .and_then(|month| month.measures.iter().find(|k| k.measure == *m))
                .and_then(|k| k.target)
                .and_then(|t| t.min.or(t.max));
            let values = t
                .months
                .iter()
                .zip(&points)
                .map(|(month, p)| format!("{} {}", month.month, pct(*p)))
                .collect::<Vec<_>>()
                .join(", ");
            let label = format!("{}: {values}", measure_name(*m, l));
            view! {
                <figure class="trend" data-testid="trend">
                    <figcaption>{measure_name(*m, l)} {target.map(|t| format!(" ({} {:.0}%)", l.pick("目标", "target"), t * 100.0))}</figcaption>
                    {sparkline(&points, target, label)}
                </figure>
            }
        })
        .collect_view();
    let months = t
        .months
        .iter()
        .map(|m| view! { <th scope="col">{m.month[5..].to_string()}</th> })
        .collect_view();
    let category_rows = Category::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let cells = t
                .months
                .iter()
                .map(|m| view! { <td class="num">{m.by_category.get(i).map_or(0, |x| x.1)}</td> })
                .collect_view();
            view! { <tr><th scope="row">{l.pick(c.zh(), c.en())}</th>{cells}</tr> }
        })
        .collect_view();
    let channel_rows = Channel::ALL
        .iter()
        .map(|c| {
            let cells = t
                .months
                .iter()
                .map(|m| {
                    let n = m
                        .by_channel
                        .iter()
                        .find(|(k, _)| k == c.as_str())
                        .map_or(0, |x| x.1);
                    view! { <td class="num">{n}</td> }
                })
                .collect_view();
            view! { <tr><th scope="row">{l.pick(c.zh(), c.en())}</th>{cells}</tr> }
        })
        .collect_view();
    let months2 = t
        .months
        .iter()
        .map(|m| view! { <th scope="col">{m.month[5..].to_string()}</th> })
        .collect_view();
    view! {
        <h3>{l.pick("近12个月趋势", "The last twelve months")}</h3>
        <div class="trends">{charts}</div>
        <div class="grid-scroll">
            <table class="kpi-table counts" data-testid="by-category">
                <caption>{l.pick("各类客户信息(月)", "By category, per month")}</caption>
                <thead><tr><th scope="col">{l.pick("类别", "Category")}</th>{months}</tr></thead>
                <tbody>{category_rows}</tbody>
            </table>
            <table class="kpi-table counts" data-testid="by-channel">
                <caption>{l.pick("各渠道(月)", "By channel, per month")}</caption>
                <thead><tr><th scope="col">{l.pick("渠道", "Channel")}</th>{months2}</tr></thead>
                <tbody>{channel_rows}</tbody>
            </table>
        </div>
    }
}
