//! Events about subjects: payloads of the order-only log still read (a tablet's outbox of an
//! older app), each body belongs to its subject's kind, erasure reaches households, and each
//! kind folds on its own — with the patrol round's table and property tests (missed
//! checkpoints, doubtful scans, compliance).

use anju_shared::arrival::{self, Pusher, Unknown};
use anju_shared::coverage::visits;
use anju_shared::hlc::Hlc;
use anju_shared::model::Role;
use anju_shared::order::{ERASED, Event, EventBody, fold, redact_erased};
use anju_shared::patrol::{
    CheckpointSnap, Flag, Proof, RoundStart, RoundStep, fold_round, round_id, round_ids,
};
use anju_shared::subject::{Subject, SubjectKind};
use chrono::{DateTime, FixedOffset, NaiveDate};
use proptest::prelude::*;
use serde_json::json;

/// The receiver's clock: 2026-03-10T10:50:00Z.
const NOW: i64 = 1_773_139_800_000;

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("time")
}

fn ev(id: &str, subject: Subject, at: &str, body: EventBody) -> Event {
    let at = t(at);
    Event {
        id: id.into(),
        subject,
        device_id: "tablet-1".into(),
        device_seq: 1,
        hlc: Hlc::new(at.timestamp_millis() as u64, 0),
        actor: "stf-guanjia1".into(),
        at,
        body,
        seq: None,
    }
}

fn pusher(role: Role) -> Pusher<'static> {
    Pusher {
        device_id: "tablet-1",
        actor: "stf-guanjia1",
        role,
    }
}

#[test]
fn payloads_of_the_order_only_log_still_read() {
    // A note and a visit as the previous app wrote them to its outbox.
    let note: Event = serde_json::from_value(json!({
        "id": "e1", "order_id": "ord-1", "device_id": "tablet-1", "device_seq": 1,
        "hlc": "001773139800000-00000", "actor": "stf-guanjia1",
        "at": "2026-03-10T18:50:00+08:00", "body": { "type": "note", "text": "已处理" }
    }))
    .expect("an old note reads");
    assert_eq!(note.subject, Subject::order("ord-1"));
    assert_eq!(note.order_id(), "ord-1");
    let visit: Event = serde_json::from_value(json!({
        "id": "e2", "order_id": "", "device_id": "tablet-1", "device_seq": 2,
        "hlc": "001773139800000-00001", "actor": "stf-guanjia1",
        "at": "2026-03-10T18:50:00+08:00",
        "body": { "type": "visited", "household_id": "hh-3-1-1201", "method": "door" }
    }))
    .expect("an old visit reads");
    assert_eq!(visit.subject, Subject::household("hh-3-1-1201"));
    assert_eq!(visit.order_id(), "", "a visit is about no order");
    // Both pass today's arrival check as they are.
    for e in [&note, &visit] {
        assert_eq!(
            arrival::check(e, &pusher(Role::Caretaker), NOW, &Unknown),
            Ok(())
        );
    }
    // Today's shape names the subject and no `order_id`, and reads back the same.
    let written = serde_json::to_value(&visit).expect("encodes");
    assert_eq!(
        written["subject"],
        json!({ "kind": "household", "id": "hh-3-1-1201" })
    );
    assert!(written.get("order_id").is_none());
    assert_eq!(
        serde_json::from_value::<Event>(written).expect("decodes"),
        visit
    );
    // An old event of no order that is not a visit stays refused, by name.
    let orphan: Event = serde_json::from_value(json!({
        "id": "e3", "order_id": "", "device_id": "tablet-1", "device_seq": 3,
        "hlc": "001773139800000-00002", "actor": "stf-guanjia1",
        "at": "2026-03-10T18:50:00+08:00", "body": { "type": "note", "text": "x" }
    }))
    .expect("reads");
    let refusal =
        arrival::check(&orphan, &pusher(Role::Caretaker), NOW, &Unknown).expect_err("refused");
    assert_eq!(refusal.field, "subject.id");
    // A kind this version does not know is refused by the decoder, not guessed.
    assert!(serde_json::from_value::<Subject>(json!({ "kind": "spaceship", "id": "x" })).is_err());
}

