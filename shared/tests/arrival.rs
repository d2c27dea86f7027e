//! The arrival check (`anju_shared::arrival`): table tests of what a hostile or buggy client
//! sends, and the property that every event it accepts survives the forms it is stored and
//! sent in — JSON, RFC 3339 times, the clock stamp's text — unchanged. The server's own test
//! (`server/tests/common/hostile.rs`) adds the database round trip on SQLite and PostgreSQL.

use anju_shared::arrival::{self, Pusher, Unknown};
use anju_shared::hlc::{Clock, Hlc, MAX_COUNTER};
use anju_shared::model::Role;
use anju_shared::order::{Event, EventBody};
use anju_shared::subject::Subject;
use chrono::{DateTime, FixedOffset};
use proptest::prelude::*;

/// The receiver's clock in these tests: 2026-03-10T10:50:00Z.
const NOW: i64 = 1_773_139_800_000;

fn pusher() -> Pusher<'static> {
    Pusher {
        device_id: "tablet-1",
        actor: "stf-desk",
        role: Role::FrontDesk,
    }
}

fn time(ms: i64, offset_s: i32) -> DateTime<FixedOffset> {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&FixedOffset::east_opt(offset_s).expect("an offset within a day"))
}

fn event(body: EventBody) -> Event {
    Event {
        id: "0190f0f0-0000-7000-8000-000000000001".into(),
        subject: Subject::order("ord-1"),
        device_id: "tablet-1".into(),
        device_seq: 1,
        hlc: Hlc::new(NOW as u64, 0),
        actor: "stf-desk".into(),
        at: time(NOW, 8 * 3600),
        body,
        seq: None,
    }
}

fn refused_field(e: &Event) -> Option<String> {
    arrival::check(e, &pusher(), NOW, &Unknown)
        .err()
        .map(|r| r.field)
}

#[test]
fn times_outside_2000_to_a_day_ahead_are_refused() {
    let note = event(EventBody::Note { text: "x".into() });
    assert_eq!(refused_field(&note), None);
    for (ms, offset) in [
        (arrival::EARLIEST_MS - 1, 0),
        (NOW + arrival::MAX_AHEAD_MS + 1, 8 * 3600),
        (arrival::LATEST_MS, 0),
        (253_402_300_800_000, 0), // the year 10000
        (-62_198_755_200_000, 0), // the year 0
        (NOW, 15 * 3600),         // UTC+15
        (NOW, 5 * 3600 + 30),     // an offset with seconds
    ] {
        let e = Event {
            at: time(ms, offset),
            ..note.clone()
        };
        assert_eq!(refused_field(&e).as_deref(), Some("at"), "{ms} {offset}");
    }
    let appointment = event(EventBody::Appointment {
        at: time(NOW + 400 * 86_400_000, 8 * 3600),
    });
    assert_eq!(refused_field(&appointment).as_deref(), Some("at"));
}

#[test]
fn stamps_far_ahead_or_overflowing_are_refused() {
    let note = event(EventBody::Note { text: "x".into() });
    for hlc in [
        Hlc::new(999_999_999_999_999, 99_999),
        Hlc::new((NOW + 10 * 365 * 86_400_000) as u64, 0),
        Hlc::new(5, 0),
        Hlc::new(NOW as u64, MAX_COUNTER + 1),
    ] {
        let e = Event {
            hlc,
            ..note.clone()
        };
        assert_eq!(refused_field(&e).as_deref(), Some("hlc"), "{hlc:?}");
    }
}

#[test]
fn a_full_number_never_enters_the_log() {
    let mut r = anju_shared::order::Reported {
        text: "漏水".into(),
        channel: "phone".into(),
        category: None,
        suggested: anju_shared::model::Category::Repair,
        urgent: false,
        topic: None,
        place: None,
        building_id: String::new(),
        unit_id: String::new(),
        location: String::new(),
        phone_masked: "13812345678".into(),
    };
    let e = event(EventBody::Reported(r.clone()));
    assert_eq!(refused_field(&e).as_deref(), Some("phone_masked"));
    r.phone_masked = "138****5678".into();
    let e = event(EventBody::Reported(r));
    assert_eq!(refused_field(&e), None);
    assert!(arrival::contact_refusal(&e, "13812345678").is_none());
    assert!(arrival::contact_refusal(&e, "13812340000").is_some());
    assert!(arrival::contact_refusal(&e, "not a phone").is_some());
}

