//! The reports managers hand in, beside the dashboard: the list of monthly statistics reports
//! (月度客户信息统计分析表, 000 4.3.6) with where each stands and when it is due, and the weekly
//! complaint, order and rectification report (《客户投诉、报事、整改周报》, 004 006-4.5.2.1) of an
//! ISO week. The weekly figures are the dashboard's own ([`dashboard::dashboard`] over the
//! week's dates), so a week and a month are counted by one function.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::dashboard::{
    self, Dashboard, EstateData, OrderLine, ReportStatus, ScopeKind, in_period, in_years, line,
    start_of,
};
use crate::model::{Category, Channel, labelled_enum};

type Time = chrono::DateTime<chrono::FixedOffset>;

labelled_enum! {
    /// Where a month's report stands in the list: nobody has opened it yet (no row is kept),
    /// a draft (the server's clock opens one for every estate once the month is over), or
    /// submitted.
    ListStatus {
        NotStarted = "not_started", "未开始", "Not started";
        Draft = "draft", "草稿", "Draft";
        Submitted = "submitted", "已提交", "Submitted";
    }
}

impl From<ReportStatus> for ListStatus {
    fn from(s: ReportStatus) -> Self {
        match s {
            ReportStatus::Draft => ListStatus::Draft,
            ReportStatus::Submitted => ListStatus::Submitted,
        }
    }
}

/// The most months a list goes back.
pub const MAX_MONTHS: u32 = 36;

/// A local date's month, written `2026-03`.
pub fn month_of(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

/// The month before the one that holds `today`: the latest month that is over, whose report
/// is the one being written.
pub fn last_month(today: NaiveDate) -> String {
    let (first, _) = crate::coverage::round(1, today);
    month_of(first - Duration::days(1))
}

/// The `n` months that are over, newest first, ending with [`last_month`].
pub fn recent_months(today: NaiveDate, n: u32) -> Vec<String> {
    let mut out = Vec::new();
    let mut first = crate::coverage::round(1, today).0;
    for _ in 0..n.clamp(1, MAX_MONTHS) {
        let day = first - Duration::days(1);
        out.push(month_of(day));
        first = crate::coverage::round(1, day).0;
    }
    out
}

/// Whether a report due on `due` is late on `today`: due "by" that day, so late from the
/// day after, until it is submitted.
pub fn overdue(status: ListStatus, due: NaiveDate, today: NaiveDate) -> bool {
    status != ListStatus::Submitted && today > due
}

/// One line of the list: an estate's month, or a region's or the company's roll-up of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    pub scope: ScopeKind,
    /// The estate's or region's id; empty for the company.
    pub id: String,
    pub name: String,
    /// `2026-03`.
    pub month: String,
    pub status: ListStatus,
    pub due: NaiveDate,
    pub overdue: bool,
    /// A roll-up's estates: how many submitted, of how many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted: Option<(u32, u32)>,
    /// When the estate's report was last saved (UTC ms), by a person or by the clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_ms: Option<i64>,
}

/// `GET /api/reports`: the scope's monthly reports, newest month first; in each month the
/// roll-up (for a region or the company) and then each estate by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportList {
    pub scope: ScopeKind,
    pub id: String,
    pub name: String,
    /// The scope's own date the list was judged on.
    pub today: NaiveDate,
    pub rows: Vec<ReportRow>,
}

/// A report as stored: an estate's month, its status and when it was saved.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub estate_id: String,
    pub month: String,
    pub status: ReportStatus,
    pub updated_ms: i64,
}

