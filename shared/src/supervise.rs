//! The supervisors' view (`/desk/supervise`): from an estate's folded orders, what needs a
//! supervisor — the orders escalated to their level of the ladder (D-6) and whose they are,
//! overdue first; the open complaints by severity (C-5) with their groups and the D-5 reports
//! due; the callbacks that failed (the order went back to work, D-9) or are overdue (D-4);
//! and the conflicts to settle. Each row names the action it needs. Pure, so a tablet computes
//! it offline from the same events as the desk.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::complaint::{self, Grade};
use crate::model::{DeadlineKind, DeadlineStatus, Escalation, Role, Severity, labelled_enum};
use crate::order::{OrderState, Status};
use crate::policy::Policy;
use crate::sla::{Deadline, OrderFacts};

type Time = DateTime<FixedOffset>;

labelled_enum! {
    /// What a row of the supervisors' view needs.
    Action {
        FollowUp = "follow_up", "督办", "Follow up";
        Respond = "respond", "统一答复", "Give the unified response";
        ReportUp = "report_up", "上报", "Report it up";
        Rework = "rework", "安排返修", "Arrange the re-repair";
        CallBack = "call_back", "回访", "Call back";
        Settle = "settle", "处理冲突", "Settle the conflict";
    }
}

/// One order in a part of the view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub order_id: String,
    pub action: Action,
    /// Whether a deadline of the order is past and unmet.
    pub overdue: bool,
    /// The nearest deadline still to meet (overdue ones included).
    pub due: Option<Time>,
    pub level: Escalation,
    pub assignee: Option<String>,
    /// A complaint's grade, with why.
    pub grade: Option<Grade>,
    /// The complaints about the same issue, this one included, oldest first.
    pub group: Vec<String>,
}

/// The supervisors' view of an estate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Board {
    pub escalated: Vec<Row>,
    pub complaints: Vec<Row>,
    pub callbacks: Vec<Row>,
    pub conflicts: Vec<Row>,
}

/// The rung of the ladder a role answers for; the administrator sees every rung, the desk,
/// caretakers and technicians none.
pub fn level_of(role: Role) -> Option<Escalation> {
    match role {
        Role::DeptSupervisor | Role::Admin => Some(Escalation::DepartmentSupervisor),
        Role::CsSupervisor => Some(Escalation::CsSupervisor),
        Role::ProjectManager => Some(Escalation::ProjectManager),
        Role::AreaManager => Some(Escalation::AreaManager),
        Role::QualityCentre => Some(Escalation::QualityCentre),
        _ => None,
    }
}

fn unmet(d: &Deadline) -> bool {
    matches!(d.status, DeadlineStatus::Open | DeadlineStatus::Overdue)
}

/// The view for `role` at `now` over an estate's orders. Every part lists overdue rows first,
/// then by the nearest deadline; complaints by severity first.
pub fn board(
    policy: &Policy,
    cal: &Calendar,
    orders: &[OrderState],
    role: Role,
    now: Time,
) -> Board {
    let facts: Vec<OrderFacts> = orders.iter().map(OrderState::facts).collect();
    let refs: Vec<&OrderFacts> = facts.iter().collect();
    let grades = complaint::grades(policy, &facts, now);
    let mut board = Board::default();
    let Some(mine) = level_of(role) else {
        return board;
    };
    for (i, o) in orders.iter().enumerate() {
        let grade = grades.get(i).cloned().flatten();
        let severity = grade.as_ref().map(|g| g.severity);
        let mut deadlines = crate::work::order_deadlines(policy, cal, o, now);
        let reports = complaint::report_deadlines(policy, cal, o, severity, now);
        deadlines.extend(reports.iter().cloned());
        let overdue = deadlines
            .iter()
            .any(|d| d.status == DeadlineStatus::Overdue);
        let due = deadlines.iter().filter(|d| unmet(d)).map(|d| d.due).min();
        let group: Vec<String> = complaint::group(&refs, i)
            .into_iter()
            .map(|j| orders[j].id.clone())
            .collect();
        let row = |action: Action| Row {
            order_id: o.id.clone(),
            action,
            overdue,
            due,
            level: o.escalated,
            assignee: o.assignee.clone(),
            grade: grade.clone(),
            group: group.clone(),
        };
        let report_due = |kind: DeadlineKind| reports.iter().any(|d| d.kind == kind && unmet(d));
        let report_up =
            report_due(DeadlineKind::QualityReport) || report_due(DeadlineKind::CompanyReport);
        if o.escalated >= mine && o.status < Status::Completed {
            board.escalated.push(row(if report_up {
                Action::ReportUp
            } else {
                Action::FollowUp
            }));
        }
        if severity.is_some() && o.status < Status::Closed {
            board
                .complaints
                .push(row(if report_due(DeadlineKind::UnifiedResponse) {
                    Action::Respond
                } else if report_up {
                    Action::ReportUp
                } else {
                    Action::FollowUp
                }));
        }
        let failed = o.callbacks.last().is_some_and(|c| c.fails()) && o.status < Status::Completed;
        let callback_late = deadlines
            .iter()
            .any(|d| d.kind == DeadlineKind::Callback && d.status == DeadlineStatus::Overdue);
        if failed {
            board.callbacks.push(row(Action::Rework));
        } else if callback_late && o.status < Status::CalledBack {
            board.callbacks.push(row(Action::CallBack));
        }
        if !o.conflicts.is_empty() {
            board.conflicts.push(row(Action::Settle));
        }
    }
    let urgency = |r: &Row| (!r.overdue, r.due.map_or(i64::MAX, |d| d.timestamp_millis()));
    board
        .escalated
        .sort_by_key(|r| (urgency(r), std::cmp::Reverse(r.level)));
    board.complaints.sort_by_key(|r| {
        (
            std::cmp::Reverse(r.grade.as_ref().map_or(Severity::General, |g| g.severity)),
            urgency(r),
        )
    });
    board.callbacks.sort_by_key(urgency);
    board.conflicts.sort_by_key(urgency);
    board
}
