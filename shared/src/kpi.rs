//! The measures of DOMAIN.md §6 over the orders of a period `[from, to)`, each with its
//! numerator, denominator, ratio and the policy's target, so the dashboard, the monthly
//! report and the export all count the same way.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::model::{Category, DeadlineKind, DeadlineStatus, EventKind, flags, labelled_enum};
use crate::policy::{Policy, Target};
use crate::sla::{self, OrderFacts};

type Time = DateTime<FixedOffset>;

labelled_enum! {
    /// The measures of §6 [000 4.3.5, 004 KPI table], by stable id.
    Measure {
        ComplaintResponseOnTime = "complaint_response_on_time", "投诉及时响应率", "Complaints responded to on time";
        ComplaintClosed = "complaint_closed", "投诉关闭率", "Complaints closed";
        ComplaintCalledBack = "complaint_called_back", "投诉回访率", "Complaints called back";
        ComplaintSatisfaction = "complaint_satisfaction", "投诉处理满意率", "Complaint satisfaction";
        ValidComplaintRate = "valid_complaint_rate", "有效投诉率", "Valid complaints per household";
        RepairResponseOnTime = "repair_response_on_time", "报修及时响应率", "Repairs responded to on time";
        SmallRepairsClosed = "small_repairs_closed", "小修及时完成率", "Repairs closed";
        RepairCalledBack = "repair_called_back", "维修回访率", "Repairs called back";
        RepairSatisfaction = "repair_satisfaction", "维修满意率", "Repair satisfaction";
        SpecialServiceCalledBack = "special_service_called_back", "特约服务回访率", "Special services called back";
        VisitCoverage = "visit_coverage", "客户拜访覆盖率", "Households visited";
    }
}

/// What the measures are computed over.
#[derive(Debug, Clone, Copy)]
pub struct KpiInput<'a> {
    pub policy: &'a Policy,
    pub calendar: &'a Calendar,
    /// Every order of the estate; only those reported in `[from, to)` count.
    pub orders: &'a [OrderFacts],
    pub from: Time,
    pub to: Time,
    /// Deadlines still open are judged at this moment (usually `min(now, to)`).
    pub now: Time,
    /// Households of the estate (the denominator of the valid complaint rate and of
    /// visit coverage); `None` when unknown.
    pub households: Option<u32>,
    /// Distinct households visited in the period (V-1).
    pub visited_households: Option<u32>,
}

/// One measure's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    pub measure: Measure,
    pub numerator: u32,
    pub denominator: u32,
    /// `None` when there is nothing to count (denominator 0).
    pub ratio: Option<f64>,
    /// The policy's target, if it sets one.
    pub target: Option<Target>,
    /// Whether the ratio meets the target; `None` without either.
    pub met: Option<bool>,
}

impl Kpi {
    fn new(measure: Measure, numerator: u32, denominator: u32, policy: &Policy) -> Kpi {
        let ratio = (denominator > 0).then(|| f64::from(numerator) / f64::from(denominator));
        let target = policy.target(measure.as_str());
        let met = match (ratio, target) {
            (Some(r), Some(t)) => Some(t.met_by(r)),
            _ => None,
        };
        Kpi {
            measure,
            numerator,
            denominator,
            ratio,
            target,
            met,
        }
    }
}

/// Every measure, in [`Measure::ALL`] order.
pub fn all(input: &KpiInput<'_>) -> Vec<Kpi> {
    Measure::ALL.iter().map(|m| compute(*m, input)).collect()
}

/// One measure.
pub fn compute(measure: Measure, input: &KpiInput<'_>) -> Kpi {
    use Measure::*;
    let of = |c: Category| -> Vec<&OrderFacts> {
        input
            .orders
            .iter()
            .filter(|o| o.category == c && input.from <= o.reported_at && o.reported_at < input.to)
            .collect()
    };
    let count = |orders: &[&OrderFacts], f: &dyn Fn(&OrderFacts) -> bool| -> u32 {
        u32::try_from(orders.iter().filter(|o| f(o)).count()).unwrap_or(u32::MAX)
    };
    let len = |orders: &[&OrderFacts]| u32::try_from(orders.len()).unwrap_or(u32::MAX);
    let on_time = |o: &OrderFacts| response_met(input, o);
    let closed = |o: &OrderFacts| o.first(EventKind::Closed).is_some();
    let called_back = |o: &OrderFacts| o.first(EventKind::CalledBack).is_some();
    let satisfied = |o: &OrderFacts| o.callback_score().is_some_and(|s| s >= 4);
    let scored = |o: &OrderFacts| o.callback_score().is_some();
    let policy = input.policy;
    match measure {
        ComplaintResponseOnTime | RepairResponseOnTime => {
            let c = if measure == ComplaintResponseOnTime {
                Category::Complaint
            } else {
                Category::Repair
            };
            let orders = of(c);
            Kpi::new(measure, count(&orders, &on_time), len(&orders), policy)
        }
        ComplaintClosed | SmallRepairsClosed => {
            let c = if measure == ComplaintClosed {
                Category::Complaint
            } else {
                Category::Repair
            };
            let orders = of(c);
            Kpi::new(measure, count(&orders, &closed), len(&orders), policy)
        }
        ComplaintCalledBack | RepairCalledBack | SpecialServiceCalledBack => {
            let c = match measure {
                ComplaintCalledBack => Category::Complaint,
                RepairCalledBack => Category::Repair,
                _ => Category::SpecialService,
            };
            let orders = of(c);
            Kpi::new(measure, count(&orders, &called_back), len(&orders), policy)
        }
        ComplaintSatisfaction | RepairSatisfaction => {
            let c = if measure == ComplaintSatisfaction {
                Category::Complaint
            } else {
                Category::Repair
            };
            let orders = of(c);
            // crland counts satisfaction over the sampled (scored) callbacks, cmsk over
            // all orders of the kind (§6).
            let denominator = if policy.kpi.satisfaction_over_scored {
                count(&orders, &scored)
            } else {
                len(&orders)
            };
            Kpi::new(measure, count(&orders, &satisfied), denominator, policy)
        }
        ValidComplaintRate => {
            let orders = of(Category::Complaint);
            let valid = count(&orders, &|o: &OrderFacts| o.has_flag(flags::VALID));
            Kpi::new(measure, valid, input.households.unwrap_or(0), policy)
        }
        VisitCoverage => Kpi::new(
            measure,
            input.visited_households.unwrap_or(0),
            input.households.unwrap_or(0),
            policy,
        ),
    }
}

fn response_met(input: &KpiInput<'_>, o: &OrderFacts) -> bool {
    sla::deadlines(input.policy, input.calendar, o, input.now)
        .iter()
        .any(|d| d.kind == DeadlineKind::Response && d.status == DeadlineStatus::Met)
}