#[test]
fn each_body_goes_with_its_subject_kind() {
    let round = round_id(
        "route-a",
        NaiveDate::from_ymd_opt(2026, 3, 10).expect("day"),
    );
    let cases: Vec<(Subject, EventBody, Option<&str>)> = vec![
        (
            Subject::round(round.clone()),
            scan("cp-1", Proof::Manual),
            None,
        ),
        (
            Subject::order("ord-1"),
            scan("cp-1", Proof::Manual),
            Some("subject.kind"),
        ),
        (
            Subject::round(round.clone()),
            EventBody::Note { text: "x".into() },
            Some("subject.kind"),
        ),
        (
            Subject::household("h-1"),
            EventBody::Round(RoundStep::Started(start(&[("cp-1", &[])]))),
            Some("subject.kind"),
        ),
        // A round is named by its route and day, so two tablets starting it make one round.
        (
            Subject::round("route-a@20260311"),
            EventBody::Round(RoundStep::Started(start(&[("cp-1", &[])]))),
            Some("subject.id"),
        ),
        (
            Subject::round(round.clone()),
            EventBody::Round(RoundStep::Started(start(&[("cp-1", &[])]))),
            None,
        ),
        // A code read by camera carries the code; a manual pick carries none.
        (
            Subject::round(round.clone()),
            scan("cp-1", Proof::Qr),
            Some("token"),
        ),
        (
            Subject::round(round.clone()),
            EventBody::Round(RoundStep::Checked {
                checkpoint_id: "cp-1".into(),
                item: "灭火器".into(),
                ok: false,
                note: String::new(),
                photos: vec!["not-a-hash".into()],
                urgent: false,
            }),
            Some("photos"),
        ),
        // Only the server doubts a scan.
        (
            Subject::round(round.clone()),
            EventBody::Round(RoundStep::Doubted {
                event_id: "e".into(),
                skew_ms: 1,
            }),
            Some("type"),
        ),
    ];
    for (subject, body, field) in cases {
        let e = ev("e1", subject, "2026-03-10T09:00:00+08:00", body);
        let got = arrival::check(&e, &pusher(Role::Caretaker), NOW, &Unknown).err();
        assert_eq!(got.as_ref().map(|r| r.field.as_str()), field, "{e:?}");
    }
    // Technicians walk no rounds.
    let e = ev(
        "e1",
        Subject::round(round),
        "2026-03-10T09:00:00+08:00",
        scan("cp-1", Proof::Manual),
    );
    assert_eq!(
        arrival::check(&e, &pusher(Role::Technician), NOW, &Unknown)
            .err()
            .map(|r| r.field),
        Some("type".to_string())
    );
}

#[test]
fn an_erasure_reaches_the_visit_notes_of_a_household_up_to_it() {
    let visit = |id: &str, at: &str, note: &str| {
        ev(
            id,
            Subject::household("h-1"),
            at,
            EventBody::Visited {
                household_id: "h-1".into(),
                method: "door".into(),
                note: note.into(),
                not_home: false,
            },
        )
    };
    let mut events = vec![
        visit("v1", "2026-03-01T10:00:00+08:00", "王女士说水压低"),
        visit("v2", "2026-03-05T10:00:00+08:00", ""),
        ev(
            "x",
            Subject::household("h-1"),
            "2026-03-06T10:00:00+08:00",
            EventBody::Erased,
        ),
        visit("v3", "2026-03-08T10:00:00+08:00", "新住户入住"),
        // Another household's visit is not theirs.
        ev(
            "v4",
            Subject::household("h-2"),
            "2026-03-01T10:00:00+08:00",
            EventBody::Visited {
                household_id: "h-2".into(),
                method: "phone".into(),
                note: "李先生".into(),
                not_home: false,
            },
        ),
    ];
    assert_eq!(redact_erased(&mut events), vec!["v1".to_string()]);
    assert!(redact_erased(&mut events).is_empty(), "once");
    let notes: Vec<(String, String)> = visits(&events)
        .into_iter()
        .map(|v| (v.id, v.note))
        .collect();
    assert!(notes.contains(&("v1".into(), ERASED.into())));
    assert!(notes.contains(&("v3".into(), "新住户入住".into())));
    assert!(notes.contains(&("v4".into(), "李先生".into())));
    // The visits still count for coverage.
    assert_eq!(visits(&events).len(), 4);
    // An erasure is the server's alone, on an order or a household only.
    let on_round = ev(
        "x2",
        Subject::round("r@20260310"),
        "2026-03-06T10:00:00+08:00",
        EventBody::Erased,
    );
    assert_eq!(
        arrival::check(&on_round, &pusher(Role::Admin), NOW, &Unknown)
            .err()
            .map(|r| r.field),
        Some("type".to_string())
    );
    assert_eq!(
        EventBody::Erased.subject_kinds(),
        &[SubjectKind::Order, SubjectKind::Household]
    );
}

