//! Complaints (`anju_shared::complaint`): the grade's reasons agree with C-5's severities over
//! many generated complaints and read in words; the same issue makes a group; D-5's report
//! deadlines (a major complaint's unified response, crland's report to the company and the
//! hotspot's to the quality centre); C-6's triggers as a table; the supervisors' view.

use anju_shared::calendar::Calendar;
use anju_shared::complaint::{self, Trigger};
use anju_shared::hlc::Hlc;
use anju_shared::lang::Lang;
use anju_shared::model::{
    Category, Channel, DeadlineKind, DeadlineStatus, Escalation, EventKind, Role, Severity,
};
use anju_shared::order::{Assessment, Event, EventBody, OrderState, Reported, fold};
use anju_shared::policy::Policy;
use anju_shared::sla::{self, OrderFacts, Reason};
use anju_shared::supervise::{self, Action};
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

/// A complaint (or another category) reported at `when`, about `place`/`topic`.
fn reported(
    order: &str,
    when: DateTime<FixedOffset>,
    category: Category,
    issue: Option<(&str, &str)>,
) -> Event {
    let mut r = Reported::by_staff("楼上漏水到我家", Channel::Phone, category);
    r.place = issue.map(|(p, _)| p.to_string());
    r.topic = issue.map(|(_, t)| t.to_string());
    ev(order, 0, when, EventBody::Reported(r))
}

fn assessed(order: &str, n: u64, when: DateTime<FixedOffset>, a: Assessment) -> Event {
    ev(order, n, when, EventBody::Assessed(a))
}

fn state(order: &str, events: &[Event]) -> OrderState {
    fold(order, events).expect("folds")
}

