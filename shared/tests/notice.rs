//! The bell's list (`anju_shared::notice`): what concerns one person, from the orders a device
//! holds — assigned to me, escalated to me, conflicts for supervisors, callbacks due today —
//! and nothing that concerns someone else.

use anju_shared::calendar::Calendar;
use anju_shared::hlc::Hlc;
use anju_shared::model::{Category, Escalation, Role};
use anju_shared::notice::{NoticeKind, notices};
use anju_shared::order::{Event, EventBody, Reported, fold};
use anju_shared::policy::Policy;
use chrono::{DateTime, Duration, FixedOffset};

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

fn report(order: &str, when: DateTime<FixedOffset>) -> Event {
    ev(
        order,
        0,
        when,
        EventBody::Reported(Reported::by_staff(
            "漏水",
            anju_shared::model::Channel::Phone,
            Category::Repair,
        )),
    )
}

#[test]
fn each_person_sees_what_concerns_them() {
    let t = at("2026-03-10T09:30:00+08:00");
    let now = at("2026-03-13T11:00:00+08:00");
    let events = vec![
        report("a", t),
        ev(
            "a",
            1,
            t + Duration::minutes(5),
            EventBody::Dispatched {
                to: Some("stf-tech1".into()),
            },
        ),
        report("b", t),
        ev(
            "b",
            1,
            t + Duration::hours(48),
            EventBody::Escalated {
                level: Escalation::CsSupervisor,
                to: vec!["stf-cs".into()],
            },
        ),
        report("c", t),
        ev("c", 1, t + Duration::hours(1), EventBody::Completed),
    ];
    let orders: Vec<_> = ["a", "b", "c"]
        .iter()
        .filter_map(|id| fold(id, &events))
        .collect();
    let policy = Policy::preset("crland").expect("preset");
    let cal = Calendar::cn_2026();
    let tech = notices(
        "est",
        "stf-tech1",
        Role::Technician,
        &orders,
        &policy,
        &cal,
        now,
    );
    assert_eq!(tech.len(), 1);
    assert_eq!(
        (tech[0].kind, tech[0].order_id.as_str()),
        (NoticeKind::Assigned, "a")
    );
    let cs = notices(
        "est",
        "stf-cs",
        Role::CsSupervisor,
        &orders,
        &policy,
        &cal,
        now,
    );
    let kinds: Vec<_> = cs.iter().map(|n| (n.kind, n.order_id.as_str())).collect();
    assert!(kinds.contains(&(NoticeKind::Escalated, "b")), "{kinds:?}");
    // crland calls back within 24 h of completion: due yesterday, not made.
    assert!(kinds.contains(&(NoticeKind::CallbackDue, "c")), "{kinds:?}");
    let desk = notices(
        "est",
        "stf-desk",
        Role::FrontDesk,
        &orders,
        &policy,
        &cal,
        now,
    );
    assert!(desk.iter().all(|n| n.kind == NoticeKind::CallbackDue));
    // Keys are stable for the same reason and change with a new one.
    let again = notices(
        "est",
        "stf-cs",
        Role::CsSupervisor,
        &orders,
        &policy,
        &cal,
        now,
    );
    assert_eq!(cs, again);
    assert!(cs.windows(2).all(|w| w[0].at >= w[1].at), "newest first");
}

/// What the desk is told of a callback: the period to make it in, as text.
type Told = Vec<Option<(String, String)>>;

/// Callbacks due in the estate's callback hours today (D-7, crland: 10:00–12:00 and
/// 14:00–21:00): listed for the desk with the period to call in — the one under way from now,
/// or the next one today — and not once today's periods are over, nor before the day the
/// callback is due, nor once it is made.
#[test]
fn callbacks_are_listed_with_todays_period_to_make_them_in() {
    let done = at("2026-03-10T10:30:00+08:00");
    let mut events = vec![
        report("c", done - Duration::hours(1)),
        ev("c", 1, done, EventBody::Completed),
    ];
    let policy = Policy::preset("crland").expect("preset");
    let cal = Calendar::cn_2026();
    let list = |events: &[Event], now: &str| {
        let orders: Vec<_> = fold("c", events).into_iter().collect();
        notices(
            "est",
            "stf-desk",
            Role::FrontDesk,
            &orders,
            &policy,
            &cal,
            at(now),
        )
        .into_iter()
        .filter(|n| n.kind == NoticeKind::CallbackDue)
        .map(|n| n.window.map(|(a, b)| (a.to_rfc3339(), b.to_rfc3339())))
        .collect::<Vec<_>>()
    };
    let window = |a: &str, b: &str| vec![Some((at(a).to_rfc3339(), at(b).to_rfc3339()))];
    // (now, what the desk is told): the callback is due 2026-03-11 10:30.
    let table: Vec<(&str, Told)> = vec![
        ("2026-03-10T15:00:00+08:00", vec![]),
        (
            "2026-03-11T09:00:00+08:00",
            window("2026-03-11T10:00:00+08:00", "2026-03-11T12:00:00+08:00"),
        ),
        (
            "2026-03-11T11:00:00+08:00",
            window("2026-03-11T11:00:00+08:00", "2026-03-11T12:00:00+08:00"),
        ),
        (
            "2026-03-11T12:30:00+08:00",
            window("2026-03-11T14:00:00+08:00", "2026-03-11T21:00:00+08:00"),
        ),
        (
            "2026-03-11T21:00:00+08:00",
            window("2026-03-11T21:00:00+08:00", "2026-03-11T21:00:00+08:00"),
        ),
        ("2026-03-11T21:30:00+08:00", vec![]),
        // Overdue from yesterday: listed again in today's first period.
        (
            "2026-03-12T08:00:00+08:00",
            window("2026-03-12T10:00:00+08:00", "2026-03-12T12:00:00+08:00"),
        ),
        // The same moment seen from UTC: the estate's day and hours decide.
        (
            "2026-03-12T03:00:00+00:00",
            window("2026-03-12T11:00:00+08:00", "2026-03-12T12:00:00+08:00"),
        ),
    ];
    for (now, expected) in &table {
        assert_eq!(&list(&events, now), expected, "at {now}");
    }
    // Not for a role outside the desk.
    let orders: Vec<_> = fold("c", &events).into_iter().collect();
    let now = at("2026-03-11T11:00:00+08:00");
    assert!(
        notices(
            "est",
            "stf-tech1",
            Role::Technician,
            &orders,
            &policy,
            &cal,
            now
        )
        .is_empty()
    );
    // Made: no longer listed.
    events.push(ev(
        "c",
        2,
        at("2026-03-11T10:45:00+08:00"),
        EventBody::callback(5),
    ));
    assert!(list(&events, "2026-03-11T11:00:00+08:00").is_empty());
}

