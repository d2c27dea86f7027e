//! Callbacks (回访) as the desk works them: the score and its labels (§4), when a call may be
//! made (D-7) and when the window opens next, the emergency override the server requires
//! outside it, the reopen a failed callback makes and the special callback within 24 hours of
//! the re-repair (D-9), the weekly sample of a sampling rulebook (D-4, kwy), and the queue of
//! callbacks due, soonest first, one resident's calls together. Pure: the app and the server
//! call the same functions with their own `now`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::arrival::{REASON_MAX, Refusal};
use crate::calendar::Calendar;
use crate::model::{Category, DeadlineKind, DeadlineStatus, EventKind};
use crate::order::{Event, EventBody, OrderState, Status};
use crate::policy::Policy;
use crate::sla::{self, Deadline};

type Time = DateTime<FixedOffset>;

/// D-9 [001 3]: the special callback after a re-repair, within 24 hours.
pub const SPECIAL_CALLBACK_MINUTES: i64 = 24 * 60;

/// The meaning of a score (§4): 5 very satisfied … 1 very unsatisfied, in zh and en.
pub fn score_label(score: u8) -> (&'static str, &'static str) {
    match score {
        5 => ("非常满意", "very satisfied"),
        4 => ("基本满意", "basically satisfied"),
        3 => ("一般", "neutral"),
        2 => ("不满意", "unsatisfied"),
        _ => ("非常不满意", "very unsatisfied"),
    }
}

/// The one check of a score, for a callback and for a resident's rating.
pub fn check_score(field: &str, score: u8) -> Result<(), Refusal> {
    if (1..=5).contains(&score) {
        Ok(())
    } else {
        Err(Refusal::new(field, "must be 1 to 5", "须为 1 至 5 分"))
    }
}

/// Whether a callback failed: a score of 2 or less, or the resident says the problem is not
/// solved. The order goes back to work at once (D-9).
pub fn fails(score: u8, solved: Option<bool>) -> bool {
    score <= 2 || solved == Some(false)
}

/// Where a moment stands in the estate's callback hours (D-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Window {
    /// A call may be made now, until `until` (included).
    Open { until: Time },
    /// No call now but an emergency; the next period opens at `opens`.
    Closed { opens: Time },
}

/// The callback window at `at`: open until the end of the period under way, or closed until
/// the start of the next period (later today, or the first one of the next day).
pub fn window(policy: &Policy, cal: &Calendar, at: Time) -> Window {
    let local = cal.local(at);
    let (date, time) = (local.date(), local.time());
    let periods = &policy.callback_window.allowed;
    if let Some((_, until)) = periods.iter().find(|(a, b)| *a <= time && time <= *b) {
        let until = cal.at_date(date, *until).map_or(at, |t| cal.in_offset(t));
        return Window::Open { until };
    }
    let later_today = periods
        .iter()
        .find(|(a, _)| *a > time)
        .and_then(|(a, _)| cal.at_date(date, *a));
    let opens = later_today
        .or_else(|| {
            let (first, _) = periods.first()?;
            cal.at_date(date.succ_opt()?, *first)
        })
        .map_or(at, |t| cal.in_offset(t));
    Window::Closed { opens }
}

