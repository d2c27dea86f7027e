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
    /// A measure's value from its counts under a policy's target.
    pub fn new(measure: Measure, numerator: u32, denominator: u32, policy: &Policy) -> Kpi {
        Kpi::new_with(
            measure,
            numerator,
            denominator,
            policy.target(measure.as_str()),
        )
    }

    /// A measure's value from its counts under a target.
    pub fn new_with(
        measure: Measure,
        numerator: u32,
        denominator: u32,
        target: Option<Target>,
    ) -> Kpi {
        let ratio = (denominator > 0).then(|| f64::from(numerator) / f64::from(denominator));
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

/// What a side of a measure counts: orders (their indices in [`KpiInput::orders`]) or
/// households.
#[derive(Debug, Clone, PartialEq)]
pub enum Counted {
    Orders(Vec<usize>),
    Households(u32),
}

impl Counted {
    pub fn count(&self) -> u32 {
        match self {
            Counted::Orders(v) => u32::try_from(v.len()).unwrap_or(u32::MAX),
            Counted::Households(n) => *n,
        }
    }

    /// The orders counted, if this side counts orders.
    pub fn orders(&self) -> &[usize] {
        match self {
            Counted::Orders(v) => v,
            Counted::Households(_) => &[],
        }
    }
}

/// The numerator and denominator of a measure: what the dashboard drills down to, and what
/// [`compute`] counts — one definition for the figure and the list behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Members {
    pub numerator: Counted,
    pub denominator: Counted,
}

/// One measure.
pub fn compute(measure: Measure, input: &KpiInput<'_>) -> Kpi {
    let m = members(measure, input);
    Kpi::new(
        measure,
        m.numerator.count(),
        m.denominator.count(),
        input.policy,
    )
}

/// The orders (or households) behind one measure.
pub fn members(measure: Measure, input: &KpiInput<'_>) -> Members {
    use Measure::*;
    let of = |c: Category| -> Vec<usize> {
        input
            .orders
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                o.category == c && input.from <= o.reported_at && o.reported_at < input.to
            })
            .map(|(i, _)| i)
            .collect()
    };
    let which = |orders: &[usize], f: &dyn Fn(&OrderFacts) -> bool| -> Vec<usize> {
        orders
            .iter()
            .copied()
            .filter(|&i| f(&input.orders[i]))
            .collect()
    };
    let on_time = |o: &OrderFacts| response_met(input, o);
    let closed = |o: &OrderFacts| o.first(EventKind::Closed).is_some();
    let called_back = |o: &OrderFacts| o.first(EventKind::CalledBack).is_some();
    let satisfied = |o: &OrderFacts| o.callback_score().is_some_and(|s| s >= 4);
    let scored = |o: &OrderFacts| o.callback_score().is_some();
    let policy = input.policy;
    let orders = |n: Vec<usize>, d: Vec<usize>| Members {
        numerator: Counted::Orders(n),
        denominator: Counted::Orders(d),
    };
    match measure {
        ComplaintResponseOnTime | RepairResponseOnTime => {
            let c = if measure == ComplaintResponseOnTime {
                Category::Complaint
            } else {
                Category::Repair
            };
            let all = of(c);
            orders(which(&all, &on_time), all)
        }
        ComplaintClosed | SmallRepairsClosed => {
            let c = if measure == ComplaintClosed {
                Category::Complaint
            } else {
                Category::Repair
            };
            let all = of(c);
            orders(which(&all, &closed), all)
        }
        ComplaintCalledBack | RepairCalledBack | SpecialServiceCalledBack => {
            let c = match measure {
                ComplaintCalledBack => Category::Complaint,
                RepairCalledBack => Category::Repair,
                _ => Category::SpecialService,
            };
            let all = of(c);
            orders(which(&all, &called_back), all)
        }
        ComplaintSatisfaction | RepairSatisfaction => {
            let c = if measure == ComplaintSatisfaction {
                Category::Complaint
            } else {
                Category::Repair
            };
            let all = of(c);
            // crland counts satisfaction over the sampled (scored) callbacks, cmsk over
            // all orders of the kind (§6).
            let denominator = if policy.kpi.satisfaction_over_scored {
                which(&all, &scored)
            } else {
                all.clone()
            };
            orders(which(&all, &satisfied), denominator)
        }
        ValidComplaintRate => {
            let all = of(Category::Complaint);
            Members {
                numerator: Counted::Orders(which(&all, &|o: &OrderFacts| o.has_flag(flags::VALID))),
                denominator: Counted::Households(input.households.unwrap_or(0)),
            }
        }
        VisitCoverage => Members {
            numerator: Counted::Households(input.visited_households.unwrap_or(0)),
            denominator: Counted::Households(input.households.unwrap_or(0)),
        },
    }
}