#[test]
fn each_kind_folds_only_its_own_events() {
    let day = NaiveDate::from_ymd_opt(2026, 3, 10).expect("day");
    let round = round_id("route-a", day);
    let events = vec![
        ev(
            "r",
            Subject::order("ord-1"),
            "2026-03-10T08:00:00+08:00",
            EventBody::Reported(anju_shared::order::Reported::by_staff(
                "灭火器过期",
                anju_shared::model::Channel::Patrol,
                anju_shared::model::Category::Equipment,
            )),
        ),
        ev(
            "s",
            Subject::round(round.clone()),
            "2026-03-10T08:00:00+08:00",
            EventBody::Round(RoundStep::Started(start(&[("cp-1", &[])]))),
        ),
        ev(
            "v",
            Subject::household("h-1"),
            "2026-03-10T08:00:00+08:00",
            EventBody::Visited {
                household_id: "h-1".into(),
                method: "door".into(),
                note: String::new(),
                not_home: false,
            },
        ),
    ];
    assert!(fold("ord-1", &events).is_some());
    // An order of the round's id is not the round.
    assert!(fold(&round, &events).is_none());
    assert!(fold_round("ord-1", &events).is_none());
    assert_eq!(fold_round(&round, &events).expect("round").id, round);
    assert_eq!(round_ids(&events), vec![round]);
    assert_eq!(visits(&events).len(), 1);
    assert_eq!(
        events.iter().map(|e| e.subject.kind).collect::<Vec<_>>(),
        vec![
            SubjectKind::Order,
            SubjectKind::Round,
            SubjectKind::Household
        ]
    );
}

// ---- Rounds ----

fn start(checkpoints: &[(&str, &[&str])]) -> RoundStart {
    RoundStart {
        route_id: "route-a".into(),
        route_name: "夜间巡查".into(),
        day: NaiveDate::from_ymd_opt(2026, 3, 10).expect("day"),
        earliest: "08:00".into(),
        latest: "10:00".into(),
        checkpoints: checkpoints
            .iter()
            .map(|(id, items)| CheckpointSnap {
                id: (*id).into(),
                name: format!("点 {id}"),
                building_id: String::new(),
                place: String::new(),
                checklist: items.iter().map(|s| (*s).to_string()).collect(),
            })
            .collect(),
    }
}

fn scan(checkpoint: &str, proof: Proof) -> EventBody {
    EventBody::Round(RoundStep::Scanned {
        checkpoint_id: checkpoint.into(),
        proof,
        token: String::new(),
    })
}

fn round_events(steps: Vec<(&str, &str, EventBody)>) -> (String, Vec<Event>) {
    let id = round_id(
        "route-a",
        NaiveDate::from_ymd_opt(2026, 3, 10).expect("day"),
    );
    let events = steps
        .into_iter()
        .map(|(eid, at, body)| ev(eid, Subject::round(id.clone()), at, body))
        .collect();
    (id, events)
}

