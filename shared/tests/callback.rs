//! Callbacks (`anju_shared::callback`): the callback hours of every preset minute by minute
//! (D-7), the last allowed moment before a forbidden time, the emergency override, the reopen
//! a low score or an unsolved problem makes and the special callback within 24 h of the
//! re-repair (D-9), kwy's weekly 20% sample (D-4) and the queue.

use std::collections::BTreeSet;

use anju_shared::calendar::Calendar;
use anju_shared::callback::{self, Reason, Window};
use anju_shared::hlc::Hlc;
use anju_shared::model::{Category, DeadlineStatus};
use anju_shared::order::{Event, EventBody, Reported, Status, fold};
use anju_shared::policy::Policy;
use anju_shared::sla;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime};

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("time")
}

fn ev(order: &str, n: u64, when: DateTime<FixedOffset>, body: EventBody) -> Event {
    Event {
        id: format!("{order}-{n}"),
        subject: anju_shared::subject::Subject::order(order),
        device_id: "d".into(),
        device_seq: n,
        hlc: Hlc::new(when.timestamp_millis() as u64, n as u32),
        actor: "stf-desk".into(),
        at: when,
        body,
        seq: Some(n as i64),
    }
}

fn report(order: &str, when: DateTime<FixedOffset>, category: Category) -> Event {
    let mut r = Reported::by_staff("卫生间漏水", anju_shared::model::Channel::Phone, category);
    r.location = format!("{order}栋1单元101");
    r.phone_masked = "138****0001".into();
    ev(order, 0, when, EventBody::Reported(r))
}

fn called(score: u8, solved: Option<bool>, reason: Option<&str>) -> EventBody {
    EventBody::CalledBack {
        score,
        solved,
        override_reason: reason.map(str::to_string),
    }
}

fn clock(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("clock")
}

/// D-7 as DOMAIN.md states it, the same in every shipped preset: never before 10:00, not in
/// the lunch break 12:00–14:00, never after 21:00, both ends of each period included.
fn allowed_by_domain(t: NaiveTime) -> bool {
    (clock(10, 0) <= t && t <= clock(12, 0)) || (clock(14, 0) <= t && t <= clock(21, 0))
}

#[test]
fn every_minute_of_a_day_in_every_preset() {
    let cal = Calendar::cn_2026();
    let day = NaiveDate::from_ymd_opt(2026, 3, 10).expect("day");
    for name in ["cmsk", "crland", "cgy", "kwy"] {
        let policy = Policy::preset(name).expect("preset");
        let mut open = 0;
        for minute in 0..24 * 60 {
            let time = clock(minute / 60, minute % 60);
            let t = cal.at_date(day, time).expect("local time");
            let allowed = allowed_by_domain(time);
            assert_eq!(
                sla::callback_allowed(&policy, &cal, t),
                allowed,
                "{name} {time}"
            );
            match callback::window(&policy, &cal, t) {
                Window::Open { until } => {
                    assert!(allowed, "{name} {time} open");
                    open += 1;
                    let end = if time <= clock(12, 0) {
                        clock(12, 0)
                    } else {
                        clock(21, 0)
                    };
                    assert_eq!(until, cal.at_date(day, end).expect("end"), "{name} {time}");
                }
                Window::Closed { opens } => {
                    assert!(!allowed, "{name} {time} closed");
                    let next = if time < clock(10, 0) {
                        cal.at_date(day, clock(10, 0))
                    } else if time < clock(14, 0) {
                        cal.at_date(day, clock(14, 0))
                    } else {
                        cal.at_date(day.succ_opt().expect("next"), clock(10, 0))
                    };
                    assert_eq!(Some(opens), next, "{name} {time}: when the window opens");
                }
            }
            // A due time in a forbidden minute moves back to the last allowed moment before
            // it: allowed itself, earlier, and with no allowed minute in between.
            let back = sla::last_allowed_callback(&policy, &cal, t);
            if allowed {
                assert_eq!(back, t);
            } else {
                assert!(sla::callback_allowed(&policy, &cal, back), "{name} {time}");
                assert!(back < t);
                let mut m = back + Duration::minutes(1);
                while m < t {
                    assert!(
                        !sla::callback_allowed(&policy, &cal, m),
                        "{name} {time}: {m} is allowed"
                    );
                    m += Duration::minutes(1);
                }
            }
        }
        // 10:00–12:00 and 14:00–21:00, ends included: 121 + 421 minutes.
        assert_eq!(open, 121 + 421, "{name}");
    }
}

