//! What concerns one staff member now, derived from the orders their device already holds: the
//! notification bell's list. Pure, so a tablet offline shows the same list as the desk online,
//! and each notice has a stable key, so "read" is remembered per person by key.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::model::{Escalation, EventKind, Role};
use crate::order::{OrderState, Status};
use crate::policy::Policy;

type Time = DateTime<FixedOffset>;

/// Why an order concerns me.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Dispatched or reassigned to me, not yet completed.
    Assigned,
    /// The ladder reached my level and names me.
    Escalated,
    /// Its callback is due (today, or overdue from before) and not made, and the estate's
    /// callback hours (D-7) leave a period today to make it in (desk roles).
    CallbackDue,
    /// An edit waits for a supervisor to settle it.
    Conflict,
    /// A complaint became a hotspot or major and names me.
    Graded,
    /// Next month's visit plan is not approved and the 25th has passed (V-1); for those who
    /// approve plans. Its `order_id` is empty: it opens the plan.
    PlanLate,
}

impl NoticeKind {
    pub fn zh(self) -> &'static str {
        match self {
            NoticeKind::Assigned => "派给我的工单",
            NoticeKind::Escalated => "升级到我",
            NoticeKind::CallbackDue => "今天可回访时段内须回访",
            NoticeKind::Conflict => "待处理的冲突",
            NoticeKind::Graded => "投诉升级",
            NoticeKind::PlanLate => "下月走访计划逾期未批准",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            NoticeKind::Assigned => "Assigned to me",
            NoticeKind::Escalated => "Escalated to me",
            NoticeKind::CallbackDue => "Callback due in today's hours",
            NoticeKind::Conflict => "Conflict to settle",
            NoticeKind::Graded => "Complaint graded",
            NoticeKind::PlanLate => "Next month's visit plan not approved by the 25th",
        }
    }
}

/// One item of the bell's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Stable while the reason lasts: a new reason (another level, another dispatch) is a
    /// new notice, unread again.
    pub key: String,
    pub kind: NoticeKind,
    pub order_id: String,
    /// When it began to concern me.
    pub at: Time,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Escalation>,
    /// A due callback: the callback period (D-7) to make it in — the one under way at `now`
    /// (from `now`) or the next one today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<(Time, Time)>,
}

/// The periods of `now`'s day (in the estate's calendar) in which a callback may be made
/// (D-7) that have not ended at `now`, in order; one under way starts at `now`.
pub fn callback_windows_left(policy: &Policy, cal: &Calendar, now: Time) -> Vec<(Time, Time)> {
    let date = cal.local(now).date();
    policy
        .callback_window
        .allowed
        .iter()
        .filter_map(|(from, until)| {
            let from = cal.in_offset(cal.at_date(date, *from)?);
            let until = cal.in_offset(cal.at_date(date, *until)?);
            (until >= now).then(|| (from.max(cal.in_offset(now)), until))
        })
        .collect()
}

/// Everything that concerns staff member `me` (of `role`) among the orders of estate
/// `estate_id` at `now`, newest first. The callbacks are the queue's
/// ([`crate::callback::queue`]: only the sampled ones where the rulebook samples, and the
/// special callback after a re-repair), so the bell and the queue never disagree.
pub fn notices(
    estate_id: &str,
    me: &str,
    role: Role,
    orders: &[OrderState],
    policy: &Policy,
    cal: &Calendar,
    now: Time,
) -> Vec<Notice> {
    let mut out = Vec::new();
    let today = cal.in_offset(now).date_naive();
    // Today's callback periods still open, worked out once for all orders.
    let mut windows: Option<Vec<(Time, Time)>> = None;
    for o in orders {
        let open = o.status < Status::Completed;
        if open && o.assignee.as_deref() == Some(me) {
            let at = o
                .milestones
                .iter()
                .filter(|(k, _, _)| *k == EventKind::Dispatched)
                .map(|(_, at, _)| *at)
                .max()
                .unwrap_or(o.reported_at);
            out.push(Notice {
                key: format!("assigned:{}:{}", o.id, at.timestamp_millis()),
                kind: NoticeKind::Assigned,
                order_id: o.id.clone(),
                at,
                level: None,
                window: None,
            });
        }
        if o.status < Status::Closed {
            for (level, at, to) in &o.escalations {
                if to.iter().any(|id| id == me) {
                    out.push(Notice {
                        key: format!("escalated:{}:{}", o.id, level.as_str()),
                        kind: NoticeKind::Escalated,
                        order_id: o.id.clone(),
                        at: *at,
                        level: Some(*level),
                        window: None,
                    });
                }
            }
        }
        if o.status < Status::Closed {
            for (severity, at, to) in &o.gradings {
                if to.iter().any(|id| id == me) {
                    out.push(Notice {
                        key: format!("graded:{}:{}", o.id, severity.as_str()),
                        kind: NoticeKind::Graded,
                        order_id: o.id.clone(),
                        at: *at,
                        level: None,
                        window: None,
                    });
                }
            }
        }
        if role.is_supervisor() {
            for c in &o.conflicts {
                out.push(Notice {
                    key: format!("conflict:{}:{}", o.id, c.event.id),
                    kind: NoticeKind::Conflict,
                    order_id: o.id.clone(),
                    at: c.event.at,
                    level: None,
                    window: None,
                });
            }
        }
    }
    if role.may_use_desk() {
        let due = crate::callback::queue(policy, cal, estate_id, orders, now);
        for d in due
            .iter()
            .filter(|d| cal.in_offset(d.deadline.due).date_naive() <= today)
        {
            let Some(window) = windows
                .get_or_insert_with(|| callback_windows_left(policy, cal, now))
                .first()
            else {
                break;
            };
            let key = match d.reason {
                crate::callback::Reason::Rework => format!("callback:{}:rework", d.order_id),
                _ => format!("callback:{}", d.order_id),
            };
            out.push(Notice {
                key,
                kind: NoticeKind::CallbackDue,
                order_id: d.order_id.clone(),
                at: d.deadline.due,
                level: None,
                window: Some(*window),
            });
        }
    }
    out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.key.cmp(&b.key)));
    out
}

/// The notice of a month's visit plan not approved by its deadline (V-1), for someone who
/// approves plans (`plan::may_plan`); `month_first` is the plan's month, `approved` whether
/// it is, `now` the estate's time. Keyed by the month, so each month's is read once.
pub fn plan_late(role: Role, month_first: NaiveDate, approved: bool, now: Time) -> Option<Notice> {
    if !crate::plan::may_plan(role) || !crate::plan::late(month_first, approved, now.date_naive()) {
        return None;
    }
    let deadline = crate::plan::deadline(month_first);
    let at = now
        .timezone()
        .from_local_datetime(&deadline.succ_opt()?.and_hms_opt(0, 0, 0)?)
        .single()?;
    Some(Notice {
        key: format!("plan:{}", crate::plan::month_key(month_first)),
        kind: NoticeKind::PlanLate,
        order_id: String::new(),
        at,
        level: None,
        window: None,
    })
}
