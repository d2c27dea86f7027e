//! The dashboard's figures against a fixture month computed by hand: two estates' orders of
//! March 2026 (and one of April, which must not count), their measures, counts, open work,
//! the orders to analyse, the sum over both estates and the drill-down behind a measure.

use anju_shared::calendar::Calendar;
use anju_shared::coverage::{Share, Visit};
use anju_shared::dashboard::{self, EstateData, PeriodKind, ScopeKind};
use anju_shared::hlc::Hlc;
use anju_shared::kpi::Measure;
use anju_shared::model::{Category, Escalation, VisitMethod};
use anju_shared::order::{Event, EventBody, Reported, fold};
use anju_shared::policy::Policy;
use chrono::{DateTime, FixedOffset, NaiveDate};

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("time")
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// An order's events: reported at the first time, then each (body, time).
fn order(
    id: &str,
    category: Category,
    channel: &str,
    at: &str,
    then: Vec<(EventBody, &str)>,
) -> Vec<Event> {
    let mut report = Reported::by_staff("x", anju_shared::model::Channel::Phone, category);
    report.channel = channel.into();
    let mut bodies = vec![(EventBody::Reported(report), at)];
    bodies.extend(then);
    bodies
        .into_iter()
        .enumerate()
        .map(|(n, (body, at))| Event {
            id: format!("{id}-{n}"),
            subject: anju_shared::subject::Subject::order(id),
            device_id: "d".into(),
            device_seq: n as u64 + 1,
            hlc: Hlc::default(),
            actor: "s".into(),
            at: t(at),
            body,
            seq: None,
        })
        .collect()
}

fn estate(id: &str, preset: &str, orders: Vec<Vec<Event>>, visits: Vec<Visit>) -> EstateData {
    let states: Vec<_> = orders
        .iter()
        .filter_map(|events| fold(events[0].order_id(), events))
        .collect();
    EstateData {
        id: id.into(),
        name: id.into(),
        policy: Policy::preset(preset).expect("preset"),
        calendar: Calendar::cn_2026(),
        references: states.iter().map(|o| format!("ref-{}", o.id)).collect(),
        orders: states,
        homes: vec![("h1".into(), true), ("h2".into(), false)],
        visits,
    }
}

fn fixture(second_preset: &str) -> Vec<EstateData> {
    use EventBody::*;
    let a = estate(
        "a",
        "cmsk",
        vec![
            // On time (30 min), completed, very satisfied, closed.
            order(
                "c1",
                Category::Complaint,
                "phone",
                "2026-03-10T10:00:00+08:00",
                vec![
                    (Responded, "2026-03-10T10:20:00+08:00"),
                    (Completed, "2026-03-10T15:00:00+08:00"),
                    (EventBody::callback(5), "2026-03-11T10:30:00+08:00"),
                    (Closed, "2026-03-11T11:00:00+08:00"),
                ],
            ),
            // Late, and unsatisfied at the callback: unclosed and unsatisfied.
            order(
                "c2",
                Category::Complaint,
                "web_form",
                "2026-03-12T10:00:00+08:00",
                vec![
                    (Responded, "2026-03-12T11:00:00+08:00"),
                    (Completed, "2026-03-12T16:00:00+08:00"),
                    (EventBody::callback(2), "2026-03-13T10:30:00+08:00"),
                ],
            ),
            // On time (1 h), still open.
            order(
                "r1",
                Category::Repair,
                "web_form",
                "2026-03-15T10:00:00+08:00",
                vec![
                    (Responded, "2026-03-15T10:30:00+08:00"),
                    (
                        Escalated {
                            level: Escalation::DepartmentSupervisor,
                            to: vec![],
                        },
                        "2026-03-16T00:00:00+08:00",
                    ),
                ],
            ),
            // April: outside the month.
            order(
                "c3",
                Category::Complaint,
                "phone",
                "2026-04-01T10:00:00+08:00",
                vec![],
            ),
        ],
        vec![Visit {
            id: "v1".into(),
            household_id: "h1".into(),
            at: t("2026-03-05T10:00:00+08:00"),
            actor: "g".into(),
            method: VisitMethod::Door,
            not_home: false,
            note: String::new(),
        }],
    );
    let b = estate(
        "b",
        second_preset,
        vec![order(
            "r2",
            Category::Repair,
            "walk_in",
            "2026-03-20T10:00:00+08:00",
            vec![(Responded, "2026-03-20T12:00:00+08:00")],
        )],
        vec![],
    );
    vec![a, b]
}

