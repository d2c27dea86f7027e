//! Complaints on the order screen and a major customer event's special report: the
//! complaint's severity with its reasons in words and the D-5 report deadlines (all from
//! `shared::complaint`, over the events on the device, so it works offline), the complaints
//! about the same issue as a group of links, the supervisor's "report to the quality centre"
//! (a step of the ladder at that level), and, when the order meets a C-6 trigger, the special
//! report: written and saved online (checked by the shared check first), printed on A4 at
//! `/desk/orders/{id}/special-report` with the timeline drawn from the order's events.

use anju_shared::complaint::{self, SpecialReport, Step, Trigger};
use anju_shared::lang::Lang;
use anju_shared::model::{Category, DeadlineStatus, Escalation, Severity};
use anju_shared::order::{EventBody, OrderState};
use anju_shared::sla::{Deadline, OrderFacts};
use chrono::{TimeZone, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure};
use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::lean::{dynamic, text};
use crate::pages::order::{Countdown, order_href};
use crate::pages::widgets::{button, text_area};
use crate::sync::Engine;

/// What the rules say of one complaint among the estate's orders on the device.
#[derive(Clone, PartialEq)]
pub(crate) struct Judged {
    pub(crate) grade: Option<complaint::Grade>,
    pub(crate) facts: OrderFacts,
    /// The same issue's complaints: (id, reported), oldest first, this one included.
    pub(crate) group: Vec<String>,
    pub(crate) reports: Vec<Deadline>,
    pub(crate) triggers: Vec<Trigger>,
}

/// Judges `id` among `orders` at `now_ms` under the estate's rules on the device.
pub(crate) fn judge(
    engine: Engine,
    orders: &[OrderState],
    id: &str,
    now_ms: i64,
) -> Option<Judged> {
    let (policy, cal) = engine.estate()?.rules().ok()?;
    let now = Utc
        .timestamp_millis_opt(now_ms)
        .single()
        .unwrap_or_default()
        .with_timezone(&cal.utc_offset);
    let facts: Vec<OrderFacts> = orders.iter().map(OrderState::facts).collect();
    let at = orders.iter().position(|o| o.id == id)?;
    let grades = complaint::grades(&policy, &facts, now);
    let grade = grades.get(at).cloned().flatten();
    let refs: Vec<&OrderFacts> = facts.iter().collect();
    let group = complaint::group(&refs, at)
        .into_iter()
        .map(|i| orders[i].id.clone())
        .collect();
    let order = &orders[at];
    let reports = complaint::report_deadlines(
        &policy,
        &cal,
        order,
        grade.as_ref().map(|g| g.severity),
        now,
    );
    let triggers = complaint::triggers(&policy, order, grade.as_ref());
    Some(Judged {
        grade,
        facts: facts[at].clone(),
        group,
        reports,
        triggers,
    })
}

/// A grade in the current language, for a list row: `热点:3 户 · 5栋 · …`.
pub(crate) fn grade_text(grade: &complaint::Grade, facts: &OrderFacts, lang: Lang) -> String {
    complaint::grade_words(grade, facts, lang)
}

