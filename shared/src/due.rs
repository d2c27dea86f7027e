//! What the server's clock must record, decided purely: given an estate's rules, its orders and
//! `now`, the escalation steps (D-6) that have come due and are not yet on the order. The server's
//! job only writes what this says, so the same answer comes whether it runs every minute or
//! once after three days down, on one instance or several.

use chrono::{DateTime, FixedOffset};

use crate::calendar::Calendar;
use crate::model::{Category, Escalation, EventKind, Severity};
use crate::order::OrderState;
use crate::policy::Policy;
use crate::sla;

type Time = DateTime<FixedOffset>;

/// One step of the ladder to record on an order: the level and the moment it became due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub order_id: String,
    pub level: Escalation,
    pub due: Time,
}

/// The escalation steps of one order due at `now` above the level already recorded, lowest
/// first. A step is due when its threshold is strictly before `m = min(now, first completed,
/// first closed)`, so after the steps are recorded the order's recorded level equals
/// [`sla::escalation`] at `now` for every order not closed before completion.
pub fn escalations(
    policy: &Policy,
    cal: &Calendar,
    order: &OrderState,
    now: Time,
) -> Vec<(Escalation, Time)> {
    escalations_of(policy, cal, order, &order.facts(), now)
}

/// [`escalations`] with the order's facts already read.
fn escalations_of(
    policy: &Policy,
    cal: &Calendar,
    order: &OrderState,
    facts: &sla::OrderFacts,
    now: Time,
) -> Vec<(Escalation, Time)> {
    // A closed order stops climbing too (an invalid complaint closed without a completion
    // concerns nobody any more); EVAL.md's level stops at completion only.
    let stop = [EventKind::Completed, EventKind::Closed]
        .into_iter()
        .filter_map(|k| facts.first_at(k))
        .min();
    let m = match stop {
        Some(done) if done < now => done,
        _ => now,
    };
    let mut steps: Vec<(Escalation, Time)> = sla::escalation_schedule(policy, cal, facts)
        .into_iter()
        .filter(|(level, due)| m > *due && *level > order.escalated)
        .collect();
    steps.sort();
    steps.dedup_by_key(|(level, _)| *level);
    steps
}

/// Every step due at `now` over an estate's orders, order by order.
pub fn estate_escalations(
    policy: &Policy,
    cal: &Calendar,
    orders: &[OrderState],
    now: Time,
) -> Vec<Step> {
    orders
        .iter()
        .flat_map(|o| {
            escalations(policy, cal, o, now)
                .into_iter()
                .map(|(level, due)| Step {
                    order_id: o.id.clone(),
                    level,
                    due,
                })
        })
        .collect()
}

/// A complaint whose severity rose above what its order records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    pub order_id: String,
    pub severity: Severity,
}

/// The complaints of an estate whose severity at `now` (C-5: a third reporter of the same
/// issue, ten people, a week or a month unresolved, media or litigation) is above general and
/// above what their order records: each is recorded once per rise.
pub fn severity_rises(policy: &Policy, orders: &[OrderState], now: Time) -> Vec<Grade> {
    let facts: Vec<_> = orders.iter().map(OrderState::facts).collect();
    sla::severities(policy, &facts, now)
        .into_iter()
        .zip(orders)
        .filter_map(|(severity, o)| {
            let severity = severity?;
            (severity > Severity::General && Some(severity) > o.graded).then(|| Grade {
                order_id: o.id.clone(),
                severity,
            })
        })
        .collect()
}

/// One pass of the server's clock over an estate: [`estate_escalations`] and
/// [`severity_rises`] at once, each order's facts read once and only for an order that can
/// still climb the ladder (its category escalates, its level is below the top) or is a
/// complaint (only complaints have a severity, and only complaints count for each other's).
/// The same answers as the two functions, in their order.
pub fn estate_pass(
    policy: &Policy,
    cal: &Calendar,
    orders: &[OrderState],
    now: Time,
) -> (Vec<Step>, Vec<Grade>) {
    let top = policy
        .escalation
        .steps
        .iter()
        .map(|s| s.level)
        .max()
        .unwrap_or(Escalation::None);
    let mut steps = Vec::new();
    let mut complaints: Vec<(&OrderState, sla::OrderFacts)> = Vec::new();
    for o in orders {
        let climbs = o.escalated < top && policy.escalation.categories.contains(&o.category);
        let complaint = o.category == Category::Complaint;
        if !climbs && !complaint {
            continue;
        }
        // What the ladder reads (category, report time, urgency, scope, size, milestones),
        // without copying the texts of the order; a complaint's whole facts serve both.
        let facts = if complaint {
            o.facts()
        } else {
            timing_facts(o)
        };
        if climbs {
            steps.extend(escalations_of(policy, cal, o, &facts, now).into_iter().map(
                |(level, due)| Step {
                    order_id: o.id.clone(),
                    level,
                    due,
                },
            ));
        }
        if complaint {
            complaints.push((o, facts));
        }
    }
    let facts: Vec<&sla::OrderFacts> = complaints.iter().map(|(_, f)| f).collect();
    let grades = sla::severities(policy, &facts, now)
        .into_iter()
        .zip(&complaints)
        .filter_map(|(severity, (o, _))| {
            let severity = severity?;
            (severity > Severity::General && Some(severity) > o.graded).then(|| Grade {
                order_id: o.id.clone(),
                severity,
            })
        })
        .collect();
    (steps, grades)
}

/// The facts the escalation ladder reads of an order (see `sla::Ctx::due`): no id, place,
/// topic, reporter or flags, so nothing but the milestones is copied.
fn timing_facts(o: &OrderState) -> sla::OrderFacts {
    let mut facts = sla::OrderFacts::new(String::new(), o.category, o.reported_at);
    facts.urgent = o.urgent;
    facts.scope = o.assessment.scope;
    facts.repair_size = o.assessment.repair_size.unwrap_or_default();
    facts.events = o
        .milestones
        .iter()
        .map(|(kind, at, score)| {
            let mut e = sla::Event::new(*kind, *at);
            e.score = *score;
            e
        })
        .collect();
    facts
}