#[test]
fn a_fixture_month_by_hand() {
    let estates = fixture("cmsk");
    let march = dashboard::period_range(PeriodKind::LastMonth, d("2026-04-10"), None, None)
        .expect("period");
    assert_eq!(march, (d("2026-03-01"), d("2026-04-01")));
    let now = t("2026-04-10T12:00:00+08:00");
    let board = dashboard::dashboard(ScopeKind::Region, "rg", "区域", &estates, march, now);
    assert_eq!(board.to, d("2026-03-31"));
    let a = &board.estates[0].figures;
    let get = |f: &dashboard::Figures, m: Measure| {
        f.measures
            .iter()
            .find(|k| k.measure == m)
            .map(|k| (k.numerator, k.denominator, k.met))
            .expect("measure")
    };
    // (measure, estate a, both estates)
    let table = [
        (
            Measure::ComplaintResponseOnTime,
            (1, 2, Some(false)),
            (1, 2, Some(false)),
        ),
        (
            Measure::ComplaintCalledBack,
            (2, 2, Some(true)),
            (2, 2, Some(true)),
        ),
        (
            Measure::ComplaintClosed,
            (1, 2, Some(false)),
            (1, 2, Some(false)),
        ),
        // cmsk: satisfied over all complaints.
        (
            Measure::ComplaintSatisfaction,
            (1, 2, Some(false)),
            (1, 2, Some(false)),
        ),
        (
            Measure::RepairResponseOnTime,
            (1, 1, Some(true)),
            (1, 2, Some(false)),
        ),
        (
            Measure::RepairCalledBack,
            (0, 1, Some(false)),
            (0, 2, Some(false)),
        ),
        (
            Measure::SpecialServiceCalledBack,
            (0, 0, None),
            (0, 0, None),
        ),
        // One of the two households, in the round that holds March 31.
        (
            Measure::VisitCoverage,
            (1, 2, Some(false)),
            (1, 4, Some(false)),
        ),
    ];
    for (m, estate_a, both) in table {
        assert_eq!(get(a, m), estate_a, "estate a: {m:?}");
        assert_eq!(get(&board.total, m), both, "both: {m:?}");
    }
    let complaints = a
        .by_category
        .iter()
        .find(|(c, _)| *c == Category::Complaint);
    assert_eq!(
        complaints,
        Some(&(Category::Complaint, 2)),
        "April's is left out"
    );
    assert_eq!(a.by_category.len(), 14);
    let channel = |f: &dashboard::Figures, c: &str| {
        f.by_channel.iter().find(|(k, _)| k == c).map(|(_, n)| *n)
    };
    assert_eq!(channel(&board.total, "web_form"), Some(2));
    assert_eq!(channel(&board.total, "walk_in"), Some(1));
    assert_eq!(channel(&board.total, "phone"), Some(1));
    // Open work at April 10 among the orders reported by the period's end: r1 (26 days, at
    // the department supervisor), r2 (21 days) and c2, back at work since its callback scored
    // 2 (D-9); April's c3 is not the month's.
    assert_eq!(board.total.open_by_age, vec![0, 0, 0, 0, 3]);
    let level = |l: Escalation| {
        board
            .total
            .open_by_level
            .iter()
            .find(|(k, _)| *k == l)
            .map(|(_, n)| *n)
    };
    assert_eq!(level(Escalation::DepartmentSupervisor), Some(1));
    assert_eq!(level(Escalation::None), Some(2));
    assert_eq!(board.total.visits, 1);
    assert_eq!(
        board.total.coverage.important,
        Share {
            visited: 1,
            households: 2
        }
    );
    let refs = |list: &[dashboard::OrderLine]| {
        let mut r: Vec<String> = list.iter().map(|l| l.reference.clone()).collect();
        r.sort();
        r
    };
    assert_eq!(refs(&board.unclosed), ["ref-c2", "ref-r1", "ref-r2"]);
    assert_eq!(refs(&board.unsatisfied), ["ref-c2"]);

    let drill = dashboard::drill(Measure::RepairResponseOnTime, &estates, march, now);
    assert_eq!(refs(&drill.numerator), ["ref-r1"]);
    assert_eq!(refs(&drill.denominator), ["ref-r1", "ref-r2"]);
    let drill = dashboard::drill(Measure::VisitCoverage, &estates, march, now);
    assert_eq!(drill.households, Some((1, 4)));
}