#[test]
fn the_last_allowed_moment_before_each_forbidden_time() {
    let cal = Calendar::cn_2026();
    let policy = Policy::preset("cmsk").expect("preset");
    for (t, back) in [
        ("2026-03-10T12:00:00+08:00", "2026-03-10T12:00:00+08:00"),
        ("2026-03-10T12:01:00+08:00", "2026-03-10T12:00:00+08:00"),
        ("2026-03-10T12:30:00+08:00", "2026-03-10T12:00:00+08:00"),
        ("2026-03-10T13:59:00+08:00", "2026-03-10T12:00:00+08:00"),
        ("2026-03-10T21:00:00+08:00", "2026-03-10T21:00:00+08:00"),
        ("2026-03-10T21:01:00+08:00", "2026-03-10T21:00:00+08:00"),
        ("2026-03-10T23:59:00+08:00", "2026-03-10T21:00:00+08:00"),
        ("2026-03-10T09:30:00+08:00", "2026-03-09T21:00:00+08:00"),
        ("2026-03-10T00:00:00+08:00", "2026-03-09T21:00:00+08:00"),
    ] {
        assert_eq!(
            sla::last_allowed_callback(&policy, &cal, at(t)),
            at(back),
            "{t}"
        );
    }
}

#[test]
fn a_call_outside_the_hours_needs_an_emergency_reason() {
    let cal = Calendar::cn_2026();
    let policy = Policy::preset("crland").expect("preset");
    let lunch = at("2026-03-10T12:30:00+08:00");
    let afternoon = at("2026-03-10T14:00:00+08:00");
    let refused = callback::refusal(
        &policy,
        &cal,
        &ev("o", 3, lunch, called(5, Some(true), None)),
    )
    .expect("refused at 12:30");
    assert_eq!(refused.field, "override_reason");
    assert!(
        refused.en.contains("10:00–12:00, 14:00–21:00"),
        "{}",
        refused.en
    );
    assert!(refused.zh.contains("回访时段"), "{}", refused.zh);
    assert!(
        refused
            .message(anju_shared::lang::Lang::Zh)
            .starts_with("紧急回访原因")
    );
    // Spaces are no reason.
    assert!(
        callback::refusal(
            &policy,
            &cal,
            &ev("o", 3, lunch, called(5, None, Some("  ")))
        )
        .is_some()
    );
    assert_eq!(
        callback::refusal(
            &policy,
            &cal,
            &ev(
                "o",
                3,
                lunch,
                called(5, None, Some("业主要出国,只能现在接"))
            )
        ),
        None
    );
    assert_eq!(
        callback::refusal(&policy, &cal, &ev("o", 3, afternoon, called(5, None, None))),
        None
    );
    // Other events are not callbacks.
    assert_eq!(
        callback::refusal(&policy, &cal, &ev("o", 3, lunch, EventBody::Completed)),
        None
    );
}

#[test]
fn bad_scores_are_refused_naming_the_field() {
    for score in [0, 6, 255] {
        let r = callback::check_score("score", score).expect_err("refused");
        assert_eq!(
            (r.field.as_str(), r.en.as_str()),
            ("score", "must be 1 to 5")
        );
        assert_eq!(
            r.message(anju_shared::lang::Lang::Zh),
            "评分:须为 1 至 5 分"
        );
    }
    for score in 1..=5 {
        assert_eq!(callback::check_score("score", score), Ok(()));
    }
    assert_eq!(callback::score_label(5), ("非常满意", "very satisfied"));
    assert_eq!(callback::score_label(1), ("非常不满意", "very unsatisfied"));
}

