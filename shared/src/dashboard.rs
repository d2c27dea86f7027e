//! The manager's dashboard, its drill-down and trends, and the monthly statistics report
//! (月度客户信息统计分析表, 000 4.3.6): the request and answer bodies the API and the app
//! share, and the pure figures behind them — the measures of §6 by [`crate::kpi`] over the
//! folded orders of each estate, summed over a region or a company, the counts by category
//! (C-1) and channel, open work by age and escalation level, visit coverage (V-1), and the
//! unclosed and unsatisfied orders. One function gives the dashboard, the report and the
//! workbook their figures, so they cannot disagree.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::calendar::Calendar;
use crate::coverage::{self, Coverage, Filter, Home, Visit};
use crate::kpi::{self, Kpi, KpiInput, Measure};
use crate::model::{Category, Channel, Escalation, Severity, labelled_enum};
use crate::order::{OrderState, Status};
use crate::policy::Policy;
use crate::sla::OrderFacts;

type Time = DateTime<FixedOffset>;

labelled_enum! {
    /// The periods a manager picks.
    PeriodKind {
        ThisMonth = "this_month", "本月", "This month";
        LastMonth = "last_month", "上月", "Last month";
        Quarter = "quarter", "本季度", "This quarter";
        HalfYear = "half_year", "本半年", "This half-year";
        Year = "year", "本年", "This year";
        Custom = "custom", "自定义", "Custom";
    }
}

labelled_enum! {
    /// What the figures are summed over.
    ScopeKind {
        Estate = "estate", "项目", "Estate";
        Region = "region", "区域", "Region";
        Company = "company", "公司", "Company";
    }
}

labelled_enum! {
    /// Where an estate's monthly report stands.
    ReportStatus {
        Draft = "draft", "草稿", "Draft";
        Submitted = "submitted", "已提交", "Submitted";
    }
}

/// The longest analysis or measures text of a monthly report, in characters.
pub const REPORT_TEXT_MAX: usize = 4000;

/// What an estate writes about its month, as kept with the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportNote {
    pub estate_id: String,
    pub analysis: String,
    pub measures: String,
    pub status: ReportStatus,
    /// Who saved it last (a staff id) and when (UTC ms).
    pub updated_by: String,
    pub updated_ms: i64,
}

/// `PUT /api/estates/{id}/reports/{month}`: the estate's analysis and measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportChange {
    pub analysis: String,
    pub measures: String,
    pub status: ReportStatus,
}

impl ReportChange {
    /// Refuses a text over [`REPORT_TEXT_MAX`] characters, naming the field.
    pub fn check(&self) -> Result<(), FieldError> {
        for (field, text) in [("analysis", &self.analysis), ("measures", &self.measures)] {
            if text.chars().count() > REPORT_TEXT_MAX {
                return Err(FieldError::new(
                    field,
                    format!("at most {REPORT_TEXT_MAX} characters"),
                ));
            }
        }
        Ok(())
    }
}

/// `GET /api/reports/monthly`: the month's figures of a scope (the same as the dashboard's
/// for that month) with what each estate wrote, and when it is due: an estate's by the 5th
/// of the next month, a region's or the company's by the 10th (000 4.3.6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlyReport {
    /// `2026-03`.
    pub month: String,
    pub due: NaiveDate,
    pub dashboard: Dashboard,
    pub notes: Vec<ReportNote>,
    /// The major customer events' special reports (C-6) saved in the month, with their
    /// timelines.
    #[serde(default)]
    pub special_reports: Vec<crate::complaint::SavedReport>,
}

/// The dates `[from, to)` of a month written `2026-03`.
pub fn month_range(month: &str) -> Result<(NaiveDate, NaiveDate), FieldError> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| month.len() == 7)
        .ok_or_else(|| FieldError::new("month", "not a month like 2026-03"))?;
    Ok(coverage::round(1, in_years("month", first)?))
}