/// The list of a scope's reports for `months` (as [`recent_months`] gives them): each estate
/// (id, name) with the status of its stored report or "not started", due the 5th of the next
/// month; a region or the company adds its roll-up, due the 10th, which stands where its
/// estates do — submitted when every one is, not started while none is begun, a draft
/// otherwise.
pub fn report_list(
    (scope, id, name): (ScopeKind, &str, &str),
    estates: &[(String, String)],
    stored: &[Stored],
    months: &[String],
    today: NaiveDate,
) -> ReportList {
    let mut estates: Vec<&(String, String)> = estates.iter().collect();
    estates.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let mut rows = Vec::new();
    for month in months {
        let Ok((_, end)) = dashboard::month_range(month) else {
            continue;
        };
        let last_day = end - Duration::days(1);
        let lines: Vec<ReportRow> = estates
            .iter()
            .map(|(eid, ename)| {
                let kept = stored
                    .iter()
                    .find(|s| s.estate_id == *eid && s.month == *month);
                let status = kept.map_or(ListStatus::NotStarted, |s| s.status.into());
                let due = dashboard::report_due(ScopeKind::Estate, last_day);
                ReportRow {
                    scope: ScopeKind::Estate,
                    id: eid.clone(),
                    name: ename.clone(),
                    month: month.clone(),
                    status,
                    due,
                    overdue: overdue(status, due, today),
                    submitted: None,
                    updated_ms: kept.map(|s| s.updated_ms),
                }
            })
            .collect();
        if scope != ScopeKind::Estate {
            let done = lines
                .iter()
                .filter(|r| r.status == ListStatus::Submitted)
                .count();
            let begun = lines
                .iter()
                .filter(|r| r.status != ListStatus::NotStarted)
                .count();
            let status = if !lines.is_empty() && done == lines.len() {
                ListStatus::Submitted
            } else if begun == 0 {
                ListStatus::NotStarted
            } else {
                ListStatus::Draft
            };
            let due = dashboard::report_due(scope, last_day);
            let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
            rows.push(ReportRow {
                scope,
                id: id.to_string(),
                name: name.to_string(),
                month: month.clone(),
                status,
                due,
                overdue: overdue(status, due, today),
                submitted: Some((n(done), n(lines.len()))),
                updated_ms: None,
            });
        }
        rows.extend(lines);
    }
    ReportList {
        scope,
        id: id.to_string(),
        name: name.to_string(),
        today,
        rows,
    }
}

/// An ISO week written `2026-W10`: its Monday and the Monday after, `[from, to)`.
pub fn week_range(week: &str) -> Result<(NaiveDate, NaiveDate), FieldError> {
    let bad = || FieldError::new("week", "not an ISO week like 2026-W10");
    let (year, number) = week.split_once("-W").ok_or_else(bad)?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(number, 2) {
        return Err(bad());
    }
    let year: i32 = year.parse().map_err(|_| bad())?;
    let number: u32 = number.parse().map_err(|_| bad())?;
    let monday = NaiveDate::from_isoywd_opt(year, number, Weekday::Mon)
        .ok_or_else(|| FieldError::new("week", format!("{year} has no week {number}")))?;
    let monday = in_years("week", monday)?;
    Ok((monday, monday + Duration::days(7)))
}

/// The ISO week that holds a date, written `2026-W10` (the week's year, which at a year's
/// turn may differ from the date's).
pub fn week_of(day: NaiveDate) -> String {
    let w = day.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// The week before the one that holds `today`: the latest week that is over.
pub fn last_week(today: NaiveDate) -> String {
    week_of(today - Duration::days(7))
}

/// `GET /api/reports/weekly`: a scope's week — the dashboard's figures for it (orders by
/// category and channel, complaints by validity and severity, open work) and the lists the
/// quality centre reads: every complaint of the week, the orders not closed, and the
/// rectification items — orders reopened in the week by a failed callback (D-9) and patrol
/// findings made orders (V-3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeeklyReport {
    /// `2026-W10`.
    pub week: String,
    /// When it is due at the quality centre: the Monday after the week. The rulebook asks
    /// that the weekly report reach it on time (004 4.5.2.1, checked monthly) without naming
    /// the day; the first day after the week is the one a late report is judged by.
    pub due: NaiveDate,
    pub dashboard: Dashboard,
    pub complaints: Vec<OrderLine>,
    pub reopened: Vec<OrderLine>,
    pub patrol_findings: Vec<OrderLine>,
}