/// The policy's callback hours as people read them: `10:00–12:00, 14:00–21:00`.
pub fn hours_text(policy: &Policy) -> String {
    policy
        .callback_window
        .allowed
        .iter()
        .map(|(a, b)| format!("{}–{}", a.format("%H:%M"), b.format("%H:%M")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The check of an event that needs the estate's rules, run by the server on every pushed
/// event and by the app before it records one: a callback outside the callback hours (D-7)
/// needs the emergency that justified it, and every reason is bounded.
pub fn refusal(policy: &Policy, cal: &Calendar, e: &Event) -> Option<Refusal> {
    let EventBody::CalledBack {
        override_reason, ..
    } = &e.body
    else {
        return None;
    };
    let reason = override_reason.as_deref().map(str::trim).unwrap_or("");
    if reason.chars().count() > REASON_MAX {
        return Some(Refusal::new(
            "override_reason",
            format!("at most {REASON_MAX} characters"),
            format!("不能超过 {REASON_MAX} 个字"),
        ));
    }
    if sla::callback_allowed(policy, cal, e.at) || !reason.is_empty() {
        return None;
    }
    let hours = hours_text(policy);
    Some(Refusal::new(
        "override_reason",
        format!("a callback outside the callback hours ({hours}) needs an emergency reason"),
        format!("不在回访时段({hours})内:紧急情况须填写原因"),
    ))
}

/// The re-repair after the order's last failed callback, in fold order (a device's clock may
/// give several steps the same minute): the completion that ended it, if it happened, and
/// the first callback after that completion, if one was made.
fn rework(order: &OrderState) -> Option<(Option<Time>, Option<Time>)> {
    let failed = order.callbacks.iter().rposition(|c| c.fails())?;
    let mut calls = 0;
    let mut done = None;
    let mut called = None;
    for (kind, at, _) in &order.milestones {
        match kind {
            EventKind::CalledBack => {
                if done.is_some() && called.is_none() && calls > failed {
                    called = Some(*at);
                }
                calls += 1;
            }
            EventKind::Completed if calls > failed && done.is_none() => done = Some(*at),
            _ => {}
        }
    }
    Some((done, called))
}

/// D-9: the special callback of a reopened order, once its re-repair is completed: within 24
/// hours of that completion (the rulebook's `rework_callback` minutes where it sets them),
/// moved back out of forbidden hours (D-7), met by the first callback after it.
pub fn special_callback(
    policy: &Policy,
    cal: &Calendar,
    order: &OrderState,
    now: Time,
) -> Option<Deadline> {
    let (done, done_at) = rework(order)?;
    let done = done?;
    let minutes = policy
        .tracked(order.category)
        .and_then(|t| t.rework_callback.as_ref())
        .filter(|r| r.rule.working_days.is_none() && r.rule.minutes > 0)
        .map_or(SPECIAL_CALLBACK_MINUTES, |r| r.rule.minutes);
    let due = cal.in_offset(sla::last_allowed_callback(
        policy,
        cal,
        done + Duration::minutes(minutes),
    ));
    Some(Deadline {
        kind: DeadlineKind::Callback,
        due,
        status: sla::status(due, done_at, now),
        done_at,
    })
}

/// The ISO week (year, week) of a day.
fn week_of(date: NaiveDate) -> (i32, u32) {
    let w = date.iso_week();
    (w.year(), w.week())
}

/// A stable 64-bit mix of a text (FNV-1a, then splitmix64's finaliser), the same on every
/// platform: the sample's draw.
fn mix(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// How many of `n` orders a share draws: exactly ⌈share × n⌉ (the share in thousandths, so
/// 20% of 15 is 3, not 4 by a rounding error).
pub fn sample_size(share: f64, n: usize) -> usize {
    let permille = (share * 1000.0).round().clamp(0.0, 1000.0) as usize;
    (n * permille).div_ceil(1000)
}

/// D-4 (kwy): the orders drawn for a callback among `completed` (order id, day of its
/// completion in the estate's calendar): per ISO week, exactly ⌈share × n⌉ of the week's n,
/// ranked by a draw seeded by the estate, the week and the order, so the same orders give the
/// same sample on every device and server, whatever order they come in.
pub fn weekly_sample(
    estate_id: &str,
    share: f64,
    completed: &[(&str, NaiveDate)],
) -> BTreeSet<String> {
    let mut weeks: BTreeMap<(i32, u32), Vec<&str>> = BTreeMap::new();
    for (id, day) in completed {
        weeks.entry(week_of(*day)).or_default().push(id);
    }
    let mut out = BTreeSet::new();
    for ((year, week), mut ids) in weeks {
        ids.sort_unstable();
        ids.dedup();
        let k = sample_size(share, ids.len());
        let mut ranked: Vec<(u64, &str)> = ids
            .iter()
            .map(|id| (mix(&format!("{estate_id}|{year}-W{week:02}|{id}")), *id))
            .collect();
        ranked.sort_unstable();
        out.extend(ranked.into_iter().take(k).map(|(_, id)| id.to_string()));
    }
    out
}

/// Why a callback is in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The order's callback after completion (D-4, D-5).
    Completed,
    /// Drawn in the week's sample (D-4, kwy).
    Sampled,
    /// The special callback after a re-repair (D-9).
    Rework,
}

impl Reason {
    pub fn zh(self) -> &'static str {
        match self {
            Reason::Completed => "完工回访",
            Reason::Sampled => "每周抽样回访",
            Reason::Rework => "返修专项回访",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Reason::Completed => "after completion",
            Reason::Sampled => "weekly sample",
            Reason::Rework => "special callback after re-repair",
        }
    }
}

/// One callback to make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Due {
    pub order_id: String,
    pub reason: Reason,
    pub deadline: Deadline,
    /// The resident called: the place and masked phone of the report, so one person's calls
    /// sit together.
    pub person: String,
}

/// The completed orders of `orders` a sampling rulebook draws, or `None` when it calls back
/// every order.
pub fn sampled(
    policy: &Policy,
    cal: &Calendar,
    estate_id: &str,
    orders: &[OrderState],
) -> Option<(BTreeSet<String>, Vec<Category>)> {
    let sample = policy.callback_sample.as_ref()?;
    let completed: Vec<(&str, NaiveDate)> = orders
        .iter()
        .filter(|o| sample.categories.contains(&o.category))
        .filter_map(|o| {
            let done = o.first(EventKind::Completed)?;
            Some((o.id.as_str(), cal.local(done).date()))
        })
        .collect();
    Some((
        weekly_sample(estate_id, sample.share, &completed),
        sample.categories.clone(),
    ))
}

/// The callbacks still to make among an estate's orders at `now`: a completed order's callback
/// (only the sampled ones where the rulebook samples) and the special callback after a
/// re-repair, soonest first; the calls to one resident together, ordered by their soonest.
pub fn queue(
    policy: &Policy,
    cal: &Calendar,
    estate_id: &str,
    orders: &[OrderState],
    now: Time,
) -> Vec<Due> {
    let sample = sampled(policy, cal, estate_id, orders);
    let mut out = Vec::new();
    for o in orders {
        if o.status == Status::Closed {
            continue;
        }
        let person = format!("{} · {}", o.location, o.phone_masked);
        if let Some(d) = special_callback(policy, cal, o, now) {
            if d.done_at.is_none() {
                out.push(Due {
                    order_id: o.id.clone(),
                    reason: Reason::Rework,
                    deadline: d,
                    person,
                });
            }
            continue;
        }
        if o.status != Status::Completed || !o.callbacks.is_empty() {
            continue;
        }
        let reason = match &sample {
            Some((drawn, categories)) if categories.contains(&o.category) => {
                if !drawn.contains(&o.id) {
                    continue;
                }
                Reason::Sampled
            }
            _ => Reason::Completed,
        };
        let deadline = sla::deadlines(policy, cal, &o.facts(), now)
            .into_iter()
            .find(|d| d.kind == DeadlineKind::Callback)
            .filter(|d| matches!(d.status, DeadlineStatus::Open | DeadlineStatus::Overdue));
        if let Some(deadline) = deadline {
            out.push(Due {
                order_id: o.id.clone(),
                reason,
                deadline,
                person,
            });
        }
    }
    let mut soonest: BTreeMap<String, Time> = BTreeMap::new();
    for d in &out {
        let t = soonest.entry(d.person.clone()).or_insert(d.deadline.due);
        *t = (*t).min(d.deadline.due);
    }
    let first = |d: &Due| soonest.get(&d.person).copied().unwrap_or(d.deadline.due);
    out.sort_by(|a, b| {
        (first(a), &a.person, a.deadline.due, &a.order_id).cmp(&(
            first(b),
            &b.person,
            b.deadline.due,
            &b.order_id,
        ))
    });
    out
}
