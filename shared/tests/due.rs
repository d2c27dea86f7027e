//! The server's clock decides purely (`anju_shared::due`): run at every minute of two weeks and
//! more, or at a few random instants, it records the same escalation steps — never one twice,
//! never one skipped, never a level going down — and the order's recorded level then equals
//! the rule engine's answer at that moment.

use anju_shared::calendar::Calendar;
use anju_shared::due;
use anju_shared::hlc::Hlc;
use anju_shared::model::{Category, Escalation};
use anju_shared::order::{Event, EventBody, OrderState, Reported, fold};
use anju_shared::policy::Policy;
use anju_shared::sla;
use chrono::{DateTime, Duration, FixedOffset};
use proptest::prelude::*;

type Time = DateTime<FixedOffset>;

fn start() -> Time {
    DateTime::parse_from_rfc3339("2026-03-02T08:00:00+08:00").expect("time")
}

fn event(id: &str, at: Time, body: EventBody) -> Event {
    Event {
        id: id.into(),
        subject: anju_shared::subject::Subject::order("o1"),
        device_id: "d".into(),
        device_seq: 1,
        hlc: Hlc::new(at.timestamp_millis() as u64, 0),
        actor: "stf-desk".into(),
        at,
        body,
        seq: None,
    }
}

/// A repair or complaint reported `offset_min` after the start, completed `done_min` after its
/// report if at all.
fn order(category: Category, offset_min: i64, done_min: Option<i64>) -> OrderState {
    let at = start() + Duration::minutes(offset_min);
    let mut events = vec![event(
        "r",
        at,
        EventBody::Reported(Reported::by_staff(
            "漏水",
            anju_shared::model::Channel::Phone,
            category,
        )),
    )];
    if let Some(done) = done_min {
        events.push(event(
            "c",
            at + Duration::minutes(done),
            EventBody::Completed,
        ));
    }
    fold("o1", &events).expect("folded")
}

/// Runs the job at each instant, recording what it decides as the server does; the steps in
/// the order they were recorded.
fn run(
    policy: &Policy,
    cal: &Calendar,
    mut state: OrderState,
    instants: &[Time],
) -> Vec<(Escalation, Time)> {
    let mut recorded = Vec::new();
    for now in instants {
        for (level, due) in due::escalations(policy, cal, &state, *now) {
            assert!(
                level > state.escalated,
                "a step above the recorded level only"
            );
            state.escalated = level;
            recorded.push((level, due));
        }
        assert_eq!(
            state.escalated,
            sla::escalation(policy, cal, &state.facts(), *now),
            "the recorded level is the rule engine's at {now}"
        );
    }
    recorded
}

fn every_minute(until_min: i64) -> Vec<Time> {
    (0..=until_min)
        .map(|m| start() + Duration::minutes(m))
        .collect()
}

#[test]
fn every_minute_and_once_at_the_end_record_the_same_steps_in_order() {
    let cal = Calendar::cn_2026();
    let end = 17 * 24 * 60;
    for name in Policy::preset_names() {
        let policy = Policy::preset(name).expect("preset");
        for (category, done) in [
            (Category::Repair, None),
            (Category::Complaint, None),
            (Category::Repair, Some(3 * 24 * 60 + 7)),
            (Category::Consultation, None),
        ] {
            let o = order(category, 95, done);
            let fine = run(&policy, &cal, o.clone(), &every_minute(end));
            let once = run(
                &policy,
                &cal,
                o.clone(),
                &[start() + Duration::minutes(end)],
            );
            assert_eq!(fine, once, "{name} {category:?} {done:?}");
            let levels: Vec<Escalation> = fine.iter().map(|(l, _)| *l).collect();
            let mut sorted = levels.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(levels, sorted, "each level once, going up");
            if category == Category::Repair && done.is_none() {
                assert_eq!(
                    levels.last(),
                    Some(&Escalation::QualityCentre),
                    "{name}: the whole ladder"
                );
            }
            if category == Category::Consultation {
                assert!(fine.is_empty());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_coarse_instants_record_what_every_hour_records(
        preset in 0usize..4,
        complaint in any::<bool>(),
        offset in 0i64..(3 * 24 * 60),
        done in proptest::option::of(0i64..(20 * 24 * 60)),
        mut instants in proptest::collection::vec(0i64..(20 * 24 * 60), 1..12),
    ) {
        let names: Vec<&str> = Policy::preset_names().collect();
        let policy = Policy::preset(names[preset % names.len()]).expect("preset");
        let cal = Calendar::cn_2026();
        let category = if complaint { Category::Complaint } else { Category::Repair };
        let o = order(category, offset, done);
        instants.sort();
        let last = *instants.last().unwrap_or(&0);
        let coarse: Vec<Time> = instants.iter().map(|m| start() + Duration::minutes(*m)).collect();
        let hourly: Vec<Time> = (0..=last / 60)
            .map(|h| start() + Duration::minutes(h * 60))
            .chain(std::iter::once(start() + Duration::minutes(last)))
            .collect();
        let a = run(&policy, &cal, o.clone(), &coarse);
        let b = run(&policy, &cal, o, &hourly);
        prop_assert_eq!(a, b);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// The job's one-pass decision (`estate_pass`, which skips the orders that can neither
    /// climb nor be graded) answers exactly what the two decisions answer over every order.
    #[test]
    fn one_pass_over_an_estate_decides_what_the_two_decisions_do(
        preset in 0usize..4,
        specs in proptest::collection::vec(
            (0usize..3, 0i64..(10 * 24 * 60), proptest::option::of(0i64..(20 * 24 * 60)), 0usize..6),
            1..20,
        ),
        at in 0i64..(40 * 24 * 60),
    ) {
        let names: Vec<&str> = Policy::preset_names().collect();
        let policy = Policy::preset(names[preset % names.len()]).expect("preset");
        let cal = Calendar::cn_2026();
        let orders: Vec<OrderState> = specs
            .iter()
            .enumerate()
            .map(|(i, (category, offset, done, level))| {
                let category = [Category::Repair, Category::Complaint, Category::Consultation][*category];
                let mut o = order(category, *offset, *done);
                o.id = format!("o{i}");
                o.escalated = Escalation::ALL[*level % Escalation::ALL.len()];
                o
            })
            .collect();
        let now = start() + Duration::minutes(at);
        let (steps, grades) = due::estate_pass(&policy, &cal, &orders, now);
        prop_assert_eq!(steps, due::estate_escalations(&policy, &cal, &orders, now));
        prop_assert_eq!(grades, due::severity_rises(&policy, &orders, now));
    }
}