/// A small deterministic generator, so the agreement test covers many mixes.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[test]
fn grades_agree_with_severities_and_give_a_reason_for_every_rise() {
    let start = at("2026-03-01T09:00:00+08:00");
    for name in ["cmsk", "crland", "cgy", "kwy"] {
        let policy = Policy::preset(name).expect("preset");
        for seed in 1..=20u64 {
            let mut g = Lcg(seed);
            let places = ["B1", "B5", "car_park"];
            let topics = ["water_leak", "noise"];
            let facts: Vec<OrderFacts> = (0..120)
                .map(|i| {
                    let category = if g.below(5) == 0 {
                        Category::Repair
                    } else {
                        Category::Complaint
                    };
                    let mut f = OrderFacts::new(
                        format!("o{i}"),
                        category,
                        start + Duration::hours(g.below(24 * 60) as i64),
                    );
                    if g.below(4) > 0 {
                        f.place = Some(places[g.below(3) as usize].into());
                        f.topic = Some(topics[g.below(2) as usize].into());
                    }
                    if g.below(2) == 0 {
                        f.reporter = Some(format!("hh-{}", g.below(6)));
                    }
                    f.people = if g.below(6) == 0 {
                        1 + g.below(14) as u32
                    } else {
                        1
                    };
                    if g.below(15) == 0 {
                        f.flags
                            .push(["media", "litigation", "petition"][g.below(3) as usize].into());
                    }
                    if g.below(3) == 0 {
                        let done = f.reported_at + Duration::hours(g.below(24 * 20) as i64);
                        f.events.push(sla::Event::new(EventKind::Completed, done));
                    }
                    f
                })
                .collect();
            for days in [0, 10, 45, 90] {
                let now = start + Duration::days(days);
                let severities = sla::severities(&policy, &facts, now);
                let grades = complaint::grades(&policy, &facts, now);
                for (i, (s, g)) in severities.iter().zip(&grades).enumerate() {
                    assert_eq!(
                        *s,
                        g.as_ref().map(|g| g.severity),
                        "{name} seed {seed} order {i}"
                    );
                    if let Some(g) = g {
                        // A raised complaint says why; a general one has nothing to say.
                        assert_eq!(
                            g.reasons.is_empty(),
                            g.severity == Severity::General,
                            "{name} seed {seed} order {i}: {g:?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn three_households_about_one_leak_make_a_hotspot_in_words_and_a_group() {
    let policy = Policy::preset("crland").expect("preset");
    let t0 = at("2026-03-02T10:00:00+08:00");
    let mut facts = Vec::new();
    for (i, days) in [0, 12, 29].into_iter().enumerate() {
        let mut f = OrderFacts::new(
            format!("c{i}"),
            Category::Complaint,
            t0 + Duration::days(days),
        );
        f.place = Some("B5".into());
        f.topic = Some("water_leak".into());
        f.reporter = Some(format!("hh-{i}"));
        facts.push(f);
    }
    // The same leak in another building, and a repair about the same: neither joins.
    let mut other = OrderFacts::new("c3", Category::Complaint, t0);
    other.place = Some("B6".into());
    other.topic = Some("water_leak".into());
    // Done the same day: not left unresolved for a week.
    other.events.push(sla::Event::new(
        EventKind::Completed,
        t0 + Duration::hours(3),
    ));
    facts.push(other);
    let mut repair = OrderFacts::new("r1", Category::Repair, t0);
    repair.place = Some("B5".into());
    repair.topic = Some("water_leak".into());
    facts.push(repair);

    let now = t0 + Duration::days(30);
    let grades = complaint::grades(&policy, &facts, now);
    let g = grades[2].clone().expect("a complaint");
    assert_eq!(g.severity, Severity::Hotspot);
    assert_eq!(
        complaint::grade_words(&g, &facts[2], Lang::En),
        "Hotspot: 3 households, building 5, water leak, within 30 days"
    );
    assert_eq!(
        complaint::grade_words(&g, &facts[2], Lang::Zh),
        "热点:3 户 · 5栋 · 漏水渗水 · 30 天内"
    );
    assert_eq!(
        grades[3].as_ref().map(|g| g.severity),
        Some(Severity::General)
    );
    assert_eq!(grades[4], None);
    let refs: Vec<&OrderFacts> = facts.iter().collect();
    assert_eq!(complaint::group(&refs, 1), vec![0, 1, 2]);
    assert_eq!(complaint::group(&refs, 3), vec![3]);
    assert_eq!(complaint::group(&refs, 4), vec![4]);

    // A 31-day span is one day too wide: the first and the third are not within 30 days.
    let mut late = facts.clone();
    late[2].reported_at = t0 + Duration::days(31);
    let grades = complaint::grades(&policy, &late, t0 + Duration::days(31));
    assert_eq!(
        grades[2].as_ref().map(|g| g.severity),
        Some(Severity::General)
    );

    // Media makes it major, and says so.
    let mut media = facts[0].clone();
    media.flags.push("media".into());
    let g = complaint::grades(&policy, &[media.clone()], now)[0]
        .clone()
        .expect("graded");
    assert_eq!(g.severity, Severity::Major);
    assert_eq!(
        g.reasons,
        vec![Reason::Flag {
            flag: "media".into()
        }]
    );
    assert_eq!(
        complaint::grade_words(&g, &media, Lang::Zh),
        "重大:媒体曝光"
    );
}

#[test]
fn crland_complaints_carry_their_reports_to_the_company_and_the_quality_centre() {
    let policy = Policy::preset("crland").expect("preset");
    let cal = Calendar::cn_2026();
    // Tuesday 10 March 2026; working days Wed 11, Thu 12, Fri 13, Mon 16, Tue 17.
    let t0 = at("2026-03-10T10:00:00+08:00");
    let mut events = vec![reported(
        "k1",
        t0,
        Category::Complaint,
        Some(("B5", "water_leak")),
    )];
    let o = state("k1", &events);
    let list = complaint::report_deadlines(&policy, &cal, &o, Some(Severity::General), t0);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].kind, DeadlineKind::CompanyReport);
    assert_eq!(list[0].due, at("2026-03-18T00:00:00+08:00"));
    assert_eq!(list[0].status, DeadlineStatus::Open);
    let late = at("2026-03-18T00:00:01+08:00");
    let list = complaint::report_deadlines(&policy, &cal, &o, Some(Severity::General), late);
    assert_eq!(list[0].status, DeadlineStatus::Overdue);

    // Graded hotspot on Thursday afternoon: reported to the quality centre by the end of
    // Friday, the next working day.
    let graded = at("2026-03-12T15:00:00+08:00");
    events.push(ev(
        "k1",
        1,
        graded,
        EventBody::Graded {
            severity: Severity::Hotspot,
            to: vec![],
        },
    ));
    let o = state("k1", &events);
    let list = complaint::report_deadlines(&policy, &cal, &o, Some(Severity::Hotspot), graded);
    let quality = list
        .iter()
        .find(|d| d.kind == DeadlineKind::QualityReport)
        .expect("listed");
    assert_eq!(quality.due, at("2026-03-14T00:00:00+08:00"));
    assert_eq!(quality.status, DeadlineStatus::Open);
    // A supervisor reports it: one step of the ladder at the quality centre meets both.
    let up = at("2026-03-13T09:30:00+08:00");
    events.push(ev(
        "k1",
        2,
        up,
        EventBody::Escalated {
            level: Escalation::QualityCentre,
            to: vec![],
        },
    ));
    let o = state("k1", &events);
    let list = complaint::report_deadlines(&policy, &cal, &o, Some(Severity::Hotspot), late);
    for d in &list {
        assert_eq!(d.status, DeadlineStatus::Met, "{d:?}");
        assert_eq!(d.done_at, Some(up));
    }
    // cmsk has no such reports; a repair has none anywhere.
    let cmsk = Policy::preset("cmsk").expect("preset");
    assert!(complaint::report_deadlines(&cmsk, &cal, &o, Some(Severity::Hotspot), late).is_empty());
    let r = state("r1", &[reported("r1", t0, Category::Repair, None)]);
    assert!(complaint::report_deadlines(&policy, &cal, &r, Some(Severity::Major), late).is_empty());
}

#[test]
fn a_major_complaint_gets_its_unified_response_within_24_hours() {
    let cal = Calendar::cn_2026();
    let t0 = at("2026-03-10T10:00:00+08:00");
    for name in ["cmsk", "crland", "cgy", "kwy"] {
        let policy = Policy::preset(name).expect("preset");
        let mut events = vec![reported("m1", t0, Category::Complaint, None)];
        // Arrived before it was major: that is not the unified response.
        events.push(ev(
            "m1",
            1,
            t0 + Duration::minutes(20),
            EventBody::Responded,
        ));
        let major = t0 + Duration::hours(3);
        events.push(ev(
            "m1",
            2,
            major,
            EventBody::Graded {
                severity: Severity::Major,
                to: vec![],
            },
        ));
        let o = state("m1", &events);
        let list = complaint::report_deadlines(&policy, &cal, &o, Some(Severity::Major), major);
        let unified = list
            .iter()
            .find(|d| d.kind == DeadlineKind::UnifiedResponse)
            .expect(name);
        assert_eq!(unified.due, major + Duration::hours(24), "{name}");
        assert_eq!(unified.done_at, None, "{name}");
        // Not listed for a hotspot.
        let list = complaint::report_deadlines(&policy, &cal, &o, Some(Severity::Hotspot), major);
        assert!(
            list.iter().all(|d| d.kind != DeadlineKind::UnifiedResponse),
            "{name}"
        );
        // Completed the next morning: met.
        let done = major + Duration::hours(20);
        events.push(ev("m1", 3, done, EventBody::Completed));
        let o = state("m1", &events);
        let list = complaint::report_deadlines(&policy, &cal, &o, Some(Severity::Major), done);
        let unified = list
            .iter()
            .find(|d| d.kind == DeadlineKind::UnifiedResponse)
            .expect(name);
        assert_eq!(
            (unified.status, unified.done_at),
            (DeadlineStatus::Met, Some(done)),
            "{name}"
        );
    }
}

#[test]
fn c6_triggers_as_a_table() {
    let policy = Policy::preset("cmsk").expect("preset");
    let t0 = at("2026-03-10T10:00:00+08:00");
    let flags = |list: &[&str]| Assessment {
        flags: Some(list.iter().map(|s| s.to_string()).collect()),
        ..Assessment::default()
    };
    let money = |yuan: u32| Assessment {
        compensation_yuan: Some(yuan),
        ..Assessment::default()
    };
    let people = |n: u32| Assessment {
        people: Some(n),
        ..Assessment::default()
    };
    let cases: Vec<(&str, Category, Assessment, Vec<Trigger>)> = vec![
        (
            "nothing",
            Category::Complaint,
            Assessment::default(),
            vec![],
        ),
        (
            "media",
            Category::Complaint,
            flags(&["media"]),
            vec![Trigger::Media],
        ),
        (
            "notice",
            Category::Complaint,
            flags(&["industry_notice"]),
            vec![Trigger::IndustryNotice],
        ),
        (
            "petition",
            Category::Complaint,
            flags(&["petition"]),
            vec![Trigger::Petition],
        ),
        (
            "litigation",
            Category::Repair,
            flags(&["litigation"]),
            vec![Trigger::Litigation],
        ),
        (
            "written only",
            Category::Complaint,
            flags(&["written", "forum"]),
            vec![],
        ),
        (
            "media and litigation",
            Category::Complaint,
            flags(&["litigation", "media"]),
            vec![Trigger::Media, Trigger::Litigation],
        ),
        (
            "5,000 yuan is not above",
            Category::Complaint,
            money(5000),
            vec![],
        ),
        (
            "5,001 yuan",
            Category::Repair,
            money(5001),
            vec![Trigger::Compensation],
        ),
        (
            "a collective complaint of four",
            Category::Complaint,
            people(4),
            vec![],
        ),
        (
            "a collective complaint of five",
            Category::Complaint,
            people(5),
            vec![Trigger::GroupComplaint],
        ),
        (
            "many people about a repair",
            Category::Repair,
            people(12),
            vec![],
        ),
    ];
    for (name, category, assessment, expected) in cases {
        let events = vec![
            reported("x", t0, category, None),
            assessed("x", 1, t0 + Duration::minutes(5), assessment),
        ];
        let o = state("x", &events);
        let grade = complaint::grades(&policy, &[o.facts()], t0 + Duration::hours(1))
            .pop()
            .flatten();
        assert_eq!(
            complaint::triggers(&policy, &o, grade.as_ref()),
            expected,
            "{name}"
        );
    }
    // Five households about the same issue are a group complaint too; three are a hotspot.
    let mut events = Vec::new();
    let mut facts = Vec::new();
    for i in 0..5 {
        let id = format!("g{i}");
        events.push(reported(
            &id,
            t0 + Duration::days(i),
            Category::Complaint,
            Some(("B2", "noise")),
        ));
        events.push(assessed(
            &id,
            1,
            t0 + Duration::days(i),
            Assessment {
                reporter: Some(format!("hh-{i}")),
                ..Assessment::default()
            },
        ));
    }
    let states: Vec<OrderState> = (0..5).map(|i| state(&format!("g{i}"), &events)).collect();
    facts.extend(states.iter().map(OrderState::facts));
    let grades = complaint::grades(&policy, &facts, t0 + Duration::days(5));
    assert_eq!(
        complaint::triggers(&policy, &states[0], grades[0].as_ref()),
        vec![Trigger::GroupComplaint]
    );
    let three = complaint::grades(&policy, &facts[..3], t0 + Duration::days(5));
    assert_eq!(
        three[0].as_ref().map(|g| g.severity),
        Some(Severity::Hotspot)
    );
    assert_eq!(
        complaint::triggers(&policy, &states[0], three[0].as_ref()),
        vec![]
    );
    // A major complaint by the media that is also a group complaint meets both.
    let mut loud = states[0].clone();
    loud.assessment.flags = Some(vec!["media".into()]);
    let mut with_media = facts.clone();
    with_media[0] = loud.facts();
    let grades = complaint::grades(&policy, &with_media, t0 + Duration::days(5));
    assert_eq!(
        grades[0].as_ref().map(|g| g.severity),
        Some(Severity::Major)
    );
    assert_eq!(
        complaint::triggers(&policy, &loud, grades[0].as_ref()),
        vec![Trigger::GroupComplaint, Trigger::Media]
    );
    // An estate's own limit counts.
    let strict = Policy::from_json(
        r#"{"base": "cmsk", "complaints": {"major_event_compensation_yuan": 1000}}"#,
    )
    .expect("override");
    let o = state(
        "y",
        &[
            reported("y", t0, Category::Complaint, None),
            assessed("y", 1, t0, money(1500)),
        ],
    );
    assert_eq!(
        complaint::triggers(&strict, &o, None),
        vec![Trigger::Compensation]
    );
}

#[test]
fn the_timeline_leaves_out_notes_and_names_levels() {
    let t0 = at("2026-03-10T10:00:00+08:00");
    let events = vec![
        reported("t", t0, Category::Complaint, None),
        ev(
            "t",
            1,
            t0 + Duration::minutes(1),
            EventBody::Note {
                text: "业主情绪激动".into(),
            },
        ),
        ev(
            "t",
            2,
            t0 + Duration::hours(50),
            EventBody::Escalated {
                level: Escalation::CsSupervisor,
                to: vec![],
            },
        ),
        ev("t", 3, t0 + Duration::hours(60), EventBody::Completed),
    ];
    let steps = complaint::timeline("t", &events);
    let words: Vec<&str> = steps.iter().map(|s| s.zh.as_str()).collect();
    assert_eq!(words, ["报事", "升级 客服主管", "完工"]);
    assert_eq!(steps[1].en, "Escalated to customer-service supervisor");
}

#[test]
fn supervisors_see_their_rung_overdue_first_and_what_each_needs() {
    let policy = Policy::preset("crland").expect("preset");
    let cal = Calendar::cn_2026();
    let t0 = at("2026-03-10T10:00:00+08:00");
    let mut events = Vec::new();
    // Two repairs escalated to the customer-service supervisor; one with its callback late.
    for (id, hours) in [("e1", 0), ("e2", 5)] {
        let t = t0 + Duration::hours(hours);
        events.push(reported(id, t, Category::Repair, None));
        events.push(ev(
            id,
            1,
            t + Duration::hours(49),
            EventBody::Escalated {
                level: Escalation::CsSupervisor,
                to: vec![],
            },
        ));
    }
    // A failed callback: back to work.
    events.push(reported("f1", t0, Category::Repair, None));
    events.push(ev("f1", 1, t0 + Duration::hours(1), EventBody::Completed));
    events.push(ev(
        "f1",
        2,
        t0 + Duration::hours(26),
        EventBody::CalledBack {
            score: 2,
            solved: Some(false),
            override_reason: None,
        },
    ));
    // A major complaint (media).
    events.push(reported("m1", t0, Category::Complaint, None));
    events.push(assessed(
        "m1",
        1,
        t0,
        Assessment {
            flags: Some(vec!["media".into()]),
            ..Assessment::default()
        },
    ));
    let orders: Vec<OrderState> = ["e1", "e2", "f1", "m1"]
        .iter()
        .map(|id| state(id, &events))
        .collect();
    let now = t0 + Duration::hours(60);
    let b = supervise::board(&policy, &cal, &orders, Role::CsSupervisor, now);
    let ids = |rows: &[supervise::Row]| rows.iter().map(|r| r.order_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&b.escalated), ["e1", "e2"], "{b:?}");
    assert!(
        b.escalated
            .iter()
            .all(|r| r.overdue && r.action == Action::FollowUp)
    );
    assert_eq!(ids(&b.callbacks), ["f1"]);
    assert_eq!(b.callbacks[0].action, Action::Rework);
    assert_eq!(ids(&b.complaints), ["m1"]);
    assert_eq!(b.complaints[0].action, Action::Respond);
    assert!(b.conflicts.is_empty());
    // The project manager's rung is not reached yet; the front desk has no rung.
    let pm = supervise::board(&policy, &cal, &orders, Role::ProjectManager, now);
    assert!(pm.escalated.is_empty());
    assert_eq!(ids(&pm.complaints), ["m1"]);
    let desk = supervise::board(&policy, &cal, &orders, Role::FrontDesk, now);
    assert_eq!(desk, supervise::Board::default());
}
