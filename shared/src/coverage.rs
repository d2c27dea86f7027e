//! Visit coverage (V-1, V-2): which households of an estate were visited in a round or a
//! period, how (phone, door, outdoors), which were only tried (nobody at home), which new
//! residents are overdue, and the shares per building and per tier against the policy's
//! rounds. Pure: the site map in the browser and the dashboard on the server count alike.
//!
//! Rounds follow the calendar: a round of `months` (a divisor of 12) is the quarter,
//! half-year or year that holds the day, in the estate's local dates. A household counts
//! as visited when a visit that is not an attempt ("not at home") falls in its round (or
//! the chosen period) on or before today; several visits count once (a round visits no
//! household twice).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::model::{VisitMethod, labelled_enum};
use crate::order::{Event, EventBody};
use crate::policy::VisitRules;

/// A household as coverage needs it: no personal data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Home<'a> {
    pub id: &'a str,
    pub important: bool,
    /// The move-in day of a new resident (V-2), when known.
    pub moved_in: Option<NaiveDate>,
}

/// One visit or attempt, read from a `visited` event.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub id: String,
    pub household_id: String,
    pub at: DateTime<FixedOffset>,
    /// Who made it (a staff id).
    pub actor: String,
    pub method: VisitMethod,
    pub not_home: bool,
    pub note: String,
}

/// The visits among `events`, oldest first, each once (by event id); a visit whose method
/// is not one of V-1's is left out (the arrival check refuses those anyway).
pub fn visits(events: &[Event]) -> Vec<Visit> {
    let mut out: Vec<Visit> = events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Visited {
                household_id,
                method,
                note,
                not_home,
            } => Some(Visit {
                id: e.id.clone(),
                household_id: household_id.clone(),
                at: e.at,
                actor: e.actor.clone(),
                method: VisitMethod::parse(method)?,
                not_home: *not_home,
                note: note.clone(),
            }),
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    out.dedup_by(|a, b| a.id == b.id);
    out
}

/// The first day of the round of `months` that holds `day`, and the first day after it.
pub fn round(months: u32, day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let months = months.clamp(1, 12);
    let index = (day.month0() / months) * months;
    let start = first_of(day.year(), index);
    let end = first_of(day.year(), index + months);
    (start, end)
}

/// The first day of the month `month0` months after January of `year` (13 → next year).
fn first_of(year: i32, month0: u32) -> NaiveDate {
    let year = year + i32::try_from(month0 / 12).unwrap_or(0);
    NaiveDate::from_ymd_opt(year, month0 % 12 + 1, 1).unwrap_or(NaiveDate::MIN)
}

labelled_enum! {
    /// Important (重要客户) or ordinary (普通客户) customers [004 KPI 8–10].
    Tier {
        Important = "important", "重要客户", "Important";
        Ordinary = "ordinary", "普通客户", "Ordinary";
    }
}

/// Which visits count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    /// `None`: each household's current round (by its tier); else the local dates
    /// `[from, to)`.
    #[serde(default)]
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// Only visits made by this staff member.
    #[serde(default)]
    pub caretaker: Option<String>,
    /// Only visits made this way.
    #[serde(default)]
    pub method: Option<VisitMethod>,
    /// Only households of this tier (the others are left out of every count).
    #[serde(default)]
    pub tier: Option<Tier>,
}

/// Where a household stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Visited in the period, the latest visit made this way.
    Visited(VisitMethod),
    /// Only tried: nobody was at home.
    NotHome,
    /// Moved in more than V-2's days ago and not visited since.
    OverdueNew,
    /// Not visited yet, and in this month's saved visit plan.
    Planned,
    /// Not visited yet.
    NotYet,
}

impl Status {
    pub fn visited(self) -> bool {
        matches!(self, Status::Visited(_))
    }