#[test]
fn rounds_count_missed_checkpoints_doubtful_scans_and_compliance() {
    let four = start(&[("a", &["门禁", "照明"]), ("b", &[]), ("c", &[]), ("d", &[])]);
    struct Case {
        name: &'static str,
        scans: Vec<(&'static str, &'static str, Proof)>,
        missed: Vec<&'static str>,
        flags: Vec<(&'static str, Vec<Flag>)>,
        percent: u32,
        meets_80: bool,
    }
    let cases = vec![
        Case {
            name: "nothing scanned",
            scans: vec![],
            missed: vec!["a", "b", "c", "d"],
            flags: vec![],
            percent: 0,
            meets_80: false,
        },
        Case {
            name: "all in the window by code",
            scans: vec![
                ("a", "08:05", Proof::Qr),
                ("b", "08:30", Proof::Nfc),
                ("c", "09:00", Proof::Qr),
                ("d", "10:00", Proof::Qr),
            ],
            missed: vec![],
            flags: vec![("d", vec![])],
            percent: 100,
            meets_80: true,
        },
        Case {
            name: "early, late and by hand are flagged, never refused",
            scans: vec![
                ("a", "07:59", Proof::Qr),
                ("b", "10:01", Proof::Qr),
                ("c", "09:00", Proof::Manual),
            ],
            missed: vec!["d"],
            flags: vec![
                ("a", vec![Flag::Early]),
                ("b", vec![Flag::Late]),
                ("c", vec![Flag::Manual]),
            ],
            percent: 75,
            meets_80: false,
        },
        Case {
            name: "a checkpoint scanned twice counts once, the first scan",
            scans: vec![
                ("a", "09:00", Proof::Manual),
                ("a", "09:10", Proof::Qr),
                ("b", "09:20", Proof::Qr),
            ],
            missed: vec!["c", "d"],
            flags: vec![("a", vec![Flag::Manual])],
            percent: 50,
            meets_80: false,
        },
        Case {
            name: "a checkpoint not on the snapshot counts for nothing",
            scans: vec![("z", "09:00", Proof::Qr), ("a", "09:00", Proof::Qr)],
            missed: vec!["b", "c", "d"],
            flags: vec![],
            percent: 25,
            meets_80: false,
        },
    ];
    for case in cases {
        let mut steps = vec![(
            "start".to_string(),
            "2026-03-10T07:50:00+08:00".to_string(),
            EventBody::Round(RoundStep::Started(four.clone())),
        )];
        for (n, (cp, hhmm, proof)) in case.scans.iter().enumerate() {
            steps.push((
                format!("s{n}"),
                format!("2026-03-10T{hhmm}:00+08:00"),
                scan(cp, *proof),
            ));
        }
        let (id, events) = round_events(
            steps
                .iter()
                .map(|(a, b, c)| (a.as_str(), b.as_str(), c.clone()))
                .collect(),
        );
        let round = fold_round(&id, &events).expect(case.name);
        let missed: Vec<&str> = round.missed().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(missed, case.missed, "{}", case.name);
        for (cp, flags) in &case.flags {
            assert_eq!(&round.scans[*cp].flags, flags, "{}: {cp}", case.name);
        }
        let c = round.compliance();
        assert_eq!(c.percent, case.percent, "{}", case.name);
        assert_eq!(c.meets(80), case.meets_80, "{}", case.name);
        assert_eq!(c.expected, 4);
        assert_eq!(c.scanned + missed.len(), 4, "{}", case.name);
    }
}

#[test]
fn a_scan_on_another_day_is_late_or_early_and_the_server_doubts_a_clock() {
    let (id, events) = round_events(vec![
        (
            "start",
            "2026-03-10T08:00:00+08:00",
            EventBody::Round(RoundStep::Started(start(&[("a", &[]), ("b", &[])]))),
        ),
        ("s1", "2026-03-11T09:00:00+08:00", scan("a", Proof::Qr)),
        ("s2", "2026-03-09T09:00:00+08:00", scan("b", Proof::Nfc)),
        (
            "d1",
            "2026-03-10T12:00:00+08:00",
            EventBody::Round(RoundStep::Doubted {
                event_id: "s1".into(),
                skew_ms: 3_600_000,
            }),
        ),
    ]);
    let round = fold_round(&id, &events).expect("round");
    assert_eq!(round.scans["a"].flags, vec![Flag::Late, Flag::Clock]);
    assert_eq!(round.scans["b"].flags, vec![Flag::Early]);
    assert_eq!(round.compliance().doubtful, 2);
    assert_eq!(
        round.compliance().percent,
        100,
        "doubtful scans still count"
    );
}

#[test]
fn the_first_start_wins_and_findings_keep_their_order() {
    let mut later = start(&[("x", &[])]);
    later.route_name = "改过的路线".into();
    let checked = |item: &str, ok: bool| {
        EventBody::Round(RoundStep::Checked {
            checkpoint_id: "a".into(),
            item: item.into(),
            ok,
            note: if ok {
                String::new()
            } else {
                "灯不亮".into()
            },
            photos: vec![],
            urgent: !ok,
        })
    };
    let (id, events) = round_events(vec![
        (
            "start-2",
            "2026-03-10T08:10:00+08:00",
            EventBody::Round(RoundStep::Started(later)),
        ),
        (
            "start-1",
            "2026-03-10T08:00:00+08:00",
            EventBody::Round(RoundStep::Started(start(&[("a", &["门禁", "照明"])]))),
        ),
        ("c2", "2026-03-10T08:20:00+08:00", checked("照明", true)),
        ("c1", "2026-03-10T08:21:00+08:00", checked("门禁", true)),
        // A later verdict on the same item replaces the earlier one.
        ("c3", "2026-03-10T08:22:00+08:00", checked("照明", false)),
        (
            "raise",
            "2026-03-10T08:23:00+08:00",
            EventBody::Round(RoundStep::Raised {
                checkpoint_id: "a".into(),
                item: "照明".into(),
                order_id: "ord-9".into(),
            }),
        ),
    ]);
    let round = fold_round(&id, &events).expect("round");
    assert_eq!(
        round.start.route_name, "夜间巡查",
        "the earliest start's snapshot"
    );
    let items: Vec<(&str, bool)> = round
        .checks
        .iter()
        .map(|c| (c.item.as_str(), c.ok))
        .collect();
    assert_eq!(items, vec![("门禁", true), ("照明", false)]);
    let findings: Vec<_> = round.findings().collect();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].order_id.as_deref(), Some("ord-9"));
    assert!(findings[0].urgent);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever order a round's events arrive in and however often: the same round, and
    /// scanned + missed = expected.
    #[test]
    fn a_round_folds_alike_in_any_order(
        scans in proptest::collection::vec((0usize..6, 0u32..180, 0usize..3), 0..20),
        shuffle in any::<u64>(),
        repeat in 0usize..3,
    ) {
        let ids = ["a", "b", "c", "d", "e", "f"];
        let snapshot = start(&[("a", &[]), ("b", &[]), ("c", &[]), ("d", &[])]);
        let mut owned: Vec<(String, String, EventBody)> = vec![(
            "start".into(),
            "2026-03-10T07:00:00+08:00".into(),
            EventBody::Round(RoundStep::Started(snapshot)),
        )];
        for (n, (cp, minutes, proof)) in scans.iter().enumerate() {
            let at = t("2026-03-10T07:00:00+08:00") + chrono::Duration::minutes(i64::from(*minutes));
            owned.push((
                format!("s{n}"),
                at.to_rfc3339(),
                scan(ids[*cp], [Proof::Qr, Proof::Nfc, Proof::Manual][*proof]),
            ));
        }
        let (id, events) = round_events(
            owned.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), c.clone())).collect(),
        );
        let reference = fold_round(&id, &events).expect("round");
        let mut mixed = events.clone();
        for k in 0..repeat {
            mixed.push(events[k % events.len()].clone());
        }
        // A deterministic shuffle from the seed.
        let mut state = shuffle | 1;
        for i in (1..mixed.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            mixed.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let folded = fold_round(&id, &mixed).expect("round");
        prop_assert_eq!(&folded, &reference);
        let c = folded.compliance();
        prop_assert_eq!(c.scanned + folded.missed().len(), c.expected);
        prop_assert!(c.percent <= 100);
        prop_assert!(c.doubtful <= c.scanned);
    }
}

