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
        order_id: order.into(),
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
    let tech = notices("stf-tech1", Role::Technician, &orders, &policy, &cal, now);
    assert_eq!(tech.len(), 1);
    assert_eq!(
        (tech[0].kind, tech[0].order_id.as_str()),
        (NoticeKind::Assigned, "a")
    );
    let cs = notices("stf-cs", Role::CsSupervisor, &orders, &policy, &cal, now);
    let kinds: Vec<_> = cs.iter().map(|n| (n.kind, n.order_id.as_str())).collect();
    assert!(kinds.contains(&(NoticeKind::Escalated, "b")), "{kinds:?}");
    // crland calls back within 24 h of completion: due yesterday, not made.
    assert!(kinds.contains(&(NoticeKind::CallbackDue, "c")), "{kinds:?}");
    let desk = notices("stf-desk", Role::FrontDesk, &orders, &policy, &cal, now);
    assert!(desk.iter().all(|n| n.kind == NoticeKind::CallbackDue));
    // Keys are stable for the same reason and change with a new one.
    let again = notices("stf-cs", Role::CsSupervisor, &orders, &policy, &cal, now);
    assert_eq!(cs, again);
    assert!(cs.windows(2).all(|w| w[0].at >= w[1].at), "newest first");
}