    /// A stable name for styles and tests.
    pub fn key(self) -> &'static str {
        match self {
            Status::Visited(VisitMethod::Phone) => "phone",
            Status::Visited(VisitMethod::Door) => "door",
            Status::Visited(VisitMethod::Outdoor) => "outdoor",
            Status::NotHome => "not_home",
            Status::OverdueNew => "overdue_new",
            Status::Planned => "planned",
            Status::NotYet => "not_yet",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Status::Visited(m) => m.zh(),
            Status::NotHome => "不在家",
            Status::OverdueNew => "新入住逾期未访",
            Status::Planned => "已排入本月计划",
            Status::NotYet => "未走访",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Status::Visited(m) => m.en(),
            Status::NotHome => "Not at home",
            Status::OverdueNew => "New resident overdue",
            Status::Planned => "Planned this month",
            Status::NotYet => "Not visited yet",
        }
    }

    /// Every status, in legend order.
    pub const ALL: [Status; 7] = [
        Status::Visited(VisitMethod::Door),
        Status::Visited(VisitMethod::Phone),
        Status::Visited(VisitMethod::Outdoor),
        Status::NotHome,
        Status::OverdueNew,
        Status::Planned,
        Status::NotYet,
    ];
}

/// A household's status with this month's plan (V-1) taken in: one not visited yet and in the
/// plan is planned; any other status says more and stays.
pub fn with_plan(status: Option<Status>, planned: bool) -> Option<Status> {
    match status {
        Some(Status::NotYet) if planned => Some(Status::Planned),
        other => other,
    }
}

/// The dates `[from, to)` that count for a household of this tier.
pub fn period_of(
    rules: &VisitRules,
    important: bool,
    filter: &Filter,
    today: NaiveDate,
) -> (NaiveDate, NaiveDate) {
    filter
        .period
        .unwrap_or_else(|| round(rules.round(important).months, today))
}

/// Where one household stands on `today`, given its visits (any order; others' are ignored).
/// `None` when the filter leaves the household out.
pub fn status(
    rules: &VisitRules,
    home: &Home<'_>,
    visits: &[&Visit],
    filter: &Filter,
    today: NaiveDate,
) -> Option<Status> {
    let tier = if home.important {
        Tier::Important
    } else {
        Tier::Ordinary
    };
    if filter.tier.is_some_and(|t| t != tier) {
        return None;
    }
    let (from, to) = period_of(rules, home.important, filter, today);
    let counted = |v: &&&Visit| {
        v.household_id == home.id
            && filter.caretaker.as_ref().is_none_or(|c| *c == v.actor)
            && filter.method.is_none_or(|m| m == v.method)
            && v.at.date_naive() <= today
    };
    // A visit before the move-in was the previous resident's.
    let from = home.moved_in.map_or(from, |m| from.max(m));
    let within = |v: &&&Visit| {
        let d = v.at.date_naive();
        from <= d && d < to
    };
    let latest = visits
        .iter()
        .filter(counted)
        .filter(within)
        .filter(|v| !v.not_home)
        .max_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    if let Some(v) = latest {
        return Some(Status::Visited(v.method));
    }
    if let Some(moved) = home.moved_in {
        let due = moved + chrono::Days::new(u64::from(rules.new_resident_days));
        let seen_since = visits
            .iter()
            .filter(counted)
            .any(|v| !v.not_home && v.at.date_naive() >= moved);
        if due < today && !seen_since {
            return Some(Status::OverdueNew);
        }
    }
    if visits
        .iter()
        .filter(counted)
        .filter(within)
        .any(|v| v.not_home)
    {
        return Some(Status::NotHome);
    }
    Some(Status::NotYet)
}

/// Each household's visits, by household id.
pub fn by_household(visits: &[Visit]) -> HashMap<&str, Vec<&Visit>> {
    let mut map: HashMap<&str, Vec<&Visit>> = HashMap::new();
    for v in visits {
        map.entry(v.household_id.as_str()).or_default().push(v);
    }
    map
}