#[test]
fn the_days_marks_say_which_checkpoints_were_scanned_missed_or_due() {
    use anju_shared::patrol::{Checkpoint, MarkStatus, PatrolPlan, Route, day_marks};
    let cp = |id: &str, building: &str| Checkpoint {
        id: id.into(),
        name: format!("点 {id}"),
        building_id: building.into(),
        place: String::new(),
        checklist: Vec::new(),
        digest: String::new(),
    };
    let route = |id: &str, checkpoints: &[&str], weekdays: &[u8], latest: &str| Route {
        id: id.into(),
        name: format!("路线 {id}"),
        checkpoints: checkpoints.iter().map(|c| (*c).to_string()).collect(),
        caretakers: vec!["stf-guanjia2".into()],
        weekdays: weekdays.to_vec(),
        earliest: "08:00".into(),
        latest: latest.into(),
    };
    let plan = PatrolPlan {
        estate_id: "est".into(),
        checkpoints: vec![cp("a", "b1"), cp("b", "b2"), cp("c", ""), cp("d", "b1")],
        // 2026-03-10 is a Tuesday: route-c runs on Mondays only.
        routes: vec![
            route("route-a", &["a", "b", "c"], &[], "10:00"),
            route("route-b", &["d"], &[2], "23:00"),
            route("route-c", &["a"], &[1], "23:00"),
        ],
        generation: 1,
        threshold: 70,
    };
    let day = NaiveDate::from_ymd_opt(2026, 3, 10).expect("day");
    // The round of route-a started with a snapshot of a and b only (c was added later), a
    // scanned in its window, b picked by hand (doubtful).
    let (_, events) = round_events(vec![
        (
            "s",
            "2026-03-10T08:05:00+08:00",
            EventBody::Round(RoundStep::Started(start(&[("a", &[]), ("b", &[])]))),
        ),
        ("1", "2026-03-10T08:10:00+08:00", scan("a", Proof::Qr)),
        ("2", "2026-03-10T08:20:00+08:00", scan("b", Proof::Manual)),
    ]);
    let at = |hm: &str| day.and_time(chrono::NaiveTime::parse_from_str(hm, "%H:%M").expect("time"));
    let status = |marks: &[anju_shared::patrol::Mark]| {
        marks
            .iter()
            .map(|m| (m.route_name.clone(), m.checkpoint_id.clone(), m.status))
            .collect::<Vec<_>>()
    };
    let morning = day_marks(&plan, &events, day, at("09:00"));
    assert_eq!(
        status(&morning),
        [
            ("夜间巡查".to_string(), "a".to_string(), MarkStatus::Scanned),
            (
                "夜间巡查".to_string(),
                "b".to_string(),
                MarkStatus::Doubtful
            ),
            ("路线 route-b".to_string(), "d".to_string(), MarkStatus::Due),
        ],
        "the round's snapshot is what was expected; route-c does not run on Tuesdays"
    );
    // The snapshot keeps what the checkpoint was then (the test's snapshot names no building).
    assert_eq!(morning[2].building_id, "b1");
    // Late at night route-b's window has closed: d is missed. The next day, everything unscanned is.
    let night = day_marks(&plan, &events, day, at("23:30"));
    assert_eq!(night[2].status, MarkStatus::Missed);
    let next_day = day
        .succ_opt()
        .expect("day")
        .and_hms_opt(7, 0, 0)
        .expect("time");
    assert_eq!(
        day_marks(&plan, &events, day, next_day)[2].status,
        MarkStatus::Missed
    );
    // A day with no round started: the current routes, every checkpoint due, then missed.
    let wednesday = NaiveDate::from_ymd_opt(2026, 3, 11).expect("day");
    let early = day_marks(
        &plan,
        &events,
        wednesday,
        wednesday.and_hms_opt(7, 0, 0).expect("time"),
    );
    assert_eq!(
        early
            .iter()
            .map(|m| (m.checkpoint_id.as_str(), m.status))
            .collect::<Vec<_>>(),
        [
            ("a", MarkStatus::Due),
            ("b", MarkStatus::Due),
            ("c", MarkStatus::Due)
        ]
    );
    let late = day_marks(
        &plan,
        &events,
        wednesday,
        wednesday.and_hms_opt(11, 0, 0).expect("time"),
    );
    assert!(
        late.iter().all(|m| m.status == MarkStatus::Missed),
        "{late:?}"
    );
}