/// A date of the years a stored time may have (2000–2100, as `arrival` bounds every event
/// time): a period outside them holds nothing, and a far year would overflow date arithmetic.
pub(crate) fn in_years(field: &str, day: NaiveDate) -> Result<NaiveDate, FieldError> {
    if (2000..=2100).contains(&day.year()) {
        Ok(day)
    } else {
        Err(FieldError::new(field, "outside the years 2000 to 2100"))
    }
}

/// When a month's report is due: the 5th of the next month for an estate, the 10th for a
/// region or the company.
pub fn report_due(scope: ScopeKind, month_end: NaiveDate) -> NaiveDate {
    let day = if scope == ScopeKind::Estate { 5 } else { 10 };
    month_end + Duration::days(day)
}

/// `GET /api/kpi/scopes`: what the caller may sum figures over — each estate they see, each
/// region all of whose estates they see, and the company when they see all of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scopes {
    pub estates: Vec<(String, String)>,
    pub regions: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
}

/// The longest custom period, in days.
pub const MAX_DAYS: i64 = 400;

/// `GET /api/kpi`, `/api/kpi/orders`, `/api/kpi/trend` and the report's query string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardQuery {
    pub scope: ScopeKind,
    /// The estate's or region's id; empty for the company.
    #[serde(default)]
    pub id: String,
    #[serde(default = "last_month")]
    pub period: PeriodKind,
    /// With `custom`: the first and the last day, both included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// For the drill-down: the measure whose orders to list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
}

fn last_month() -> PeriodKind {
    PeriodKind::LastMonth
}

/// The local dates `[from, to)` of a period on `today`.
pub fn period_range(
    kind: PeriodKind,
    today: NaiveDate,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate), FieldError> {
    let months = |n: u32| coverage::round(n, today);
    Ok(match kind {
        PeriodKind::ThisMonth => months(1),
        PeriodKind::LastMonth => {
            let (start, _) = months(1);
            (coverage::round(1, start - Duration::days(1)).0, start)
        }
        PeriodKind::Quarter => months(3),
        PeriodKind::HalfYear => months(6),
        PeriodKind::Year => months(12),
        PeriodKind::Custom => {
            let from = from.ok_or_else(|| FieldError::new("from", "needed for a custom period"))?;
            let to = to.ok_or_else(|| FieldError::new("to", "needed for a custom period"))?;
            let (from, to) = (in_years("from", from)?, in_years("to", to)?);
            if to < from {
                return Err(FieldError::new("to", "before from"));
            }
            if (to - from).num_days() >= MAX_DAYS {
                return Err(FieldError::new(
                    "to",
                    format!("a period is at most {MAX_DAYS} days"),
                ));
            }
            (from, to + Duration::days(1))
        }
    })
}

/// The `[from, to)` months of the twelve months ending with the one that holds `today`.
pub fn last_twelve_months(today: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::with_capacity(12);
    let mut month = coverage::round(1, today);
    for _ in 0..12 {
        out.push(month);
        month = coverage::round(1, month.0 - Duration::days(1));
    }
    out.reverse();
    out
}

/// Midnight at the start of a local date.
pub fn start_of(day: NaiveDate, offset: FixedOffset) -> Time {
    offset
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .single()
        .unwrap_or_else(|| {
            DateTime::<FixedOffset>::from_naive_utc_and_offset(
                day.and_time(chrono::NaiveTime::MIN),
                offset,
            )
        })
}

/// What one estate brings to the figures.
#[derive(Debug, Clone)]
pub struct EstateData {
    pub id: String,
    pub name: String,
    pub policy: Policy,
    pub calendar: Calendar,
    /// The estate's orders reported in the period, and those still open whenever reported.
    pub orders: Vec<OrderState>,
    /// Each order's reference number, parallel to `orders`.
    pub references: Vec<String>,
    /// Every household (id, important).
    pub homes: Vec<(String, bool)>,
    /// Every visit of the estate.
    pub visits: Vec<Visit>,
}