#[test]
fn estates_under_different_targets_sum_without_one() {
    let estates = fixture("crland");
    let march = (d("2026-03-01"), d("2026-04-01"));
    let board = dashboard::dashboard(
        ScopeKind::Company,
        "",
        "公司",
        &estates,
        march,
        t("2026-04-10T12:00:00+08:00"),
    );
    let k = board
        .total
        .measures
        .iter()
        .find(|k| k.measure == Measure::RepairResponseOnTime)
        .expect("measure");
    assert_eq!(
        (k.numerator, k.denominator, k.target, k.met),
        (1, 2, None, None)
    );
}

#[test]
fn periods() {
    let today = d("2026-05-20");
    let table = [
        (PeriodKind::ThisMonth, ("2026-05-01", "2026-06-01")),
        (PeriodKind::LastMonth, ("2026-04-01", "2026-05-01")),
        (PeriodKind::Quarter, ("2026-04-01", "2026-07-01")),
        (PeriodKind::HalfYear, ("2026-01-01", "2026-07-01")),
        (PeriodKind::Year, ("2026-01-01", "2027-01-01")),
    ];
    for (kind, (from, to)) in table {
        assert_eq!(
            dashboard::period_range(kind, today, None, None).expect("period"),
            (d(from), d(to)),
            "{kind:?}"
        );
    }
    let january = dashboard::period_range(PeriodKind::LastMonth, d("2026-01-15"), None, None);
    assert_eq!(january.expect("period"), (d("2025-12-01"), d("2026-01-01")));
    let custom = dashboard::period_range(
        PeriodKind::Custom,
        today,
        Some(d("2026-02-03")),
        Some(d("2026-02-05")),
    );
    assert_eq!(custom.expect("custom"), (d("2026-02-03"), d("2026-02-06")));
    let backwards = dashboard::period_range(
        PeriodKind::Custom,
        today,
        Some(d("2026-02-05")),
        Some(d("2026-02-03")),
    );
    assert_eq!(backwards.map_err(|e| e.field), Err("to".to_string()));
    let missing = dashboard::period_range(PeriodKind::Custom, today, None, None);
    assert_eq!(missing.map_err(|e| e.field), Err("from".to_string()));
    // Hostile ranges: longer than the limit, and years chrono's date arithmetic would
    // overflow on — refused by field, never a panic.
    let long = dashboard::period_range(
        PeriodKind::Custom,
        today,
        Some(d("2025-01-01")),
        Some(d("2026-02-05")),
    );
    assert_eq!(long.map_err(|e| e.field), Err("to".to_string()));
    let far = NaiveDate::MAX;
    let overflow = dashboard::period_range(PeriodKind::Custom, today, Some(far), Some(far));
    assert_eq!(overflow.map_err(|e| e.field), Err("from".to_string()));
    let before = NaiveDate::MIN;
    let early = dashboard::period_range(PeriodKind::Custom, today, Some(before), Some(today));
    assert_eq!(early.map_err(|e| e.field), Err("from".to_string()));
    assert_eq!(
        dashboard::month_range("2999-12").map_err(|e| e.field),
        Err("month".to_string())
    );
    let months = dashboard::last_twelve_months(today);
    assert_eq!(months.len(), 12);
    assert_eq!(months[0], (d("2025-06-01"), d("2025-07-01")));
    assert_eq!(months[11], (d("2026-05-01"), d("2026-06-01")));
}