#[test]
fn a_low_score_or_an_unsolved_problem_reopens_the_order_at_once() {
    let t = at("2026-03-10T09:30:00+08:00");
    for (score, solved, reopens) in [
        (1, None, true),
        (2, Some(true), true),
        (3, None, false),
        (3, Some(false), true),
        (4, Some(true), false),
        (5, Some(false), true),
        (5, None, false),
    ] {
        assert_eq!(
            callback::fails(score, solved),
            reopens,
            "{score} {solved:?}"
        );
        let events = vec![
            report("a", t, Category::Repair),
            ev(
                "a",
                1,
                t + Duration::minutes(5),
                EventBody::Dispatched {
                    to: Some("stf-tech1".into()),
                },
            ),
            ev("a", 2, t + Duration::hours(2), EventBody::Completed),
            ev("a", 3, t + Duration::hours(6), called(score, solved, None)),
        ];
        let s = fold("a", &events).expect("order");
        let expected = if reopens {
            Status::Dispatched
        } else {
            Status::CalledBack
        };
        assert_eq!(s.status, expected, "{score} {solved:?}");
        assert_eq!(s.callbacks.len(), 1);
        assert_eq!(s.callbacks[0].solved, solved);
    }
}

#[test]
fn the_special_callback_is_due_within_24_hours_of_the_re_repair() {
    let cal = Calendar::cn_2026();
    let t = at("2026-03-10T09:30:00+08:00");
    let failed = at("2026-03-10T15:00:00+08:00");
    let redone = at("2026-03-11T16:20:00+08:00");
    let base = vec![
        report("a", t, Category::Repair),
        ev(
            "a",
            1,
            t + Duration::minutes(5),
            EventBody::Dispatched {
                to: Some("stf-tech1".into()),
            },
        ),
        ev("a", 2, t + Duration::hours(2), EventBody::Completed),
        ev("a", 3, failed, called(2, Some(false), None)),
    ];
    for name in ["cmsk", "crland", "cgy", "kwy"] {
        let policy = Policy::preset(name).expect("preset");
        let reopened = fold("a", &base).expect("order");
        // Reopened, not yet repaired again: no special callback yet.
        assert_eq!(
            callback::special_callback(&policy, &cal, &reopened, redone),
            None,
            "{name}"
        );
        let mut events = base.clone();
        events.push(ev("a", 4, redone, EventBody::Completed));
        let s = fold("a", &events).expect("order");
        assert_eq!(s.status, Status::Completed);
        let d = callback::special_callback(&policy, &cal, &s, redone).expect("special");
        // 24 h after 16:20 is 16:20 the next day, inside the callback hours.
        assert_eq!(d.due, at("2026-03-12T16:20:00+08:00"), "{name}");
        assert_eq!(d.status, DeadlineStatus::Open);
        // In the queue as the special callback.
        let q = callback::queue(&policy, &cal, "est", std::slice::from_ref(&s), redone);
        assert_eq!(q.len(), 1, "{name}");
        assert_eq!((q[0].reason, q[0].deadline.due), (Reason::Rework, d.due));
        // Made: met, and out of the queue.
        events.push(ev(
            "a",
            5,
            at("2026-03-12T10:05:00+08:00"),
            called(5, Some(true), None),
        ));
        let s = fold("a", &events).expect("order");
        let d = callback::special_callback(&policy, &cal, &s, redone).expect("special");
        assert_eq!(d.status, DeadlineStatus::Met);
        assert_eq!(s.status, Status::CalledBack);
        assert!(callback::queue(&policy, &cal, "est", &[s], redone).is_empty());
    }
    // A re-repair finished late in the evening: 24 h later is forbidden, so the last allowed
    // moment before it.
    let policy = Policy::preset("cmsk").expect("preset");
    let mut events = base.clone();
    events.push(ev(
        "a",
        4,
        at("2026-03-11T21:30:00+08:00"),
        EventBody::Completed,
    ));
    let s = fold("a", &events).expect("order");
    let d = callback::special_callback(&policy, &cal, &s, redone).expect("special");
    assert_eq!(d.due, at("2026-03-12T21:00:00+08:00"));
}