/// One order in a list: enough to find it and judge it, no contact data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    pub id: String,
    pub estate_id: String,
    pub estate: String,
    pub reference: String,
    pub category: Category,
    pub channel: String,
    pub status: Status,
    pub reported_at: Time,
    pub location: String,
    pub text: String,
    pub escalated: Escalation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
    /// C-4: `Some(true)` valid, `Some(false)` invalid, `None` not judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<bool>,
}

/// The figures of one estate (or of the scope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub measures: Vec<Kpi>,
    /// The 14 categories of C-1, in their order, each with its count (zeros included).
    pub by_category: Vec<(Category, u32)>,
    /// Every channel of [`Channel`] in its order, then any other value seen.
    pub by_channel: Vec<(String, u32)>,
    /// Complaints judged valid, invalid, and not yet judged (C-4).
    pub complaints_valid: u32,
    pub complaints_invalid: u32,
    pub complaints_unjudged: u32,
    /// Complaints by the highest severity recorded (C-5), in [`Severity::ALL`] order.
    pub complaints_by_severity: Vec<(Severity, u32)>,
    /// Visits made in the period, and attempts (nobody at home).
    pub visits: u32,
    pub visit_attempts: u32,
    /// Coverage of the current round at the period's last day (V-1).
    pub coverage: Coverage,
    /// Open orders (not completed) by age at `now`, in [`AGE_BANDS`] order.
    pub open_by_age: Vec<u32>,
    /// Open orders by the escalation level recorded, in [`Escalation::ALL`] order.
    pub open_by_level: Vec<(Escalation, u32)>,
}

/// The age bands of open work, in days: `[0, 1)`, `[1, 3)`, `[3, 7)`, `[7, 15)`, `[15, ∞)`.
pub const AGE_BANDS: [(i64, &str, &str); 5] = [
    (0, "1天内", "Under a day"),
    (1, "1–3天", "1–3 days"),
    (3, "3–7天", "3–7 days"),
    (7, "7–15天", "7–15 days"),
    (15, "15天以上", "Over 15 days"),
];

/// One estate's row of a scope's dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstateRow {
    pub id: String,
    pub name: String,
    pub figures: Figures,
}

/// `GET /api/kpi`: the scope's figures for the period, and each estate's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub scope: ScopeKind,
    pub id: String,
    pub name: String,
    pub from: NaiveDate,
    /// The period's last day (included).
    pub to: NaiveDate,
    pub total: Figures,
    pub estates: Vec<EstateRow>,
    /// Orders of the period not closed, and those called back with a score under 4 —
    /// what the monthly report asks the estate to analyse (000 4.3.6).
    pub unclosed: Vec<OrderLine>,
    pub unsatisfied: Vec<OrderLine>,
}

/// `GET /api/kpi/orders`: the orders behind a measure's numerator and denominator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drill {
    pub measure: Measure,
    pub numerator: Vec<OrderLine>,
    pub denominator: Vec<OrderLine>,
    /// Set when a side counts households rather than orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub households: Option<(u32, u32)>,
}

/// One month of a trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendMonth {
    /// `2026-03`.
    pub month: String,
    pub measures: Vec<Kpi>,
    pub by_category: Vec<(Category, u32)>,
    pub by_channel: Vec<(String, u32)>,
}

/// `GET /api/kpi/trend`: the last twelve months.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    pub months: Vec<TrendMonth>,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(crate) fn in_period(o: &OrderState, from: Time, to: Time) -> bool {
    from <= o.reported_at && o.reported_at < to
}

/// The coverage of the round at `day` (V-1).
fn coverage_at(e: &EstateData, day: NaiveDate) -> Coverage {
    let homes: Vec<Home<'_>> = e
        .homes
        .iter()
        .map(|(id, important)| Home {
            id,
            important: *important,
            moved_in: None,
        })
        .collect();
    let statuses = coverage::statuses(&e.policy.visits, &homes, &e.visits, &Filter::default(), day);
    coverage::coverage(&homes, &statuses)
}

/// The estate's own date at `now`, whatever offset `now` is given in (a server passes UTC:
/// at 07:00 in Beijing it is still yesterday there).
fn today(e: &EstateData, now: Time) -> NaiveDate {
    now.with_timezone(&e.calendar.utc_offset).date_naive()
}