/// "Today" is the estate's own date whatever offset `now` comes in: a server passes UTC, and
/// at 07:30 on 1 July in Beijing it is still 30 June in UTC — the new half-year's round (cmsk,
/// V-1) and its first visit must count already.
#[test]
fn today_is_the_estates_date_not_utcs() {
    let visit = Visit {
        id: "v1".into(),
        household_id: "h1".into(),
        at: t("2026-07-01T07:00:00+08:00"),
        actor: "s".into(),
        method: VisitMethod::Door,
        not_home: false,
        note: String::new(),
    };
    let e = estate("a", "cmsk", vec![], vec![visit]);
    let now = t("2026-06-30T23:30:00+00:00");
    let f = dashboard::figures(
        &e,
        t("2026-07-01T00:00:00+08:00"),
        t("2026-08-01T00:00:00+08:00"),
        now,
    );
    let visited = f
        .measures
        .iter()
        .find(|k| k.measure == Measure::VisitCoverage)
        .map(|k| (k.numerator, k.denominator));
    assert_eq!(
        visited,
        Some((1, 2)),
        "the visit of the estate's today counts"
    );
}

/// A week's report: the dashboard's own figures over Monday to Sunday in the estate's offset,
/// the week's complaints and patrol findings, and the orders a failed callback reopened in
/// the week whenever they were reported.
#[test]
fn a_weeks_report_counts_its_days_and_lists_what_was_reopened_in_it() {
    use EventBody::*;
    use anju_shared::reporting;
    let a = estate(
        "a",
        "cmsk",
        vec![
            // Just after midnight on the Monday in Beijing (still Sunday in UTC): in.
            order(
                "c1",
                Category::Complaint,
                "phone",
                "2026-03-09T00:10:00+08:00",
                vec![],
            ),
            // The Sunday before: out.
            order(
                "c0",
                Category::Complaint,
                "phone",
                "2026-03-08T23:50:00+08:00",
                vec![],
            ),
            // Reported the week before, reopened in this one by a very unsatisfied callback.
            order(
                "r0",
                Category::Repair,
                "phone",
                "2026-03-02T10:00:00+08:00",
                vec![
                    (Responded, "2026-03-02T10:20:00+08:00"),
                    (Completed, "2026-03-03T10:00:00+08:00"),
                    (EventBody::callback(1), "2026-03-09T10:30:00+08:00"),
                ],
            ),
            // Called back satisfied in the week: nothing to rectify.
            order(
                "r1",
                Category::Repair,
                "phone",
                "2026-03-04T10:00:00+08:00",
                vec![
                    (Completed, "2026-03-04T15:00:00+08:00"),
                    (EventBody::callback(5), "2026-03-10T10:30:00+08:00"),
                ],
            ),
            // Patrol findings made orders: the Sunday night is in, the next Monday is not.
            order(
                "p1",
                Category::Environment,
                "patrol",
                "2026-03-15T23:00:00+08:00",
                vec![],
            ),
            order(
                "p2",
                Category::Environment,
                "patrol",
                "2026-03-16T00:00:00+08:00",
                vec![],
            ),
        ],
        vec![],
    );
    let range = reporting::week_range("2026-W11").expect("week");
    assert_eq!(range, (d("2026-03-09"), d("2026-03-16")));
    let now = t("2026-03-20T12:00:00+08:00");
    let estates = [a];
    let week = reporting::weekly(
        (ScopeKind::Estate, "a", "甲"),
        "2026-W11",
        &estates,
        range,
        now,
    );
    let ids = |list: &[dashboard::OrderLine]| -> Vec<String> {
        list.iter().map(|o| o.id.clone()).collect()
    };
    assert_eq!(ids(&week.complaints), ["c1"]);
    assert_eq!(ids(&week.reopened), ["r0"]);
    assert_eq!(ids(&week.patrol_findings), ["p1"]);
    let by = |c: Category| {
        week.dashboard
            .total
            .by_category
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, n)| *n)
    };
    assert_eq!(by(Category::Complaint), Some(1));
    assert_eq!(by(Category::Environment), Some(1));
    assert_eq!(by(Category::Repair), Some(0));
    assert_eq!(
        (week.dashboard.from, week.dashboard.to),
        (d("2026-03-09"), d("2026-03-15"))
    );
    assert_eq!(
        week.dashboard,
        dashboard::dashboard(ScopeKind::Estate, "a", "甲", &estates, range, now),
        "the week's figures are the dashboard's"
    );
}