#[test]
fn the_weekly_sample_is_exactly_a_fifth_rounded_up_and_reproducible() {
    let monday = NaiveDate::from_ymd_opt(2026, 3, 9).expect("day");
    for n in [0usize, 1, 4, 5, 6, 10, 15, 16, 99, 100] {
        let ids: Vec<String> = (0..n).map(|i| format!("ord-{i:03}")).collect();
        let completed: Vec<(&str, NaiveDate)> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), monday + Duration::days((i % 7) as i64)))
            .collect();
        let drawn = callback::weekly_sample("est-a", 0.2, &completed);
        assert_eq!(drawn.len(), n.div_ceil(5), "⌈20% × {n}⌉");
        assert!(drawn.iter().all(|id| ids.contains(id)));
        // Whatever order the orders come in.
        let mut reversed = completed.clone();
        reversed.reverse();
        assert_eq!(callback::weekly_sample("est-a", 0.2, &reversed), drawn);
    }
    assert_eq!(callback::sample_size(0.2, 15), 3);
    assert_eq!(callback::sample_size(0.2, 16), 4);
    // Seeded by the estate and the week: another estate, or the same orders a week later,
    // draw differently.
    let ids: Vec<String> = (0..50).map(|i| format!("ord-{i:03}")).collect();
    let week = |day: NaiveDate| -> Vec<(&str, NaiveDate)> {
        ids.iter().map(|id| (id.as_str(), day)).collect()
    };
    let a = callback::weekly_sample("est-a", 0.2, &week(monday));
    let b = callback::weekly_sample("est-b", 0.2, &week(monday));
    let later = callback::weekly_sample("est-a", 0.2, &week(monday + Duration::days(7)));
    assert_eq!((a.len(), b.len(), later.len()), (10, 10, 10));
    assert_ne!(a, b);
    assert_ne!(a, later);
    // Each week is drawn on its own: two weeks of 5 draw one each.
    let two: Vec<(&str, NaiveDate)> = ids[..10]
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                id.as_str(),
                monday + Duration::days(if i < 5 { 0 } else { 7 }),
            )
        })
        .collect();
    let drawn = callback::weekly_sample("est-a", 0.2, &two);
    let first: BTreeSet<&str> = ids[..5].iter().map(String::as_str).collect();
    assert_eq!(drawn.len(), 2);
    assert_eq!(
        drawn.iter().filter(|d| first.contains(d.as_str())).count(),
        1
    );
}

#[test]
fn kwy_queues_only_the_sampled_repairs_and_every_complaint() {
    let cal = Calendar::cn_2026();
    let policy = Policy::preset("kwy").expect("preset");
    let cmsk = Policy::preset("cmsk").expect("preset");
    let t = at("2026-03-09T09:30:00+08:00");
    let mut events = Vec::new();
    for i in 0..12 {
        let id = format!("r{i:02}");
        events.push(report(&id, t, Category::Repair));
        events.push(ev(&id, 1, t + Duration::hours(3), EventBody::Completed));
    }
    events.push(report("c1", t, Category::Complaint));
    events.push(ev("c1", 1, t + Duration::hours(3), EventBody::Completed));
    let orders: Vec<_> = anju_shared::order::order_ids(&events)
        .iter()
        .filter_map(|id| fold(id, &events))
        .collect();
    let now = t + Duration::hours(5);
    let q = callback::queue(&policy, &cal, "est-a", &orders, now);
    let sampled: Vec<_> = q.iter().filter(|d| d.reason == Reason::Sampled).collect();
    assert_eq!(sampled.len(), 3, "⌈20% × 12⌉");
    assert_eq!(
        q.iter().filter(|d| d.reason == Reason::Completed).count(),
        1,
        "the complaint"
    );
    assert_eq!(
        callback::queue(&policy, &cal, "est-a", &orders, now),
        q,
        "reproducible"
    );
    // A preset that samples nothing calls every order back.
    assert_eq!(
        callback::queue(&cmsk, &cal, "est-a", &orders, now).len(),
        13
    );
}

