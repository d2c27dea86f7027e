//! Properties of the rule engine, checked by proptest over generated orders, calendars
//! and moments: deadlines never precede the report, statuses agree with the events,
//! escalation never goes down as time passes, more complaints never lower a severity,
//! and working days grow with N.

use std::collections::BTreeSet;

use anju_shared::calendar::Calendar;
use anju_shared::model::{Category, DeadlineKind, DeadlineStatus, EventKind, RepairSize};
use anju_shared::policy::Policy;
use anju_shared::sla::{self, Event, OrderFacts};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use proptest::prelude::*;

type Time = DateTime<FixedOffset>;

fn start() -> Time {
    DateTime::parse_from_rfc3339("2026-01-01T00:00:00+08:00").unwrap_or_default()
}

fn at(minutes: i64) -> Time {
    start() + Duration::minutes(minutes)
}

fn presets() -> Vec<Policy> {
    Policy::preset_names()
        .filter_map(|n| Policy::preset(n).ok())
        .collect()
}

const YEAR: i64 = 365 * 24 * 60;

fn category() -> impl Strategy<Value = Category> {
    prop_oneof![
        Just(Category::Repair),
        Just(Category::Complaint),
        Just(Category::Consultation),
        Just(Category::Security),
    ]
}

fn size() -> impl Strategy<Value = RepairSize> {
    prop_oneof![
        Just(RepairSize::General),
        Just(RepairSize::Small),
        Just(RepairSize::Medium),
        Just(RepairSize::Major),
    ]
}

fn kind() -> impl Strategy<Value = EventKind> {
    prop_oneof![
        Just(EventKind::Dispatched),
        Just(EventKind::Responded),
        Just(EventKind::Completed),
        Just(EventKind::CalledBack),
        Just(EventKind::Closed),
    ]
}

/// An order reported some time in 2026 with events up to 40 days after it, in any order.
fn order() -> impl Strategy<Value = OrderFacts> {
    (
        category(),
        size(),
        any::<bool>(),
        0..YEAR,
        prop::collection::vec((kind(), 0i64..40 * 24 * 60), 0..6),
    )
        .prop_map(|(category, size, urgent, reported, events)| {
            let mut o = OrderFacts::new("o", category, at(reported));
            o.repair_size = size;
            o.urgent = urgent;
            o.events = events
                .into_iter()
                .map(|(k, after)| Event::new(k, at(reported + after)))
                .collect();
            o
        })
}

/// A calendar with random holidays and make-up days around 2026.
fn calendar() -> impl Strategy<Value = Calendar> {
    (
        prop::collection::btree_set(0u32..400, 0..60),
        prop::collection::btree_set(0u32..400, 0..10),
    )
        .prop_map(|(h, w)| {
            let day = |n: u32| {
                NaiveDate::from_ymd_opt(2026, 1, 1)
                    .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(n))))
                    .unwrap_or_default()
            };
            Calendar {
                holidays: h.into_iter().map(day).collect::<BTreeSet<_>>(),
                workdays: w.into_iter().map(day).collect::<BTreeSet<_>>(),
                ..Calendar::default()
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_deadline_is_never_before_the_report(o in order(), cal in calendar(), now in 0..YEAR) {
        for p in presets() {
            for d in sla::deadlines(&p, &cal, &o, at(now)) {
                prop_assert!(d.due >= o.reported_at, "{}: {:?} due {} before report {}",
                    p.name, d.kind, d.due, o.reported_at);
            }
        }
    }

    #[test]
    fn statuses_agree_with_events_and_now(o in order(), now in 0..YEAR) {
        let now = at(now);
        for p in presets() {
            for d in sla::deadlines(&p, &Calendar::default(), &o, now) {
                let event = o.events.iter().filter(|e| e.kind == d.kind.event()).map(|e| e.at).min();
                let want = match event {
                    Some(e) if e <= d.due => DeadlineStatus::Met,
                    Some(_) => DeadlineStatus::Missed,
                    None if now <= d.due => DeadlineStatus::Open,
                    None => DeadlineStatus::Overdue,
                };
                prop_assert_eq!(d.status, want, "{} {:?}", p.name, d.kind);
                if d.kind == DeadlineKind::Callback {
                    prop_assert!(o.first(EventKind::Completed).is_some());
                }
            }
        }
    }

    #[test]
    fn escalation_never_goes_down_as_now_grows(o in order(), a in 0..YEAR, b in 0..YEAR) {
        let (early, late) = (at(a.min(b)), at(a.max(b)));
        for p in presets() {
            let cal = Calendar::default();
            prop_assert!(sla::escalation(&p, &cal, &o, early) <= sla::escalation(&p, &cal, &o, late));
        }
    }

    #[test]
    fn adding_a_complaint_never_lowers_another_severity(
        complaints in prop::collection::vec(complaint(), 1..25),
        extra in complaint(),
        now in 0..(120 * 24 * 60i64),
    ) {
        let now = at(now);
        for p in presets() {
            let before = sla::severities(&p, &complaints, now);
            let mut more = complaints.clone();
            more.push(extra.clone());
            let after = sla::severities(&p, &more, now);
            for (i, (b, a)) in before.iter().zip(&after).enumerate() {
                prop_assert!(b <= a, "{}: complaint {i} went from {b:?} to {a:?}", p.name);
            }
        }
    }

    #[test]
    fn the_nth_working_day_grows_with_n(cal in calendar(), day in 0u32..365, n in 0u32..40) {
        let date = NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(day))))
            .unwrap_or_default();
        let this = cal.nth_working_day_after(date, n);
        let next = cal.nth_working_day_after(date, n + 1);
        prop_assert!(this.is_some() && next.is_some());
        prop_assert!(this < next);
        if let Some(next) = next {
            prop_assert!(cal.is_working_day(next));
        }
    }

    #[test]
    fn eval_never_panics_on_arbitrary_text(text in ".{0,200}") {
        let _ = anju_shared::eval::eval_str(&text);
        let _ = anju_shared::classify::classify(&text);
    }
}

/// Complaints over a small pool of places, topics and reporters, so issues collide.
fn complaint() -> impl Strategy<Value = OrderFacts> {
    (
        prop::option::of(0u8..3),
        prop::option::of(0u8..2),
        prop::option::of(0u8..4),
        1u32..12,
        0i64..(90 * 24 * 60),
        prop::option::of(0i64..(20 * 24 * 60)),
        any::<bool>(),
    )
        .prop_map(|(place, topic, reporter, people, reported, done, media)| {
            let mut o = OrderFacts::new("c", Category::Complaint, at(reported));
            o.place = place.map(|p| format!("B{p}"));
            o.topic = topic.map(|t| ["noise", "water_leak"][usize::from(t)].to_string());
            o.reporter = reporter.map(|r| format!("r{r}"));
            o.people = people;
            if media && people > 10 {
                o.flags.push("media".to_string());
            }
            if let Some(after) = done {
                o.events
                    .push(Event::new(EventKind::Completed, at(reported + after)));
            }
            o
        })
}