/// Every household's status, in the order of `homes`.
pub fn statuses(
    rules: &VisitRules,
    homes: &[Home<'_>],
    visits: &[Visit],
    filter: &Filter,
    today: NaiveDate,
) -> Vec<Option<Status>> {
    let index = by_household(visits);
    homes
        .iter()
        .map(|h| {
            let mine = index.get(h.id).map(Vec::as_slice).unwrap_or(&[]);
            status(rules, h, mine, filter, today)
        })
        .collect()
}

/// A share of households: how many of how many were visited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub visited: u32,
    pub households: u32,
}

impl Share {
    /// `None` when there are no households.
    pub fn ratio(self) -> Option<f64> {
        (self.households > 0).then(|| f64::from(self.visited) / f64::from(self.households))
    }

    pub fn band(self) -> Band {
        band(self.ratio())
    }

    fn add(&mut self, visited: bool) {
        self.households += 1;
        self.visited += u32::from(visited);
    }
}

/// The shares of all, important and ordinary households.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub all: Share,
    pub important: Share,
    pub ordinary: Share,
}

impl Coverage {
    /// Adds one household (left out when `status` is `None`: the filter excluded it).
    pub fn add(&mut self, important: bool, status: Option<Status>) {
        let Some(s) = status else { return };
        self.all.add(s.visited());
        if important {
            self.important.add(s.visited());
        } else {
            self.ordinary.add(s.visited());
        }
    }

    /// Whether each tier reaches its round's minimum (a tier without households is met).
    pub fn met(&self, rules: &VisitRules) -> bool {
        let ok = |s: Share, min: f64| s.ratio().is_none_or(|r| r + 1e-9 >= min);
        ok(self.important, rules.important.min) && ok(self.ordinary, rules.ordinary.min)
    }
}

