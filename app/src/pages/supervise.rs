//! `/desk/supervise`: the supervisors' view (department and customer-service supervisors,
//! project and area managers, the quality centre): the orders escalated to their rung and whose
//! they are, overdue first; the open complaints by severity with their reasons and groups; the
//! callbacks that failed or are late; the conflicts to settle — each row with the action it
//! needs, a link to the order. Computed by `shared::supervise` from the events on the device,
//! so it works offline like the inbox.

use anju_shared::model::{Role, Severity};
use anju_shared::order::OrderState;
use anju_shared::sla::OrderFacts;
use anju_shared::supervise::{self, Board, Row};
use chrono::{TimeZone, Utc};
use leptos::prelude::*;

use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::lean::{dynamic, text};
use crate::pages::order::{order_href, person};
use crate::sync::Engine;

/// The view of `role` over the estate's orders on the device, recomputed once a minute and
/// when the orders change.
pub(crate) fn supervise_view(
    engine: Engine,
    role: Role,
    states: Memo<Vec<OrderState>>,
    now_ms: ReadSignal<i64>,
) -> impl IntoView {
    let minute = Memo::new(move |_| now_ms.get() / 60_000);
    let board = Memo::new(move |_| {
        let at = minute.get() * 60_000;
        let (policy, cal) = engine.estate().and_then(|e| e.rules().ok())?;
        let now = Utc
            .timestamp_millis_opt(at)
            .single()
            .unwrap_or_default()
            .with_timezone(&cal.utc_offset);
        Some(states.with(|list| supervise::board(&policy, &cal, list, role, now)))
    });
    let facts = Memo::new(move |_| {
        states.with(|list| {
            list.iter()
                .map(|s| (s.id.clone(), s.facts()))
                .collect::<Vec<_>>()
        })
    });
    let part = move |title: Signal<&'static str>,
                     testid: &'static str,
                     empty: Signal<&'static str>,
                     pick: fn(&Board) -> &Vec<Row>| {
        view! {
            <section class="card supervise-part" data-testid=testid>
                <h2>{title} " " <span class="chip">{move || board.with(|b| b.as_ref().map_or(0, |b| pick(b).len()))}</span></h2>
                {dynamic(move || {
                    let rows = board.with(|b| b.as_ref().map(|b| pick(b).clone()).unwrap_or_default());
                    if rows.is_empty() {
                        return view! { <p class="muted">{empty}</p> }.into_any();
                    }
                    view! {
                        <ul class="supervise-rows">
                            {rows.into_iter().map(|r| row(engine, r, states, facts)).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </section>
        }
    };
    view! {
        <div class="supervise" data-testid="supervise">
            {dynamic(move || board.with(Option::is_none).then(|| view! {
                <p class="card muted">{tr("本机还没有小区规则:联网同步后显示。", "This device has no estate rules yet: they show once synced.")}</p>
            }))}
            {severity_strip(board)}
            {part(tr("升级到我这一级的工单", "Orders escalated to my level"), "sup-escalated", tr("没有升级到这一级的工单", "No order is escalated to this level"), escalated_rows)}
            {part(tr("投诉(按级别)", "Complaints by severity"), "sup-complaints", tr("没有未关闭的投诉", "No open complaint"), complaint_rows)}
            {part(tr("回访失败或逾期", "Callbacks failed or overdue"), "sup-callbacks", tr("没有失败或逾期的回访", "No failed or overdue callback"), callback_rows)}
            {part(tr("待处理的冲突", "Conflicts to settle"), "sup-conflicts", tr("没有冲突", "No conflict"), conflict_rows)}
        </div>
    }
}

fn escalated_rows(b: &Board) -> &Vec<Row> {
    &b.escalated
}
fn complaint_rows(b: &Board) -> &Vec<Row> {
    &b.complaints
}
fn callback_rows(b: &Board) -> &Vec<Row> {
    &b.callbacks
}
fn conflict_rows(b: &Board) -> &Vec<Row> {
    &b.conflicts
}

/// The open complaints by severity as one bar, each part as wide as its share: seen at a
/// glance where a table would need reading.
fn severity_strip(board: Memo<Option<Board>>) -> impl IntoView {
    let lang = use_lang();
    dynamic(move || {
        let counts: Vec<(Severity, usize)> = board.with(|b| {
            let list = b
                .as_ref()
                .map(|b| b.complaints.as_slice())
                .unwrap_or_default();
            Severity::ALL
                .iter()
                .rev()
                .map(|s| {
                    let n = list
                        .iter()
                        .filter(|r| {
                            r.grade.as_ref().map_or(Severity::General, |g| g.severity) == *s
                        })
                        .count();
                    (*s, n)
                })
                .collect()
        });
        let total: usize = counts.iter().map(|(_, n)| n).sum();
        (total > 0).then(|| {
            let l = lang.get();
            let mut x = 0.0;
            let parts = counts
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| {
                    let w = 600.0 * *n as f64 / total as f64;
                    let at = x;
                    x += w;
                    let label = format!("{} {n}", l.pick(s.zh(), s.en()));
                    view! {
                        <g>
                            <rect class=format!("sev-{}", s.as_str()) x=format!("{at:.1}") y="0" width=format!("{w:.1}") height="36"/>
                            <text x=format!("{:.1}", at + 8.0) y="24">{label}</text>
                        </g>
                    }
                })
                .collect_view();
            let summary = counts
                .iter()
                .map(|(s, n)| format!("{} {n}", l.pick(s.zh(), s.en())))
                .collect::<Vec<_>>()
                .join(" · ");
            view! {
                <figure class="card severity-strip" data-testid="severity-strip">
                    <svg viewBox="0 0 600 36" role="img" aria-label=summary.clone()>{parts}</svg>
                    <figcaption>{summary}</figcaption>
                </figure>
            }
        })
    })
}

fn row(
    engine: Engine,
    r: Row,
    states: Memo<Vec<OrderState>>,
    facts: Memo<Vec<(String, OrderFacts)>>,
) -> impl IntoView {
    let lang = use_lang();
    let state = states.with_untracked(|l| l.iter().find(|s| s.id == r.order_id).cloned());
    let reference = engine
        .references
        .with_untracked(|m| m.get(&r.order_id).cloned())
        .unwrap_or_else(|| "—".into());
    let (category, place, text_of) = state
        .map(|s| (s.category, s.location.clone(), s.text.clone()))
        .unwrap_or((
            anju_shared::model::Category::Other,
            String::new(),
            String::new(),
        ));
    let level = r.level;
    let assignee = r.assignee.clone();
    let due = r.due;
    let overdue = r.overdue;
    let group = r.group.clone();
    let grade = r.grade.clone();
    let own = facts.with_untracked(|f| {
        f.iter()
            .find(|(id, _)| *id == r.order_id)
            .map(|(_, f)| f.clone())
    });
    let details = text(move || {
        let l = lang.get();
        let mut parts = vec![place.clone()];
        parts.push(match &assignee {
            Some(a) => format!(
                "{}{}",
                l.pick("处理人 ", "assigned to "),
                person(engine, a, l)
            ),
            None => l.pick("未派单", "not dispatched").to_string(),
        });
        if let Some(d) = due {
            let when = clock::short(&d);
            parts.push(match (overdue, l) {
                (true, anju_shared::lang::Lang::Zh) => format!("已超时 · 应于 {when}"),
                (true, anju_shared::lang::Lang::En) => format!("overdue · was due {when}"),
                (false, anju_shared::lang::Lang::Zh) => format!("{when} 前"),
                (false, anju_shared::lang::Lang::En) => format!("by {when}"),
            });
        }
        parts.join(" · ")
    });
    let graded = text(move || match (&grade, &own) {
        (Some(g), Some(f)) => anju_shared::complaint::grade_words(g, f, lang.get()),
        _ => String::new(),
    });
    let references = engine.references;
    let group_refs = (group.len() > 1).then(|| {
        let list = group
            .iter()
            .map(|id| references.with_untracked(|m| m.get(id).cloned()).unwrap_or_else(|| "—".into()))
            .collect::<Vec<_>>()
            .join("、");
        view! { <p class="muted" data-testid="sup-group">{tr("同一问题:", "Same issue: ")} {list}</p> }
    });
    let action = r.action;
    let href = order_href("/desk", &r.order_id);
    view! {
        <li class="order" class:urgent=overdue data-testid="sup-row">
            <div class="order-head">
                <span class="reference">{reference}</span>
                <strong class="chip">{tr(category.zh(), category.en())}</strong>
                {(level != anju_shared::model::Escalation::None).then(|| view! {
                    <span class="chip" data-testid="sup-level">{tr(level.zh(), level.en())}</span>
                })}
                {overdue.then(|| view! { <strong class="chip urgent">{tr("逾期", "Overdue")}</strong> })}
                <a class="button" href=href data-testid="sup-action">{tr(action.zh(), action.en())}</a>
            </div>
            <p class="order-text">{text_of}</p>
            <p class="muted">{details}</p>
            <p data-testid="sup-grade">{graded}</p>
            {group_refs}
        </li>
    }
}