#[test]
fn every_text_is_bounded_and_every_enumeration_checked() {
    let cases = [
        (
            EventBody::Note {
                text: "a".repeat(2001),
            },
            "text",
        ),
        (EventBody::Note { text: "  ".into() }, "text"),
        (
            EventBody::Reopened {
                reason: "因".repeat(501),
            },
            "reason",
        ),
        (
            EventBody::Photo {
                hash: "x".repeat(1 << 20),
            },
            "hash",
        ),
        (
            EventBody::Photo {
                hash: "A".repeat(64),
            },
            "hash",
        ),
        (EventBody::callback(6), "score"),
        (EventBody::callback(0), "score"),
        (
            EventBody::Dispatched {
                to: Some("x".repeat(65)),
            },
            "to",
        ),
        (
            EventBody::Reassigned {
                to: "张 强".into()
            },
            "to",
        ),
    ];
    for (body, field) in cases {
        assert_eq!(
            refused_field(&event(body.clone())).as_deref(),
            Some(field),
            "{body:?}"
        );
    }
    let visit = |method: &str, note: String| Event {
        subject: Subject::household("h-1"),
        ..event(EventBody::Visited {
            household_id: "h-1".into(),
            method: method.into(),
            note,
            not_home: false,
        })
    };
    assert_eq!(refused_field(&visit("door", String::new())), None);
    assert_eq!(
        refused_field(&visit("teleport", String::new())).as_deref(),
        Some("method")
    );
    assert_eq!(
        refused_field(&visit("door", "记".repeat(2001))).as_deref(),
        Some("note")
    );
    // A visit is about a household, and an order's event about an order.
    let on_order = event(EventBody::Visited {
        household_id: "h-1".into(),
        method: "door".into(),
        note: String::new(),
        not_home: false,
    });
    assert_eq!(refused_field(&on_order).as_deref(), Some("subject.kind"));
    let elsewhere = Event {
        subject: Subject::household("h-2"),
        ..on_order
    };
    assert_eq!(
        refused_field(&elsewhere).as_deref(),
        Some("household_id"),
        "a visit names the household it is about"
    );
    let orphan = Event {
        subject: Subject::order(""),
        ..event(EventBody::Note { text: "x".into() })
    };
    assert_eq!(refused_field(&orphan).as_deref(), Some("subject.id"));
    let on_household = Event {
        subject: Subject::household("h-1"),
        ..event(EventBody::Note { text: "x".into() })
    };
    assert_eq!(
        refused_field(&on_household).as_deref(),
        Some("subject.kind")
    );
}

#[test]
fn references_are_checked_where_the_side_knows_them() {
    struct Estate;
    impl arrival::Lookup for Estate {
        fn staff(&self, id: &str) -> Option<bool> {
            Some(id == "stf-tech1")
        }
        fn photo(&self, _: &str) -> Option<bool> {
            Some(false)
        }
    }
    let check = |body| {
        arrival::check(&event(body), &pusher(), NOW, &Estate)
            .err()
            .map(|r| r.field)
    };
    assert_eq!(
        check(EventBody::Dispatched {
            to: Some("stf-tech1".into())
        }),
        None
    );
    assert_eq!(
        check(EventBody::Dispatched {
            to: Some("张强".into())
        })
        .as_deref(),
        Some("to")
    );
    assert_eq!(
        check(EventBody::Photo {
            hash: "a".repeat(64)
        })
        .as_deref(),
        Some("hash")
    );
    // A tablet that cannot tell leaves it to the server.
    assert_eq!(
        refused_field(&event(EventBody::Photo {
            hash: "a".repeat(64)
        })),
        None
    );
}