/// Sums the statuses of `homes` (parallel slices).
pub fn coverage(homes: &[Home<'_>], statuses: &[Option<Status>]) -> Coverage {
    let mut c = Coverage::default();
    for (h, s) in homes.iter().zip(statuses) {
        c.add(h.important, *s);
    }
    c
}

labelled_enum! {
    /// The shade of a building on the site map: its share of households visited.
    Band {
        Empty = "empty", "无住户", "No households";
        Zero = "zero", "未开始", "None visited";
        Low = "low", "低于50%", "Under 50%";
        Half = "half", "50%–80%", "50%–80%";
        High = "high", "80%–99%", "80%–99%";
        Full = "full", "100%", "100%";
    }
}

/// The band of a share (`None`: no households).
pub fn band(ratio: Option<f64>) -> Band {
    match ratio {
        None => Band::Empty,
        Some(r) if r >= 1.0 - 1e-9 => Band::Full,
        Some(r) if r >= 0.8 => Band::High,
        Some(r) if r >= 0.5 => Band::Half,
        Some(r) if r > 0.0 => Band::Low,
        Some(_) => Band::Zero,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Policy, VisitRound};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    fn visit(
        id: &str,
        home: &str,
        at: &str,
        actor: &str,
        method: VisitMethod,
        not_home: bool,
    ) -> Visit {
        Visit {
            id: id.into(),
            household_id: home.into(),
            at: DateTime::parse_from_rfc3339(at).unwrap_or_default(),
            actor: actor.into(),
            method,
            not_home,
            note: String::new(),
        }
    }

    #[test]
    fn rounds_follow_the_calendar() {
        let cases = [
            (6, "2026-03-12", "2026-01-01", "2026-07-01"),
            (6, "2026-07-01", "2026-07-01", "2027-01-01"),
            (6, "2026-12-31", "2026-07-01", "2027-01-01"),
            (3, "2026-05-20", "2026-04-01", "2026-07-01"),
            (3, "2026-12-01", "2026-10-01", "2027-01-01"),
            (12, "2026-02-28", "2026-01-01", "2027-01-01"),
            (1, "2026-02-28", "2026-02-01", "2026-03-01"),
        ];
        for (months, day, from, to) in cases {
            assert_eq!(
                round(months, d(day)),
                (d(from), d(to)),
                "{months} months, {day}"
            );
        }
    }

    fn crland() -> VisitRules {
        Policy::preset("crland")
            .map(|p| p.visits)
            .unwrap_or_default()
    }

    #[test]
    fn each_household_by_its_visits() {
        use VisitMethod::*;
        let rules = VisitRules {
            important: VisitRound {
                months: 3,
                min: 1.0,
            },
            ordinary: VisitRound {
                months: 12,
                min: 0.8,
            },
            ..VisitRules::default()
        };
        let preset = crland();
        assert_eq!(
            (preset.important, preset.ordinary),
            (rules.important, rules.ordinary),
            "the crland preset's rounds"
        );
        let today = d("2026-05-20");
        let all = Filter::default();
        let vs = [
            visit("1", "a", "2026-02-10T10:00:00+08:00", "g1", Door, false),
            visit("2", "b", "2026-02-10T10:00:00+08:00", "g1", Door, false),
            visit("3", "c", "2026-05-02T10:00:00+08:00", "g2", Phone, true),
            visit("4", "d", "2026-05-03T10:00:00+08:00", "g2", Phone, false),
            visit("5", "d", "2026-05-04T10:00:00+08:00", "g1", Outdoor, false),
            visit("6", "f", "2026-06-01T10:00:00+08:00", "g1", Door, false),
        ];
        let home = |id, important, moved_in: Option<&str>| Home {
            id,
            important,
            moved_in: moved_in.map(d),
        };
        // (household, filter, expected)
        let by_g2 = Filter {
            caretaker: Some("g2".into()),
            ..Filter::default()
        };
        let phone = Filter {
            method: Some(Phone),
            ..Filter::default()
        };
        let only_important = Filter {
            tier: Some(Tier::Important),
            ..Filter::default()
        };
        let february = Filter {
            period: Some((d("2026-02-01"), d("2026-03-01"))),
            ..Filter::default()
        };
        let cases: Vec<(Home<'_>, &Filter, Option<Status>)> = vec![
            // Ordinary: a year's round, so February counts in May.
            (home("a", false, None), &all, Some(Status::Visited(Door))),
            // Important: the quarter began in April, February no longer counts.
            (home("b", true, None), &all, Some(Status::NotYet)),
            (
                home("b", true, None),
                &february,
                Some(Status::Visited(Door)),
            ),
            (home("c", false, None), &all, Some(Status::NotHome)),
            // The latest visit decides how; a filter picks among them.
            (home("d", false, None), &all, Some(Status::Visited(Outdoor))),
            (home("d", false, None), &by_g2, Some(Status::Visited(Phone))),
            (home("d", false, None), &phone, Some(Status::Visited(Phone))),
            (home("a", false, None), &by_g2, Some(Status::NotYet)),
            // A visit dated after today does not count yet.
            (home("f", false, None), &all, Some(Status::NotYet)),
            // V-2: moved in on the 10th, 3 days passed without a visit.
            (
                home("e", false, Some("2026-05-10")),
                &all,
                Some(Status::OverdueNew),
            ),
            (
                home("e", false, Some("2026-05-18")),
                &all,
                Some(Status::NotYet),
            ),
            (
                home("d", false, Some("2026-05-01")),
                &all,
                Some(Status::Visited(Outdoor)),
            ),
            // Moved in after the visit: the old visit was the previous resident's.
            (
                home("a", false, Some("2026-04-01")),
                &all,
                Some(Status::OverdueNew),
            ),
            (home("a", false, None), &only_important, None),
        ];
        for (h, filter, expected) in cases {
            let mine: Vec<&Visit> = vs.iter().filter(|v| v.household_id == h.id).collect();
            assert_eq!(
                status(&rules, &h, &mine, filter, today),
                expected,
                "{h:?} {filter:?}"
            );
        }
    }

    #[test]
    fn shares_bands_and_targets() {
        use VisitMethod::*;
        let rules = crland();
        let homes = [
            Home {
                id: "a",
                important: true,
                moved_in: None,
            },
            Home {
                id: "b",
                important: false,
                moved_in: None,
            },
            Home {
                id: "c",
                important: false,
                moved_in: None,
            },
            Home {
                id: "d",
                important: false,
                moved_in: None,
            },
            Home {
                id: "e",
                important: false,
                moved_in: None,
            },
            Home {
                id: "f",
                important: false,
                moved_in: None,
            },
        ];
        let vs = [
            visit("1", "a", "2026-05-01T10:00:00+08:00", "g", Door, false),
            visit("2", "b", "2026-01-05T10:00:00+08:00", "g", Phone, false),
            visit("3", "c", "2026-03-05T10:00:00+08:00", "g", Phone, false),
            visit("4", "d", "2026-04-05T10:00:00+08:00", "g", Outdoor, false),
            visit("5", "e", "2026-04-05T10:00:00+08:00", "g", Door, true),
            // The same household twice counts once.
            visit("6", "d", "2026-04-06T10:00:00+08:00", "g", Door, false),
        ];
        let s = statuses(&rules, &homes, &vs, &Filter::default(), d("2026-05-20"));
        let c = coverage(&homes, &s);
        assert_eq!(
            c.important,
            Share {
                visited: 1,
                households: 1
            }
        );
        assert_eq!(
            c.ordinary,
            Share {
                visited: 3,
                households: 5
            }
        );
        assert_eq!(
            c.all,
            Share {
                visited: 4,
                households: 6
            }
        );
        assert_eq!(c.ordinary.ratio(), Some(0.6));
        assert_eq!(c.ordinary.band(), Band::Half);
        assert!(!c.met(&rules), "ordinary 60% is under crland's 80%");
        let table = [
            (None, Band::Empty),
            (Some(0.0), Band::Zero),
            (Some(0.01), Band::Low),
            (Some(0.499), Band::Low),
            (Some(0.5), Band::Half),
            (Some(0.8), Band::High),
            (Some(0.999), Band::High),
            (Some(1.0), Band::Full),
        ];
        for (ratio, expected) in table {
            assert_eq!(band(ratio), expected, "{ratio:?}");
        }
        let full = Coverage {
            all: Share {
                visited: 9,
                households: 10,
            },
            important: Share {
                visited: 1,
                households: 1,
            },
            ordinary: Share {
                visited: 8,
                households: 9,
            },
        };
        assert!(full.met(&rules), "important 100%, ordinary 89% ≥ 80%");
        assert!(
            !full.met(&VisitRules::default()),
            "cmsk wants every household"
        );
    }

    #[test]
    fn visits_are_read_from_events_once() {
        use crate::hlc::Hlc;
        let event = |id: &str, method: &str| Event {
            id: id.into(),
            subject: crate::subject::Subject::household("h"),
            device_id: "d".into(),
            device_seq: 1,
            hlc: Hlc::default(),
            actor: "g".into(),
            at: DateTime::parse_from_rfc3339("2026-05-01T10:00:00+08:00").unwrap_or_default(),
            body: EventBody::Visited {
                household_id: "h".into(),
                method: method.into(),
                note: String::new(),
                not_home: false,
            },
            seq: None,
        };
        let list = visits(&[
            event("1", "door"),
            event("1", "door"),
            event("2", "teleport"),
        ]);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].method, VisitMethod::Door);
    }

    #[test]
    fn only_a_household_not_yet_visited_reads_as_planned() {
        assert_eq!(with_plan(Some(Status::NotYet), true), Some(Status::Planned));
        assert_eq!(with_plan(Some(Status::NotYet), false), Some(Status::NotYet));
        for s in [
            Status::NotHome,
            Status::OverdueNew,
            Status::Visited(VisitMethod::Door),
        ] {
            assert_eq!(with_plan(Some(s), true), Some(s));
        }
        assert_eq!(with_plan(None, true), None);
    }
}