/// Whether the order was sent back to work in `[from, to)`: by a failed callback (the fold
/// reopens the order at such a callback, D-9) or by a person (a supervisor's reopening).
fn reopened_in(o: &crate::order::OrderState, from: Time, to: Time) -> bool {
    o.callbacks
        .iter()
        .any(|c| c.fails() && from <= c.at && c.at < to)
        || o.reopenings.iter().any(|(at, ..)| from <= *at && *at < to)
}

/// The weekly report of a scope for the local dates `[from, to)` (a week from
/// [`week_range`]), each estate in its own offset, open work judged at `now`. The estates'
/// orders must include those called back in the week whenever reported.
pub fn weekly(
    (scope, id, name): (ScopeKind, &str, &str),
    week: &str,
    estates: &[EstateData],
    range: (NaiveDate, NaiveDate),
    now: Time,
) -> WeeklyReport {
    let board = dashboard::dashboard(scope, id, name, estates, range, now);
    let mut complaints = Vec::new();
    let mut reopened = Vec::new();
    let mut patrol_findings = Vec::new();
    for e in estates {
        let offset = e.calendar.utc_offset;
        let (f, t) = (start_of(range.0, offset), start_of(range.1, offset));
        for (i, o) in e.orders.iter().enumerate() {
            let reported = in_period(o, f, t);
            if reported && o.category == Category::Complaint {
                complaints.push(line(e, i));
            }
            if reopened_in(o, f, t) {
                reopened.push(line(e, i));
            }
            if reported && o.channel == Channel::Patrol.as_str() {
                patrol_findings.push(line(e, i));
            }
        }
    }
    for list in [&mut complaints, &mut reopened, &mut patrol_findings] {
        list.sort_by(|a, b| a.reported_at.cmp(&b.reported_at).then(a.id.cmp(&b.id)));
    }
    WeeklyReport {
        week: week.to_string(),
        due: range.1,
        dashboard: board,
        complaints,
        reopened,
        patrol_findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn weeks_are_iso_weeks_monday_to_sunday() {
        for (week, monday) in [
            ("2026-W01", "2025-12-29"),
            ("2026-W10", "2026-03-02"),
            ("2026-W53", "2026-12-28"),
            ("2027-W01", "2027-01-04"),
            ("2021-W01", "2021-01-04"),
            ("2020-W53", "2020-12-28"),
        ] {
            let (from, to) = week_range(week).expect(week);
            assert_eq!(
                (from, to),
                (d(monday), d(monday) + Duration::days(7)),
                "{week}"
            );
            assert_eq!(week_of(from), week, "{week}'s Monday");
            assert_eq!(week_of(to - Duration::days(1)), week, "{week}'s Sunday");
        }
    }

    #[test]
    fn a_dates_week_at_the_years_turn_is_the_weeks_year() {
        for (day, week) in [
            ("2026-01-01", "2026-W01"),
            ("2025-12-29", "2026-W01"),
            ("2025-12-28", "2025-W52"),
            ("2027-01-01", "2026-W53"),
            ("2027-01-03", "2026-W53"),
            ("2027-01-04", "2027-W01"),
            ("2021-01-03", "2020-W53"),
        ] {
            assert_eq!(week_of(d(day)), week, "{day}");
        }
        assert_eq!(last_week(d("2026-01-05")), "2026-W01");
        assert_eq!(last_week(d("2026-01-04")), "2025-W52");
        assert_eq!(last_week(d("2027-01-04")), "2026-W53");
    }

    #[test]
    fn a_bad_week_is_refused_by_name() {
        for bad in [
            "",
            "2026-10",
            "2026W10",
            "2026-W1",
            "2026-W100",
            "26-W10",
            "2026-w10",
            "2026-W00",
            "2025-W53",
            "2026-W54",
            "1999-W10",
            "2101-W10",
            "２026-W10",
        ] {
            let e = week_range(bad).expect_err(bad);
            assert_eq!(e.field, "week", "{bad}");
        }
    }

    #[test]
    fn months_due_dates_and_lateness() {
        assert_eq!(last_month(d("2026-03-01")), "2026-02");
        assert_eq!(last_month(d("2026-01-31")), "2025-12");
        assert_eq!(
            recent_months(d("2026-02-10"), 3),
            ["2026-01", "2025-12", "2025-11"]
        );
        assert_eq!(recent_months(d("2026-02-10"), 0), ["2026-01"]);
        assert_eq!(
            recent_months(d("2026-02-10"), 99).len(),
            MAX_MONTHS as usize
        );
        for (month, scope, due) in [
            ("2026-02", ScopeKind::Estate, "2026-03-05"),
            ("2026-02", ScopeKind::Region, "2026-03-10"),
            ("2025-12", ScopeKind::Estate, "2026-01-05"),
            ("2025-12", ScopeKind::Company, "2026-01-10"),
            ("2024-02", ScopeKind::Estate, "2024-03-05"),
        ] {
            let (_, end) = dashboard::month_range(month).expect(month);
            assert_eq!(
                dashboard::report_due(scope, end - Duration::days(1)),
                d(due),
                "{month} {scope:?}"
            );
        }
        let due = d("2026-03-05");
        assert!(!overdue(ListStatus::Draft, due, d("2026-03-05")));
        assert!(overdue(ListStatus::Draft, due, d("2026-03-06")));
        assert!(overdue(ListStatus::NotStarted, due, d("2026-04-01")));
        assert!(!overdue(ListStatus::Submitted, due, d("2026-04-01")));
    }

    fn stored(estate: &str, month: &str, status: ReportStatus) -> Stored {
        Stored {
            estate_id: estate.into(),
            month: month.into(),
            status,
            updated_ms: 1,
        }
    }

    #[test]
    fn a_regions_list_rolls_up_its_estates() {
        let estates = vec![
            ("est-b".to_string(), "兰亭苑".to_string()),
            ("est-a".to_string(), "翠湖".to_string()),
        ];
        let months = recent_months(d("2026-03-08"), 2);
        let list = report_list(
            (ScopeKind::Region, "rg", "南区"),
            &estates,
            &[
                stored("est-a", "2026-02", ReportStatus::Submitted),
                stored("est-b", "2026-02", ReportStatus::Draft),
                stored("est-a", "2026-01", ReportStatus::Submitted),
                stored("est-b", "2026-01", ReportStatus::Submitted),
                stored("est-other", "2026-02", ReportStatus::Submitted),
            ],
            &months,
            d("2026-03-08"),
        );
        let seen: Vec<(ScopeKind, &str, &str, ListStatus, bool)> = list
            .rows
            .iter()
            .map(|r| {
                (
                    r.scope,
                    r.id.as_str(),
                    r.month.as_str(),
                    r.status,
                    r.overdue,
                )
            })
            .collect();
        use ListStatus::*;
        assert_eq!(
            seen,
            [
                (ScopeKind::Region, "rg", "2026-02", Draft, false),
                (ScopeKind::Estate, "est-b", "2026-02", Draft, true),
                (ScopeKind::Estate, "est-a", "2026-02", Submitted, false),
                (ScopeKind::Region, "rg", "2026-01", Submitted, false),
                (ScopeKind::Estate, "est-b", "2026-01", Submitted, false),
                (ScopeKind::Estate, "est-a", "2026-01", Submitted, false),
            ]
        );
        assert_eq!(list.rows[0].submitted, Some((1, 2)));
        assert_eq!(list.rows[0].due, d("2026-03-10"));
        assert_eq!(list.rows[1].due, d("2026-03-05"));

        let none = report_list(
            (ScopeKind::Estate, "est-a", "翠湖"),
            &estates[1..],
            &[],
            &months,
            d("2026-04-01"),
        );
        assert!(
            none.rows
                .iter()
                .all(|r| r.status == NotStarted && r.overdue && r.scope == ScopeKind::Estate),
            "{none:?}"
        );
        assert_eq!(none.rows.len(), 2);
    }
}