fn response_met(input: &KpiInput<'_>, o: &OrderFacts) -> bool {
    sla::deadlines(input.policy, input.calendar, o, input.now)
        .iter()
        .any(|d| d.kind == DeadlineKind::Response && d.status == DeadlineStatus::Met)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::Event;

    fn t(s: &str) -> Time {
        DateTime::parse_from_rfc3339(s).unwrap_or_default()
    }

    fn orders() -> Vec<OrderFacts> {
        let mut on_time = OrderFacts::new("a", Category::Complaint, t("2026-03-10T10:00:00+08:00"));
        on_time.events = vec![
            Event::new(EventKind::Responded, t("2026-03-10T10:20:00+08:00")),
            Event {
                kind: EventKind::CalledBack,
                at: t("2026-03-11T10:20:00+08:00"),
                score: Some(5),
            },
            Event::new(EventKind::Closed, t("2026-03-11T11:00:00+08:00")),
        ];
        on_time.flags.push(flags::VALID.to_string());
        let mut late = OrderFacts::new("b", Category::Complaint, t("2026-03-12T10:00:00+08:00"));
        late.events = vec![Event::new(
            EventKind::Responded,
            t("2026-03-12T11:00:00+08:00"),
        )];
        // Outside the period: not counted.
        let april = OrderFacts::new("c", Category::Complaint, t("2026-04-01T00:00:00+08:00"));
        let repair = OrderFacts::new("d", Category::Repair, t("2026-03-12T10:00:00+08:00"));
        vec![on_time, late, april, repair]
    }

    fn input<'a>(policy: &'a Policy, cal: &'a Calendar, orders: &'a [OrderFacts]) -> KpiInput<'a> {
        KpiInput {
            policy,
            calendar: cal,
            orders,
            from: t("2026-03-01T00:00:00+08:00"),
            to: t("2026-04-01T00:00:00+08:00"),
            now: t("2026-04-01T00:00:00+08:00"),
            households: Some(100),
            visited_households: Some(80),
        }
    }

    #[test]
    fn section6_measures_against_cmsk_targets() {
        let (Ok(policy), cal, orders) = (Policy::preset("cmsk"), Calendar::default(), orders())
        else {
            panic!("cmsk preset must load");
        };
        let k = all(&input(&policy, &cal, &orders));
        let get = |m: Measure| k.iter().find(|k| k.measure == m).cloned();
        let response = get(Measure::ComplaintResponseOnTime);
        assert_eq!(
            response.as_ref().map(|k| (k.numerator, k.denominator)),
            Some((1, 2))
        );
        assert_eq!(response.as_ref().and_then(|k| k.ratio), Some(0.5));
        assert_eq!(
            response.as_ref().and_then(|k| k.met),
            Some(false),
            "target 95%"
        );
        let satisfaction = get(Measure::ComplaintSatisfaction);
        assert_eq!(
            satisfaction.map(|k| (k.numerator, k.denominator)),
            Some((1, 2))
        );
        let valid = get(Measure::ValidComplaintRate);
        assert_eq!(
            valid.map(|k| (k.numerator, k.denominator, k.target)),
            Some((1, 100, None))
        );
        let coverage = get(Measure::VisitCoverage);
        assert_eq!(coverage.and_then(|k| k.met), Some(false), "cmsk wants 100%");
        let special = get(Measure::SpecialServiceCalledBack);
        assert_eq!(
            special.map(|k| (k.ratio, k.met)),
            Some((None, None)),
            "nothing to count"
        );
    }

    #[test]
    fn crland_counts_satisfaction_over_the_scored_callbacks() {
        let (Ok(policy), cal, orders) = (Policy::preset("crland"), Calendar::default(), orders())
        else {
            panic!("crland preset must load");
        };
        let k = compute(
            Measure::ComplaintSatisfaction,
            &input(&policy, &cal, &orders),
        );
        assert_eq!((k.numerator, k.denominator, k.met), (1, 1, Some(true)));
        let v = compute(Measure::ValidComplaintRate, &input(&policy, &cal, &orders));
        assert_eq!(
            v.met,
            Some(true),
            "1% of households is within the 1% ceiling"
        );
    }
}