/// The figures of one estate for `[from, to)`, open work judged at `now`.
pub fn figures(e: &EstateData, from: Time, to: Time, now: Time) -> Figures {
    let facts: Vec<OrderFacts> = e.orders.iter().map(OrderState::facts).collect();
    let last_day = (to - Duration::days(1)).date_naive();
    let cov = coverage_at(e, last_day.min(today(e, now)));
    let input = KpiInput {
        policy: &e.policy,
        calendar: &e.calendar,
        orders: &facts,
        from,
        to,
        now: now.min(to),
        households: Some(cov.all.households),
        visited_households: Some(cov.all.visited),
    };
    let mut measures = kpi::all(&input);
    // V-1 judges each tier against its own round (crland: important customers all in a
    // quarter, the others 80% a year): the same verdict as the site map's, not the pooled
    // share against one number.
    for k in measures.iter_mut() {
        if k.measure == kpi::Measure::VisitCoverage && cov.all.households > 0 {
            k.met = Some(cov.met(&e.policy.visits));
        }
    }
    let period: Vec<&OrderState> = e.orders.iter().filter(|o| in_period(o, from, to)).collect();
    let (by_category, by_channel) = counts(&period);
    let complaints: Vec<&&OrderState> = period
        .iter()
        .filter(|o| o.category == Category::Complaint)
        .collect();
    let judged = |valid: bool| {
        count(
            complaints
                .iter()
                .filter(|o| {
                    o.assessment
                        .validity
                        .is_some_and(|v| (v == crate::model::Validity::Valid) == valid)
                })
                .count(),
        )
    };
    let complaints_valid = judged(true);
    let complaints_invalid = judged(false);
    let complaints_by_severity = Severity::ALL
        .iter()
        .map(|s| {
            let n = complaints
                .iter()
                .filter(|o| o.graded.unwrap_or(Severity::General) == *s)
                .count();
            (*s, count(n))
        })
        .collect();
    let visited_in = |v: &&Visit| {
        let d = v.at.date_naive();
        from.date_naive() <= d && d < to.date_naive()
    };
    let visits = count(
        e.visits
            .iter()
            .filter(visited_in)
            .filter(|v| !v.not_home)
            .count(),
    );
    let visit_attempts = count(
        e.visits
            .iter()
            .filter(visited_in)
            .filter(|v| v.not_home)
            .count(),
    );
    let open: Vec<&OrderState> = e
        .orders
        .iter()
        .filter(|o| o.status < Status::Completed && o.reported_at < to)
        .collect();
    let mut open_by_age = vec![0u32; AGE_BANDS.len()];
    for o in &open {
        let days = (now - o.reported_at).num_days().max(0);
        let band = AGE_BANDS
            .iter()
            .rposition(|(d, _, _)| days >= *d)
            .unwrap_or(0);
        open_by_age[band] += 1;
    }
    let open_by_level = Escalation::ALL
        .iter()
        .map(|l| (*l, count(open.iter().filter(|o| o.escalated == *l).count())))
        .collect();
    Figures {
        measures,
        by_category,
        by_channel,
        complaints_valid,
        complaints_invalid,
        complaints_unjudged: count(complaints.len())
            .saturating_sub(complaints_valid + complaints_invalid),
        complaints_by_severity,
        visits,
        visit_attempts,
        coverage: cov,
        open_by_age,
        open_by_level,
    }
}

/// Counts by category and by channel.
type Counts = (Vec<(Category, u32)>, Vec<(String, u32)>);

fn counts(orders: &[&OrderState]) -> Counts {
    let by_category = Category::ALL
        .iter()
        .map(|c| {
            (
                *c,
                count(orders.iter().filter(|o| o.category == *c).count()),
            )
        })
        .collect();
    let mut by_channel: Vec<(String, u32)> = Channel::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), 0))
        .collect();
    for o in orders {
        match by_channel.iter_mut().find(|(c, _)| *c == o.channel) {
            Some((_, n)) => *n += 1,
            None => by_channel.push((o.channel.clone(), 1)),
        }
    }
    (by_category, by_channel)
}

