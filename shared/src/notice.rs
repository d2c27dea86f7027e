//! What concerns one staff member now, derived from the orders their device already holds: the
//! notification bell's list. Pure, so a tablet offline shows the same list as the desk online,
//! and each notice has a stable key, so "read" is remembered per person by key.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::model::{DeadlineKind, DeadlineStatus, Escalation, EventKind, Role};
use crate::order::{OrderState, Status};
use crate::policy::Policy;
use crate::sla;

type Time = DateTime<FixedOffset>;

/// Why an order concerns me.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Dispatched or reassigned to me, not yet completed.
    Assigned,
    /// The ladder reached my level and names me.
    Escalated,
    /// Its callback is due today and not made (desk roles).
    CallbackDue,
    /// An edit waits for a supervisor to settle it.
    Conflict,
    /// A complaint became a hotspot or major and names me.
    Graded,
}

impl NoticeKind {
    pub fn zh(self) -> &'static str {
        match self {
            NoticeKind::Assigned => "派给我的工单",
            NoticeKind::Escalated => "升级到我",
            NoticeKind::CallbackDue => "今天须回访",
            NoticeKind::Conflict => "待处理的冲突",
            NoticeKind::Graded => "投诉升级",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            NoticeKind::Assigned => "Assigned to me",
            NoticeKind::Escalated => "Escalated to me",
            NoticeKind::CallbackDue => "Callback due today",
            NoticeKind::Conflict => "Conflict to settle",
            NoticeKind::Graded => "Complaint graded",
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
}

/// Everything that concerns staff member `me` (of `role`) among `orders` at `now`, newest
/// first.
pub fn notices(
    me: &str,
    role: Role,
    orders: &[OrderState],
    policy: &Policy,
    cal: &Calendar,
    now: Time,
) -> Vec<Notice> {
    let mut out = Vec::new();
    let today = cal.in_offset(now).date_naive();
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
                });
            }
        }
        if role.may_use_desk() && o.status == Status::Completed {
            let facts = o.facts();
            if let Some(d) = sla::deadlines(policy, cal, &facts, now)
                .into_iter()
                .find(|d| d.kind == DeadlineKind::Callback)
                && matches!(d.status, DeadlineStatus::Open | DeadlineStatus::Overdue)
                && cal.in_offset(d.due).date_naive() <= today
            {
                out.push(Notice {
                    key: format!("callback:{}", o.id),
                    kind: NoticeKind::CallbackDue,
                    order_id: o.id.clone(),
                    at: d.due,
                    level: None,
                });
            }
        }
    }
    out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.key.cmp(&b.key)));
    out
}