#[test]
fn who_pushes_must_be_who_recorded() {
    let note = event(EventBody::Note { text: "x".into() });
    let other_device = Event {
        device_id: "tablet-2".into(),
        ..note.clone()
    };
    assert_eq!(refused_field(&other_device).as_deref(), Some("device_id"));
    let other_actor = Event {
        actor: "stf-cs".into(),
        ..note.clone()
    };
    assert_eq!(refused_field(&other_actor).as_deref(), Some("actor"));
    let technician = Pusher {
        role: Role::Technician,
        ..pusher()
    };
    let close = event(EventBody::Closed);
    assert_eq!(
        arrival::check(&close, &technician, NOW, &Unknown)
            .err()
            .map(|r| r.field)
            .as_deref(),
        Some("type")
    );
    let refusal = arrival::check(&other_actor, &pusher(), NOW, &Unknown).err();
    assert!(refusal.is_some_and(|r| !r.zh.is_empty() && r.to_string().starts_with("actor: ")));
}

#[test]
fn a_clock_keeps_producing_accepted_stamps() {
    // A million events in one millisecond: the counter rolls into the next millisecond
    // instead of overflowing its five digits.
    let mut clock = Clock::default();
    let mut last = Hlc::default();
    for _ in 0..300_000 {
        let h = clock.tick(NOW as u64);
        assert!(h > last && h.counter <= MAX_COUNTER);
        last = h;
    }
    let e = Event {
        hlc: last,
        ..event(EventBody::Note { text: "x".into() })
    };
    assert_eq!(refused_field(&e), None);
}

fn body() -> impl Strategy<Value = EventBody> {
    let text = prop_oneof![
        ".{0,20}".prop_map(String::from),
        (1990usize..2010).prop_map(|n| "长".repeat(n)),
        Just("\u{0}\u{202e}\"'<>\\".to_string()),
    ];
    prop_oneof![
        text.clone().prop_map(|text| EventBody::Note { text }),
        text.prop_map(|reason| EventBody::Reopened { reason }),
        any::<u8>().prop_map(EventBody::callback),
        (any::<i64>(), -20i32 * 3600..20 * 3600).prop_map(|(ms, off)| EventBody::Appointment {
            at: time(ms % 300_000_000_000_000, off),
        }),
        Just(EventBody::Responded),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever is accepted reads back from every form it travels and is stored in.
    #[test]
    fn accepted_events_survive_their_stored_forms(
        body in body(),
        ms in prop_oneof![
            arrival::EARLIEST_MS - 10..arrival::EARLIEST_MS + 10,
            NOW - 10 * 365 * 86_400_000..NOW + 2 * 86_400_000,
            -300_000_000_000_000i64..300_000_000_000_000,
        ],
        offset in prop_oneof![Just(8 * 3600), -15i32 * 3600..15 * 3600],
        hlc_ms in prop_oneof![
            (NOW - 86_400_000) as u64..(NOW + 2 * 86_400_000) as u64,
            any::<u64>().prop_map(|m| m % 1_000_000_000_000_000),
        ],
        counter in prop_oneof![0u32..10, 99_990u32..100_010],
    ) {
        let e = Event {
            at: time(ms, offset),
            hlc: Hlc::new(hlc_ms, counter),
            ..event(body)
        };
        if arrival::check(&e, &pusher(), NOW, &Unknown).is_ok() {
            let json = serde_json::to_string(&e).expect("encodes");
            let back: Event = serde_json::from_str(&json).expect("decodes");
            prop_assert_eq!(&back, &e);
            let at = DateTime::parse_from_rfc3339(&e.at.to_rfc3339()).expect("time reads back");
            prop_assert_eq!(at, e.at);
            prop_assert_eq!(at.offset(), e.at.offset());
            prop_assert_eq!(Hlc::parse(&e.hlc.to_string()), Some(e.hlc));
            if let EventBody::Appointment { at } = &e.body {
                prop_assert_eq!(DateTime::parse_from_rfc3339(&at.to_rfc3339()).ok(), Some(*at));
            }
        }
    }
}