/// Sums estates' figures: each measure's numerators and denominators are added (a ratio of
/// sums, not a mean of ratios); the target is kept when every estate has the same one.
pub fn sum(parts: &[&Figures], policies: &[&Policy]) -> Figures {
    let mut total = match parts.first() {
        Some(f) => (*f).clone(),
        None => return empty(policies.first().copied()),
    };
    for f in &parts[1..] {
        for (t, k) in total.measures.iter_mut().zip(&f.measures) {
            t.numerator += k.numerator;
            t.denominator += k.denominator;
        }
        for (t, k) in total.by_category.iter_mut().zip(&f.by_category) {
            t.1 += k.1;
        }
        for (channel, n) in &f.by_channel {
            match total.by_channel.iter_mut().find(|(c, _)| c == channel) {
                Some((_, t)) => *t += n,
                None => total.by_channel.push((channel.clone(), *n)),
            }
        }
        total.complaints_valid += f.complaints_valid;
        total.complaints_invalid += f.complaints_invalid;
        total.complaints_unjudged += f.complaints_unjudged;
        for (t, k) in total
            .complaints_by_severity
            .iter_mut()
            .zip(&f.complaints_by_severity)
        {
            t.1 += k.1;
        }
        total.visits += f.visits;
        total.visit_attempts += f.visit_attempts;
        for (t, k) in [
            (&mut total.coverage.all, f.coverage.all),
            (&mut total.coverage.important, f.coverage.important),
            (&mut total.coverage.ordinary, f.coverage.ordinary),
        ] {
            t.visited += k.visited;
            t.households += k.households;
        }
        for (t, k) in total.open_by_age.iter_mut().zip(&f.open_by_age) {
            *t += k;
        }
        for (t, k) in total.open_by_level.iter_mut().zip(&f.open_by_level) {
            t.1 += k.1;
        }
    }
    for m in &mut total.measures {
        let targets: Vec<_> = policies
            .iter()
            .map(|p| p.target(m.measure.as_str()))
            .collect();
        let same = targets.windows(2).all(|w| w[0] == w[1]);
        *m = Kpi::new_with(
            m.measure,
            m.numerator,
            m.denominator,
            if same {
                targets.first().copied().flatten()
            } else {
                None
            },
        );
    }
    total
}

fn empty(policy: Option<&Policy>) -> Figures {
    Figures {
        measures: Measure::ALL
            .iter()
            .map(|m| Kpi::new_with(*m, 0, 0, policy.and_then(|p| p.target(m.as_str()))))
            .collect(),
        by_category: Category::ALL.iter().map(|c| (*c, 0)).collect(),
        by_channel: Channel::ALL
            .iter()
            .map(|c| (c.as_str().to_string(), 0))
            .collect(),
        complaints_valid: 0,
        complaints_invalid: 0,
        complaints_unjudged: 0,
        complaints_by_severity: Severity::ALL.iter().map(|s| (*s, 0)).collect(),
        visits: 0,
        visit_attempts: 0,
        coverage: Coverage::default(),
        open_by_age: vec![0; AGE_BANDS.len()],
        open_by_level: Escalation::ALL.iter().map(|l| (*l, 0)).collect(),
    }
}

pub(crate) fn line(e: &EstateData, i: usize) -> OrderLine {
    let o = &e.orders[i];
    OrderLine {
        id: o.id.clone(),
        estate_id: e.id.clone(),
        estate: e.name.clone(),
        reference: e.references.get(i).cloned().unwrap_or_default(),
        category: o.category,
        channel: o.channel.clone(),
        status: o.status,
        reported_at: o.reported_at,
        location: o.location.clone(),
        text: o.text.chars().take(120).collect(),
        escalated: o.escalated,
        severity: o.graded,
        score: o
            .milestones
            .iter()
            .find(|(k, _, _)| *k == crate::model::EventKind::CalledBack)
            .and_then(|(_, _, s)| *s),
        valid: o
            .assessment
            .validity
            .map(|v| v == crate::model::Validity::Valid),
    }
}