#[test]
fn todays_callback_periods_left() {
    let policy = Policy::preset("kwy").expect("preset");
    let cal = Calendar::cn_2026();
    let left = |now: &str| {
        anju_shared::notice::callback_windows_left(&policy, &cal, at(now))
            .into_iter()
            .map(|(a, b)| (a.to_rfc3339(), b.to_rfc3339()))
            .collect::<Vec<_>>()
    };
    assert_eq!(left("2026-03-11T09:00:00+08:00").len(), 2);
    assert_eq!(
        left("2026-03-11T15:00:00+08:00"),
        vec![(
            "2026-03-11T15:00:00+08:00".to_string(),
            "2026-03-11T21:00:00+08:00".to_string()
        )]
    );
    assert!(left("2026-03-11T22:00:00+08:00").is_empty());
}

/// Conflicts to settle reach supervisors only, one notice per conflicting edit.
#[test]
fn conflicts_are_listed_for_supervisors_only() {
    let t = at("2026-03-10T09:30:00+08:00");
    let events = vec![
        report("k", t),
        ev("k", 1, t + Duration::hours(1), EventBody::Completed),
        ev("k", 2, t + Duration::hours(2), EventBody::Closed),
        ev(
            "k",
            3,
            t + Duration::hours(3),
            EventBody::Dispatched {
                to: Some("stf-tech1".into()),
            },
        ),
    ];
    let orders: Vec<_> = fold("k", &events).into_iter().collect();
    assert_eq!(orders[0].conflicts.len(), 1, "an edit after the close");
    let policy = Policy::preset("crland").expect("preset");
    let cal = Calendar::cn_2026();
    let now = t + Duration::hours(4);
    for (role, who, sees) in [
        (Role::CsSupervisor, "stf-cs", true),
        (Role::DeptSupervisor, "stf-dept", true),
        (Role::ProjectManager, "stf-pm", true),
        (Role::FrontDesk, "stf-desk", false),
        (Role::Caretaker, "stf-guanjia1", false),
        (Role::Technician, "stf-tech1", false),
    ] {
        let conflicts: Vec<_> = notices("est", who, role, &orders, &policy, &cal, now)
            .into_iter()
            .filter(|n| n.kind == NoticeKind::Conflict)
            .collect();
        assert_eq!(conflicts.len(), usize::from(sees), "{role:?}");
        if let Some(n) = conflicts.first() {
            assert_eq!(n.key, "conflict:k:k-3");
            assert_eq!(n.order_id, "k");
        }
    }
}

#[test]
fn an_unapproved_plan_is_a_notice_for_those_who_approve_after_the_25th() {
    use anju_shared::notice::plan_late;
    let january = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    // On the 25th itself it is not late yet; the next morning it is.
    assert!(
        plan_late(
            Role::CsSupervisor,
            january,
            false,
            at("2026-12-25T23:59:00+08:00")
        )
        .is_none()
    );
    let n = plan_late(
        Role::CsSupervisor,
        january,
        false,
        at("2026-12-26T08:00:00+08:00"),
    )
    .unwrap();
    assert_eq!(n.kind, NoticeKind::PlanLate);
    assert_eq!(n.key, "plan:2027-01");
    assert_eq!(n.at, at("2026-12-26T00:00:00+08:00"));
    assert!(n.order_id.is_empty());
    // Approved, or someone who does not approve plans: nothing.
    assert!(
        plan_late(
            Role::CsSupervisor,
            january,
            true,
            at("2026-12-26T08:00:00+08:00")
        )
        .is_none()
    );
    assert!(
        plan_late(
            Role::Caretaker,
            january,
            false,
            at("2026-12-26T08:00:00+08:00")
        )
        .is_none()
    );
    assert!(
        plan_late(
            Role::FrontDesk,
            january,
            false,
            at("2026-12-26T08:00:00+08:00")
        )
        .is_none()
    );
}