#[test]
fn the_queue_is_soonest_first_with_one_residents_calls_together() {
    let cal = Calendar::cn_2026();
    let policy = Policy::preset("crland").expect("preset");
    let t = at("2026-03-10T09:30:00+08:00");
    let mut events = Vec::new();
    // Completed at 10:00, 11:00, 12:00 (crland: callback 24 h after completion).
    for (id, hours, room) in [("a", 0, "1"), ("b", 1, "2"), ("c", 2, "1")] {
        let mut r =
            Reported::by_staff("漏水", anju_shared::model::Channel::Phone, Category::Repair);
        r.location = format!("{room}栋1单元101");
        r.phone_masked = format!("138****000{room}");
        events.push(ev(id, 0, t, EventBody::Reported(r)));
        events.push(ev(
            id,
            1,
            t + Duration::minutes(30 + 60 * hours),
            EventBody::Completed,
        ));
    }
    let orders: Vec<_> = ["c", "b", "a"]
        .iter()
        .filter_map(|id| fold(id, &events))
        .collect();
    let q = callback::queue(&policy, &cal, "est", &orders, t + Duration::hours(4));
    let ids: Vec<&str> = q.iter().map(|d| d.order_id.as_str()).collect();
    // The resident of room 1 has the soonest (a), so their later one (c) follows it.
    assert_eq!(ids, vec!["a", "c", "b"]);
    assert!(q[0].deadline.due < q[2].deadline.due);
}

#[test]
fn an_appointment_is_the_response_deadline_until_someone_arrives() {
    let cal = Calendar::cn_2026();
    let policy = Policy::preset("cmsk").expect("preset");
    let t = at("2026-03-10T09:30:00+08:00");
    let agreed = at("2026-03-11T15:00:00+08:00");
    let mut events = vec![
        report("a", t, Category::Repair),
        ev("a", 1, t + Duration::minutes(20), EventBody::Accepted),
        ev(
            "a",
            2,
            t + Duration::minutes(25),
            EventBody::Appointment { at: agreed },
        ),
    ];
    let now = t + Duration::hours(3);
    let s = fold("a", &events).expect("order");
    assert_eq!(
        s.assignee.as_deref(),
        Some("stf-desk"),
        "the one who accepted"
    );
    assert_eq!(s.status, Status::Dispatched);
    let response = |list: &[sla::Deadline]| {
        list.iter()
            .find(|d| d.kind == anju_shared::model::DeadlineKind::Response)
            .cloned()
            .expect("a response deadline")
    };
    // The rule says an hour after the report; the agreed time replaces it.
    assert_eq!(
        response(&sla::deadlines(&policy, &cal, &s.facts(), now)).due,
        t + Duration::hours(1)
    );
    let d = response(&anju_shared::work::order_deadlines(&policy, &cal, &s, now));
    assert_eq!((d.due, d.status), (agreed, DeadlineStatus::Open));
    // Once someone arrived, the rule's deadline and its verdict stand.
    events.push(ev(
        "a",
        3,
        agreed - Duration::minutes(5),
        EventBody::Responded,
    ));
    let s = fold("a", &events).expect("order");
    let d = response(&anju_shared::work::order_deadlines(
        &policy, &cal, &s, agreed,
    ));
    assert_eq!(d.due, t + Duration::hours(1));
}