/// The dashboard of a scope: every estate's figures and their sum, and the orders to
/// analyse. `from`/`to` are local dates `[from, to)`, each estate in its own offset.
pub fn dashboard(
    scope: ScopeKind,
    id: &str,
    name: &str,
    estates: &[EstateData],
    (from, to): (NaiveDate, NaiveDate),
    now: Time,
) -> Dashboard {
    let mut rows = Vec::with_capacity(estates.len());
    let mut unclosed = Vec::new();
    let mut unsatisfied = Vec::new();
    for e in estates {
        let offset = e.calendar.utc_offset;
        let (f, t) = (start_of(from, offset), start_of(to, offset));
        rows.push(EstateRow {
            id: e.id.clone(),
            name: e.name.clone(),
            figures: figures(e, f, t, now),
        });
        for (i, o) in e.orders.iter().enumerate() {
            if !in_period(o, f, t) {
                continue;
            }
            if o.status < Status::Closed {
                unclosed.push(line(e, i));
            }
            let l = line(e, i);
            if l.score.is_some_and(|s| s < 4) {
                unsatisfied.push(l);
            }
        }
    }
    let parts: Vec<&Figures> = rows.iter().map(|r| &r.figures).collect();
    let policies: Vec<&Policy> = estates.iter().map(|e| &e.policy).collect();
    Dashboard {
        scope,
        id: id.to_string(),
        name: name.to_string(),
        from,
        to: to - Duration::days(1),
        total: sum(&parts, &policies),
        estates: rows,
        unclosed,
        unsatisfied,
    }
}

/// The orders behind a measure in the scope for `[from, to)`.
pub fn drill(
    measure: Measure,
    estates: &[EstateData],
    (from, to): (NaiveDate, NaiveDate),
    now: Time,
) -> Drill {
    let mut out = Drill {
        measure,
        numerator: Vec::new(),
        denominator: Vec::new(),
        households: None,
    };
    for e in estates {
        let offset = e.calendar.utc_offset;
        let (f, t) = (start_of(from, offset), start_of(to, offset));
        let facts: Vec<OrderFacts> = e.orders.iter().map(OrderState::facts).collect();
        let cov = coverage_at(e, (t - Duration::days(1)).date_naive().min(today(e, now)));
        let input = KpiInput {
            policy: &e.policy,
            calendar: &e.calendar,
            orders: &facts,
            from: f,
            to: t,
            now: now.min(t),
            households: Some(cov.all.households),
            visited_households: Some(cov.all.visited),
        };
        let m = kpi::members(measure, &input);
        out.numerator
            .extend(m.numerator.orders().iter().map(|&i| line(e, i)));
        out.denominator
            .extend(m.denominator.orders().iter().map(|&i| line(e, i)));
        if let (kpi::Counted::Households(_), _) | (_, kpi::Counted::Households(_)) =
            (&m.numerator, &m.denominator)
        {
            let (n, d) = out.households.unwrap_or((0, 0));
            out.households = Some((n + m.numerator.count(), d + m.denominator.count()));
        }
    }
    out
}

/// Each of the twelve months ending with `today`'s: the measures and counts.
pub fn trend(estates: &[EstateData], today: NaiveDate, now: Time) -> Trend {
    let months = last_twelve_months(today)
        .into_iter()
        .map(|(from, to)| {
            let parts: Vec<Figures> = estates
                .iter()
                .map(|e| {
                    let offset = e.calendar.utc_offset;
                    figures(e, start_of(from, offset), start_of(to, offset), now)
                })
                .collect();
            let refs: Vec<&Figures> = parts.iter().collect();
            let policies: Vec<&Policy> = estates.iter().map(|e| &e.policy).collect();
            let total = sum(&refs, &policies);
            TrendMonth {
                month: from.format("%Y-%m").to_string(),
                measures: total.measures,
                by_category: total.by_category,
                by_channel: total.by_channel,
            }
        })
        .collect();
    Trend { months }
}