/// The complaint part of the order screen (nothing for other orders without a C-6 trigger).
pub(crate) fn complaint_panel(
    engine: Engine,
    id: StoredValue<String>,
    orders: Memo<Vec<OrderState>>,
    now_ms: ReadSignal<i64>,
    idle: Signal<bool>,
    act: Callback<EventBody>,
) -> impl IntoView {
    let lang = use_lang();
    // Recomputed when the orders change and once a minute: the unresolved tests count days.
    let minute = Memo::new(move |_| now_ms.get() / 60_000);
    let judged = Memo::new(move |_| {
        let at = minute.get() * 60_000;
        orders.with(|list| judge(engine, list, &id.get_value(), at))
    });
    let is_complaint = move || {
        orders.with(|list| {
            list.iter()
                .any(|o| o.id == id.get_value() && o.category == Category::Complaint)
        })
    };
    let may_report_up = engine.me.with_untracked(|m| {
        m.as_ref().is_some_and(|m| {
            m.may(&EventBody::Escalated {
                level: Escalation::QualityCentre,
                to: Vec::new(),
            })
        })
    });
    let escalated = move || {
        orders.with(|list| {
            list.iter()
                .find(|o| o.id == id.get_value())
                .map_or(Escalation::None, |o| o.escalated)
        })
    };
    let report_up = Callback::new(move |()| {
        act.run(EventBody::Escalated {
            level: Escalation::QualityCentre,
            to: Vec::new(),
        })
    });
    let references = engine.references;
    view! {
        {dynamic(move || is_complaint().then(|| {
            let Some(j) = judged.get() else {
                return view! { <p class="card muted">{tr("本机没有小区规则,无法定级", "No estate rules on this device: cannot grade")}</p> }.into_any();
            };
            let severity = j.grade.as_ref().map_or(Severity::General, |g| g.severity);
            let facts = j.facts.clone();
            let grade = j.grade.clone();
            let words = text(move || grade.as_ref().map(|g| grade_text(g, &facts, lang.get())).unwrap_or_default());
            let needs_report = j.reports.iter().any(|d| {
                matches!(d.kind, anju_shared::model::DeadlineKind::QualityReport | anju_shared::model::DeadlineKind::CompanyReport)
                    && matches!(d.status, DeadlineStatus::Open | DeadlineStatus::Overdue)
            });
            let me = id.get_value();
            let group = j.group.clone();
            let many = group.len() > 1;
            view! {
                <section class="card complaint" data-testid="complaint-panel">
                    <h2>{tr("投诉定级", "Complaint grading")}</h2>
                    <p class=format!("grade grade-{}", severity.as_str()) data-testid="complaint-grade">{words}</p>
                    {(!j.reports.is_empty()).then(|| view! {
                        <div class="deadlines" data-testid="complaint-deadlines">
                            {j.reports.iter().cloned().map(|d| view! { <Countdown deadline=d now_ms=now_ms/> }).collect_view()}
                        </div>
                    })}
                    {(may_report_up && needs_report && escalated() < Escalation::QualityCentre).then(|| view! {
                        <div class="actions">
                            {button("button", tr("上报品质中心(公司)", "Report to the quality centre (company)"), idle, report_up)}
                        </div>
                    })}
                    {many.then(|| view! {
                        <h3>{tr("同一问题的投诉", "Complaints about the same issue")}</h3>
                        <ul class="group" data-testid="complaint-group">
                            {group.into_iter().map(|other| {
                                let state = orders.with_untracked(|l| l.iter().find(|o| o.id == other).cloned());
                                let reference = references.with_untracked(|r| r.get(&other).cloned()).unwrap_or_else(|| "—".into());
                                let (place, status, reported) = match state {
                                    Some(s) => (s.location.clone(), tr(s.status.zh(), s.status.en()), clock::short(&s.reported_at)),
                                    None => (String::new(), tr("", ""), String::new()),
                                };
                                let this = other == me;
                                view! {
                                    <li data-testid="group-order">
                                        <a href=order_href("/desk", &other) aria-current=this.then_some("page")>
                                            <span class="reference">{reference}</span> " · " {reported} " · " {place} " · " {status}
                                        </a>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    })}
                </section>
            }.into_any()
        }))}
        {dynamic(move || {
            let triggers = judged.with(|j| j.as_ref().map(|j| j.triggers.clone()).unwrap_or_default());
            (!triggers.is_empty()).then(|| view! { <SpecialReportForm order_id=id.get_value() triggers=triggers/> })
        })}
    }
}

/// The special report's six parts as editable fields.
#[derive(Clone, Copy)]
struct Fields([RwSignal<String>; 6]);

impl Fields {
    fn new() -> Fields {
        Fields(std::array::from_fn(|_| RwSignal::new(String::new())))
    }

    fn set(&self, r: &SpecialReport) {
        for (signal, (_, _, _, value)) in self.0.iter().zip(r.fields()) {
            signal.set(value.to_string());
        }
    }

    fn get(&self) -> SpecialReport {
        let [a, b, c, d, e, f] = self.0.map(|s| s.get_untracked());
        SpecialReport {
            description: a,
            cause: b,
            responsibility: c,
            corrective: d,
            preventive: e,
            people: f,
        }
    }
}

/// What the server answers for an order's special report.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
struct View {
    reference: String,
    triggers: Vec<Trigger>,
    saved: Option<complaint::SavedReport>,
    timeline: Vec<Step>,
}

fn url(estate: &str, order: &str) -> String {
    format!("/api/estates/{estate}/orders/{order}/special-report")
}

fn trigger_list(triggers: &[Trigger], lang: Lang) -> String {
    triggers
        .iter()
        .map(|t| lang.pick(t.zh(), t.en()))
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

/// The special report on the order screen: what made the order a major customer event, the
/// six parts (loaded from the server when saved before), saved by a supervisor.
#[component]
fn SpecialReportForm(order_id: String, triggers: Vec<Trigger>) -> impl IntoView {
    let engine = crate::sync::use_engine();
    let lang = use_lang();
    let fields = Fields::new();
    let status = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let estate = engine.estate().map(|e| e.id).unwrap_or_default();
    let address = StoredValue::new(url(&estate, &order_id));
    let may_save = engine.me.with_untracked(|m| {
        m.as_ref()
            .and_then(|m| anju_shared::model::Role::parse(&m.role))
            .is_some_and(anju_shared::model::Role::is_supervisor)
    });
    spawn_local(async move {
        if let Ok(v) = api::get::<View>(&address.get_value()).await
            && let Some(saved) = v.saved
        {
            fields.set(&saved.report);
            status.set(saved_text(saved.saved_ms, lang.get_untracked()));
        }
    });
    let save = Callback::new(move |()| {
        let report = fields.get();
        let l = lang.get_untracked();
        // The same check as the server's, before anything is sent.
        if let Err(r) = report.check() {
            error.set(l.pick(&r.zh, &r.en).to_string());
            return;
        }
        error.set(String::new());
        busy.set(true);
        spawn_local(async move {
            match api::put::<_, View>(&address.get_value(), &report).await {
                Ok(v) => {
                    if let Some(saved) = v.saved {
                        status.set(saved_text(saved.saved_ms, l));
                    }
                }
                Err(ApiFailure::Status(_, body)) => error.set(match (l, body.message_zh) {
                    (Lang::Zh, Some(zh)) if !zh.is_empty() => zh,
                    _ => body.error,
                }),
                Err(ApiFailure::Network(_)) => error.set(
                    l.pick(
                        "保存专项报告需要联网",
                        "Saving the report needs a connection",
                    )
                    .into(),
                ),
            }
            busy.set(false);
        });
    });
    let why = text(move || trigger_list(&triggers, lang.get()));
    let labels = [
        tr("事件描述", "Description"),
        tr("原因分析", "Cause"),
        tr("责任认定", "Responsibility"),
        tr("纠正措施", "Corrective measures"),
        tr("预防措施", "Preventive measures"),
        tr("涉及人员", "People involved"),
    ];
    let ids = [
        "special-description",
        "special-cause",
        "special-responsibility",
        "special-corrective",
        "special-preventive",
        "special-people",
    ];
    let print = format!("{}/special-report", order_href("/desk", &order_id));
    let idle = Signal::derive(move || busy.get() || !may_save);
    view! {
        <section class="card form special-report" data-testid="special-report">
            <h2>{tr("重大客户事件专项报告", "Major customer event: special report")}</h2>
            <p><strong>{tr("触发条件:", "Triggered by: ")}</strong><span data-testid="special-triggers">{why}</span></p>
            {ids.into_iter().zip(labels).zip(fields.0).map(|((id, label), value)| text_area(id, label, value)).collect_view()}
            <p role="alert" class="error" data-testid="special-error">{error}</p>
            <p class="muted" role="status" data-testid="special-status">{status}</p>
            <div class="actions">
                {button("button primary", tr("保存专项报告", "Save the special report"), idle, save)}
                <a class="button secondary" href=print data-testid="special-print-link">{tr("打印(A4)", "Print (A4)")}</a>
            </div>
            {(!may_save).then(|| view! { <p class="muted">{tr("由客服主管及以上填写保存", "Written and saved by a customer-service supervisor or above")}</p> })}
        </section>
    }
}

fn saved_text(ms: i64, lang: Lang) -> String {
    let t = Utc
        .timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .with_timezone(&clock::parse_offset("+08:00"));
    format!(
        "{}{}",
        lang.pick("已保存 ", "Saved "),
        clock::short(&t.fixed_offset())
    )
}

/// `/desk/orders/{id}/special-report`: the special report as an A4 page (the app's bars and
/// controls left out in print), its timeline drawn from the order's events on the server.
pub(crate) fn special_report_print(engine: Engine, order_id: String) -> impl IntoView {
    let lang = use_lang();
    let view = RwSignal::new(None::<Result<View, String>>);
    let estate = engine.estate();
    let estate_name = estate.as_ref().map(|e| e.name.clone()).unwrap_or_default();
    let address = url(&estate.map(|e| e.id).unwrap_or_default(), &order_id);
    spawn_local(async move {
        let l = lang.get_untracked();
        view.set(Some(api::get::<View>(&address).await.map_err(|e| {
            match e {
                ApiFailure::Status(_, body) => body.error,
                ApiFailure::Network(_) => l
                    .pick(
                        "打印专项报告需要联网",
                        "Printing the report needs a connection",
                    )
                    .into(),
            }
        })));
    });
    let back = order_href("/desk", &order_id);
    view! {
        <div class="no-print actions">
            <a class="button secondary" href=back>{tr("← 返回工单", "← Back to the order")}</a>
            <button type="button" class="button" on:click=move |_| {
                if let Some(w) = web_sys::window() { let _ = w.print(); }
            }>{tr("打印", "Print")}</button>
        </div>
        {dynamic(move || match view.get() {
            None => view! { <p class="card muted">"…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="card error" role="alert">{e}</p> }.into_any(),
            Some(Ok(v)) => {
                let l = lang.get();
                let parts = v.saved.as_ref().map(|s| s.report.clone()).unwrap_or_default();
                let rows = parts.fields().map(|(_, zh, en, value)| (l.pick(zh, en).to_string(), value.to_string()));
                view! {
                    <article class="card special-print" data-testid="special-print">
                        <h1>{tr("重大客户事件专项报告", "Major customer event: special report")}</h1>
                        <p class="muted">{estate_name.clone()} " · " {tr("工单", "Order")} " " <span data-testid="special-print-reference">{v.reference.clone()}</span></p>
                        <p><strong>{tr("触发条件:", "Triggered by: ")}</strong>{trigger_list(&v.triggers, l)}</p>
                        {v.saved.is_none().then(|| view! { <p class="error" role="alert">{tr("尚未保存专项报告", "The special report is not saved yet")}</p> })}
                        <dl class="special-parts">
                            {rows.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
                        </dl>
                        <h2>{tr("事件经过", "Timeline")}</h2>
                        <ol class="timeline" data-testid="special-timeline">
                            {v.timeline.iter().map(|s| view! {
                                <li>{clock::short(&s.at)} " · " {l.pick(&s.zh, &s.en).to_string()}</li>
                            }).collect_view()}
                        </ol>
                    </article>
                }.into_any()
            }
        })}
    }
}