#[test]
fn an_appointment_in_the_past_is_refused_by_the_arrival_check() {
    let recorded = at("2026-03-10T09:30:00+08:00");
    let r = anju_shared::arrival::appointment(&at("2026-03-10T08:00:00+08:00"), &recorded)
        .expect_err("in the past");
    assert_eq!(
        (r.field.as_str(), r.en.as_str()),
        ("at", "the appointment is in the past")
    );
    assert_eq!(r.message(anju_shared::lang::Lang::Zh), "时间:预约时间已过");
    assert_eq!(
        anju_shared::arrival::appointment(&recorded, &recorded),
        Ok(())
    );
    assert_eq!(
        anju_shared::arrival::appointment(&at("2026-03-12T15:00:00+08:00"), &recorded),
        Ok(())
    );
}

#[test]
fn the_re_repair_is_found_by_the_order_of_events_within_one_minute() {
    // A device whose clock shows the same minute for the failed callback, the re-repair and
    // the special callback (a frozen or coarse clock): the order of the log decides.
    let cal = Calendar::cn_2026();
    let policy = Policy::preset("cmsk").expect("preset");
    let t = at("2026-03-10T14:00:00+08:00");
    let mut events = vec![
        report("a", t - Duration::hours(5), Category::Repair),
        ev("a", 1, t - Duration::hours(1), EventBody::Completed),
        ev("a", 2, t, called(1, None, None)),
        ev("a", 3, t, EventBody::Completed),
    ];
    let s = fold("a", &events).expect("order");
    let d = callback::special_callback(&policy, &cal, &s, t).expect("special");
    assert_eq!(
        (d.due, d.status, d.done_at),
        (t + Duration::hours(24), DeadlineStatus::Open, None)
    );
    events.push(ev("a", 4, t, called(5, Some(true), None)));
    let s = fold("a", &events).expect("order");
    let d = callback::special_callback(&policy, &cal, &s, t).expect("special");
    assert_eq!((d.status, d.done_at), (DeadlineStatus::Met, Some(t)));
}

#[test]
fn the_bell_tells_the_desk_the_queues_callbacks_only() {
    use anju_shared::model::Role;
    use anju_shared::notice::{NoticeKind, notices};
    let cal = Calendar::cn_2026();
    // kwy samples: of 12 repairs completed on Monday, the bell names the 3 the queue draws.
    let policy = Policy::preset("kwy").expect("preset");
    let t = at("2026-03-09T09:30:00+08:00");
    let mut events = Vec::new();
    for i in 0..12 {
        let id = format!("r{i:02}");
        events.push(report(&id, t, Category::Repair));
        events.push(ev(&id, 1, t + Duration::hours(3), EventBody::Completed));
    }
    let orders: Vec<_> = anju_shared::order::order_ids(&events)
        .iter()
        .filter_map(|id| fold(id, &events))
        .collect();
    // Thursday 10:30: the 3-working-day callbacks are due today (by 21:00).
    let now = at("2026-03-12T10:30:00+08:00");
    let queued: BTreeSet<String> = callback::queue(&policy, &cal, "est-a", &orders, now)
        .into_iter()
        .map(|d| d.order_id)
        .collect();
    let told: BTreeSet<String> = notices(
        "est-a",
        "stf-desk",
        Role::FrontDesk,
        &orders,
        &policy,
        &cal,
        now,
    )
    .into_iter()
    .filter(|n| n.kind == NoticeKind::CallbackDue)
    .map(|n| n.order_id)
    .collect();
    assert_eq!((told.len(), &told), (3, &queued));

    // A re-repair's special callback is a notice of its own.
    let cmsk = Policy::preset("cmsk").expect("preset");
    let s = fold(
        "a",
        &[
            report("a", t, Category::Repair),
            ev("a", 1, t + Duration::hours(1), EventBody::Completed),
            ev("a", 2, t + Duration::hours(4), called(1, Some(false), None)),
            ev("a", 3, t + Duration::hours(6), EventBody::Completed),
        ],
    )
    .expect("order");
    let keys: Vec<String> = notices(
        "est-a",
        "stf-desk",
        Role::FrontDesk,
        &[s],
        &cmsk,
        &cal,
        t + Duration::hours(25),
    )
    .into_iter()
    .map(|n| n.key)
    .collect();
    assert_eq!(keys, vec!["callback:a:rework".to_string()]);
}
