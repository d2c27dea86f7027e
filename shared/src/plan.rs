//! Monthly visit plans (V-1, V-2): which households the caretakers visit next month, proposed
//! from the estate's visit rounds and approved by a supervisor by the 25th, and each
//! caretaker's visit list. Pure: the supervisor's page proposes in the browser (offline too)
//! with the same function the server checks an edited plan with.
//!
//! A proposal takes, per tier, this month's share of what the round still needs (the
//! households the policy's `min` asks for, less those already visited, spread evenly over
//! the round's months left), new residents not yet visited first of all, then important
//! customers, then ordinary ones in walking order (building, unit, floor, room), and hands
//! whole buildings to caretakers — a building that does not fit a fair share is split by
//! unit — so that each walks few buildings and all carry about the same load.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::arrival::Refusal;
use crate::coverage::{self, Visit};
use crate::model::{Role, labelled_enum};
use crate::policy::VisitRules;

labelled_enum! {
    /// Why a household is in a plan, in the order they are planned.
    Reason {
        NewResident = "new_resident", "新入住", "New resident";
        Important = "important", "重要客户", "Important";
        Ordinary = "ordinary", "普通客户", "Ordinary";
    }
}

/// A household as a plan needs it: where it is, to group the walk, and its tier. No
/// personal data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanHome<'a> {
    pub id: &'a str,
    pub building: &'a str,
    pub unit: &'a str,
    pub floor: i64,
    pub room: &'a str,
    pub important: bool,
    /// The move-in day of a new resident (V-2), when known.
    pub moved_in: Option<NaiveDate>,
}

/// One household of a plan and the caretaker who visits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    pub household_id: String,
    pub caretaker_id: String,
    pub reason: Reason,
    /// A new resident's deadline (move-in + V-2's days), when the reason is that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
}

/// Where a plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Computed, never saved.
    Proposed,
    /// Saved by a supervisor, not approved yet.
    Draft,
    Approved,
}

/// A month's plan as `GET /api/estates/{id}/visit-plans/{month}` answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitPlan {
    /// `YYYY-MM`.
    pub month: String,
    pub status: PlanStatus,
    /// The day it must be approved by (the 25th of the month before).
    pub deadline: NaiveDate,
    /// Not approved and the deadline has passed: flagged to supervisors.
    pub late: bool,
    #[serde(default)]
    pub approved_by: Option<String>,
    #[serde(default)]
    pub approved_at: Option<String>,
    /// Every item for a supervisor; only their own for a caretaker.
    pub items: Vec<PlanItem>,
    /// The caretakers of the estate a plan may give households to (id, name).
    #[serde(default)]
    pub caretakers: Vec<(String, String)>,
}

/// What a supervisor saves: the items after moving, adding and removing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanEdit {
    pub items: Vec<PlanItem>,
}

/// The first day of the month `YYYY-MM`, refused by field (`month`) otherwise.
pub fn parse_month(month: &str) -> Result<NaiveDate, Refusal> {
    let bad = || {
        Refusal::new(
            "month",
            format!("month must be YYYY-MM between 2000 and 2100, not {month:?}"),
            format!("月份须为 2000–2100 年间的 YYYY-MM,而不是 {month:?}"),
        )
    };
    let (y, m) = month.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let year: i32 = y.parse().map_err(|_| bad())?;
    let month0: u32 = m.parse().map_err(|_| bad())?;
    if !(2000..=2100).contains(&year) {
        return Err(bad());
    }
    NaiveDate::from_ymd_opt(year, month0, 1).ok_or_else(bad)
}

/// Who adjusts and approves a plan: the supervisors (a caretaker sees their part of it).
pub fn may_plan(role: Role) -> bool {
    role.is_supervisor()
}

/// A move-in day as the desk enters it (`YYYY-MM-DD`): from 2000 and at most a year after
/// `today` (a move agreed ahead), refused by field (`moved_in`) otherwise.
pub fn parse_moved_in(text: &str, today: NaiveDate) -> Result<NaiveDate, Refusal> {
    let day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        Refusal::new(
            "moved_in",
            format!("the move-in day must be a date like 2026-12-02, not {text:?}"),
            format!("入住日期须为 2026-12-02 这样的日期,而不是 {text:?}"),
        )
    })?;
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
    if day < earliest || day > today + Days::new(366) {
        return Err(Refusal::new(
            "moved_in",
            "the move-in day must be after 2000 and at most a year from today",
            "入住日期须在 2000 年之后、且不晚于一年后",
        ));
    }
    Ok(day)
}

/// `YYYY-MM` of a day.
pub fn month_key(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// The first day of the month after the one holding `day`.
pub fn next_month(day: NaiveDate) -> NaiveDate {
    let first = day.with_day(1).unwrap_or(day);
    first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first)
}

/// The day a month's plan must be approved by: the 25th of the month before (V-1).
pub fn deadline(month_first: NaiveDate) -> NaiveDate {
    let before = month_first
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(month_first);
    before.with_day(25).unwrap_or(before)
}

/// A plan not approved once its deadline has passed is late.
pub fn late(month_first: NaiveDate, approved: bool, today: NaiveDate) -> bool {
    !approved && today > deadline(month_first)
}

/// A new resident's visit deadline: V-2's days after moving in, counted on the calendar (a
/// weekend or a holiday does not move it: a family that moves in on a Saturday is visited by
/// Tuesday).
pub fn new_resident_due(rules: &VisitRules, moved_in: NaiveDate) -> NaiveDate {
    moved_in + Days::new(u64::from(rules.new_resident_days))
}

/// Whether a household still waits for its V-2 visit: moved in, and no visit (not an
/// attempt) since.
fn waits_as_new(home: &PlanHome<'_>, visits: &[&Visit]) -> Option<NaiveDate> {
    let moved = home.moved_in?;
    let seen = visits
        .iter()
        .any(|v| !v.not_home && v.at.date_naive() >= moved);
    (!seen).then_some(moved)
}

/// Whether a household was visited (not only tried) in the round of its tier that holds
/// `day`: the visits that count for coverage.
fn visited_in_round(
    rules: &VisitRules,
    home: &PlanHome<'_>,
    visits: &[&Visit],
    day: NaiveDate,
) -> bool {
    let (from, to) = coverage::round(rules.round(home.important).months, day);
    let from = home.moved_in.map_or(from, |m| from.max(m));
    visits.iter().any(|v| {
        let d = v.at.date_naive();
        !v.not_home && from <= d && d < to
    })
}

/// The number of months from `month_first` to the end of its round of `months`, this month
/// included (1 in a round's last month).
fn months_left(months: u32, month_first: NaiveDate) -> u32 {
    let (_, end) = coverage::round(months, month_first);
    let index = |d: NaiveDate| d.year() * 12 + i32::try_from(d.month0()).unwrap_or(0);
    u32::try_from(index(end) - index(month_first))
        .unwrap_or(1)
        .max(1)
}

/// The walking order of households: building, unit, floor, room.
fn walk_key<'a>(h: &PlanHome<'a>) -> (&'a str, &'a str, i64, &'a str, &'a str) {
    (h.building, h.unit, h.floor, h.room, h.id)
}

/// The proposal for the month starting `month_first`, given the estate's households, every
/// visit the estate knows and its caretakers (ids; the order breaks ties). Deterministic:
/// the same inputs give the same plan. Empty without caretakers.
pub fn propose(
    rules: &VisitRules,
    homes: &[PlanHome<'_>],
    visits: &[Visit],
    caretakers: &[&str],
    month_first: NaiveDate,
) -> Vec<PlanItem> {
    if caretakers.is_empty() {
        return Vec::new();
    }
    let by_home = coverage::by_household(visits);
    let none: Vec<&Visit> = Vec::new();
    let of = |id: &str| by_home.get(id).unwrap_or(&none);

    let mut picked: Vec<(Reason, &PlanHome<'_>, Option<NaiveDate>)> = Vec::new();
    let mut taken: HashSet<&str> = HashSet::new();
    // New residents first of all, soonest deadline first.
    let mut newcomers: Vec<(NaiveDate, &PlanHome<'_>)> = homes
        .iter()
        .filter_map(|h| waits_as_new(h, of(h.id)).map(|m| (new_resident_due(rules, m), h)))
        .filter(|(_, h)| h.moved_in.is_some_and(|m| m < next_month(month_first)))
        .collect();
    newcomers.sort_by(|a, b| (a.0, walk_key(a.1)).cmp(&(b.0, walk_key(b.1))));
    for (due, h) in newcomers {
        taken.insert(h.id);
        picked.push((Reason::NewResident, h, Some(due)));
    }
    // Then each tier's share of what its round still needs, important customers first.
    for important in [true, false] {
        let round = rules.round(important);
        let tier: Vec<&PlanHome<'_>> = homes.iter().filter(|h| h.important == important).collect();
        let wanted = (round.min.clamp(0.0, 1.0) * tier.len() as f64 - 1e-9).ceil() as usize;
        let visited = tier
            .iter()
            .filter(|h| visited_in_round(rules, h, of(h.id), month_first))
            .count();
        let already = picked
            .iter()
            .filter(|(_, h, _)| h.important == important)
            .count();
        let need = wanted.saturating_sub(visited).saturating_sub(already);
        let left = months_left(round.months, month_first) as usize;
        let quota = need.div_ceil(left);
        let mut open: Vec<&PlanHome<'_>> = tier
            .into_iter()
            .filter(|h| !taken.contains(h.id) && !visited_in_round(rules, h, of(h.id), month_first))
            .collect();
        open.sort_by_key(|h| walk_key(h));
        let reason = if important {
            Reason::Important
        } else {
            Reason::Ordinary
        };
        for h in open.into_iter().take(quota) {
            taken.insert(h.id);
            picked.push((reason, h, None));
        }
    }
    share(picked, caretakers)
}

/// Hands the picked households to caretakers: whole buildings to the least loaded while they
/// fit a fair share, then a building that does not fit by unit, then a unit that does not fit
/// household by household (in walking order) — so each walks few buildings and the loads
/// differ by at most one household.
fn share(
    picked: Vec<(Reason, &PlanHome<'_>, Option<NaiveDate>)>,
    caretakers: &[&str],
) -> Vec<PlanItem> {
    let fair = picked.len().div_ceil(caretakers.len()).max(1);
    let mut buildings: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (_, h, _)) in picked.iter().enumerate() {
        buildings.entry(h.building).or_default().push(i);
    }
    // Largest first; ties in walking order, so the result does not depend on map order.
    let mut pieces: Vec<Vec<usize>> = buildings.into_values().collect();
    let first_key = |piece: &Vec<usize>| walk_key(picked[piece[0]].1);
    pieces.sort_by(|a, b| {
        b.len()
            .cmp(&a.len())
            .then_with(|| first_key(a).cmp(&first_key(b)))
    });
    let mut load = vec![0usize; caretakers.len()];
    let mut owner = vec![0usize; picked.len()];
    let least = |load: &[usize]| {
        load.iter()
            .enumerate()
            .min_by_key(|(i, l)| (**l, *i))
            .map_or(0, |(i, _)| i)
    };
    for building in pieces {
        let c = least(&load);
        if load[c] + building.len() <= fair {
            load[c] += building.len();
            for i in building {
                owner[i] = c;
            }
            continue;
        }
        let mut units: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for i in building {
            units.entry(picked[i].1.unit).or_default().push(i);
        }
        for (_, mut unit) in units {
            unit.sort_by_key(|&i| walk_key(picked[i].1));
            let c = least(&load);
            if load[c] + unit.len() <= fair {
                load[c] += unit.len();
                for i in unit {
                    owner[i] = c;
                }
                continue;
            }
            for i in unit {
                let c = least(&load);
                load[c] += 1;
                owner[i] = c;
            }
        }
    }
    let mut items: Vec<(usize, usize)> = (0..picked.len()).map(|i| (owner[i], i)).collect();
    items.sort_by(|a, b| {
        let key = |&(c, i): &(usize, usize)| (c, picked[i].0, picked[i].2, walk_key(picked[i].1));
        key(a).cmp(&key(b))
    });
    items
        .into_iter()
        .map(|(c, i)| {
            let (reason, h, due) = picked[i];
            PlanItem {
                household_id: h.id.to_string(),
                caretaker_id: caretakers[c].to_string(),
                reason,
                due,
            }
        })
        .collect()
}

/// The check of an edited plan, the same in the supervisor's browser and on the server:
/// every household of the estate and at most once, every caretaker one of the estate's,
/// at most `homes` items. Refusals name the item (`items[3].caretaker_id`).
pub fn check(
    edit: &PlanEdit,
    homes: &HashSet<&str>,
    caretakers: &HashSet<&str>,
) -> Result<(), Refusal> {
    let mut seen: HashSet<&str> = HashSet::new();
    if edit.items.len() > homes.len() {
        return Err(Refusal::new(
            "items",
            format!(
                "a plan has at most {} households (one per household)",
                homes.len()
            ),
            format!("计划最多 {} 户(每户一次)", homes.len()),
        ));
    }
    for (i, item) in edit.items.iter().enumerate() {
        if !homes.contains(item.household_id.as_str()) {
            return Err(Refusal::new(
                format!("items[{i}].household_id"),
                "not a household of this estate",
                "不是本项目的住户",
            ));
        }
        if !seen.insert(item.household_id.as_str()) {
            return Err(Refusal::new(
                format!("items[{i}].household_id"),
                "this household is already in the plan (a round visits no household twice)",
                "该住户已在计划中(一轮不重复走访)",
            ));
        }
        if !caretakers.contains(item.caretaker_id.as_str()) {
            return Err(Refusal::new(
                format!("items[{i}].caretaker_id"),
                "not a caretaker of this estate",
                "不是本项目的管家",
            ));
        }
    }
    Ok(())
}

/// Settles an item's reason and deadline from its household (a client's `reason` and `due`
/// are not trusted): a new resident (moved in, kept as such only when the item said so or
/// nothing else fits) has V-2's deadline; otherwise the tier, and no deadline.
pub fn settle(
    rules: &VisitRules,
    item: &mut PlanItem,
    important: bool,
    moved_in: Option<NaiveDate>,
) {
    match (item.reason, moved_in) {
        (Reason::NewResident, Some(m)) => item.due = Some(new_resident_due(rules, m)),
        _ => {
            item.reason = if important {
                Reason::Important
            } else {
                Reason::Ordinary
            };
            item.due = None;
        }
    }
}

/// One row of a caretaker's visit list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRow {
    pub household_id: String,
    pub reason: Reason,
    /// A new resident's deadline.
    pub due: Option<NaiveDate>,
    /// Visited in this round already: a visit now is a follow-up and counts nothing more.
    pub done: bool,
    /// The latest visit (not an attempt), if any.
    pub last: Option<NaiveDate>,
    /// Only tried in this round: nobody was at home.
    pub tried: bool,
}

/// A caretaker's visit list on `today`: their items of the month's plan, plus every new
/// resident still waiting in the buildings they walk (all of them when they have no plan
/// items: a new resident is never left out for want of a plan). What is left to do comes
/// first — new residents by deadline, then important, then ordinary — in walking order; done
/// ones last.
pub fn visit_list(
    rules: &VisitRules,
    homes: &[PlanHome<'_>],
    visits: &[Visit],
    items: &[PlanItem],
    me: &str,
    today: NaiveDate,
) -> Vec<ListRow> {
    let by_home = coverage::by_household(visits);
    let none: Vec<&Visit> = Vec::new();
    let of = |id: &str| by_home.get(id).unwrap_or(&none);
    let index: HashMap<&str, &PlanHome<'_>> = homes.iter().map(|h| (h.id, h)).collect();
    let mine: Vec<&PlanItem> = items.iter().filter(|i| i.caretaker_id == me).collect();
    let walked: HashSet<&str> = mine
        .iter()
        .filter_map(|i| index.get(i.household_id.as_str()).map(|h| h.building))
        .collect();
    let mut rows: Vec<(ListRow, &PlanHome<'_>)> = Vec::new();
    let mut listed: HashSet<&str> = HashSet::new();
    let row = |h: &PlanHome<'_>, reason: Reason, due: Option<NaiveDate>| {
        let vs = of(h.id);
        let (from, to) = coverage::round(rules.round(h.important).months, today);
        let from = h.moved_in.map_or(from, |m| from.max(m));
        let within = |v: &&&Visit| {
            let d = v.at.date_naive();
            from <= d && d < to && d <= today
        };
        ListRow {
            household_id: h.id.to_string(),
            reason,
            due,
            done: vs.iter().filter(within).any(|v| !v.not_home),
            tried: vs.iter().filter(within).any(|v| v.not_home),
            last: vs
                .iter()
                .filter(|v| !v.not_home && v.at.date_naive() <= today)
                .map(|v| v.at.date_naive())
                .max(),
        }
    };
    for item in &mine {
        if let Some(h) = index.get(item.household_id.as_str())
            && listed.insert(h.id)
        {
            let due = match item.reason {
                Reason::NewResident => h.moved_in.map(|m| new_resident_due(rules, m)),
                _ => None,
            };
            rows.push((row(h, item.reason, due.or(item.due)), h));
        }
    }
    for h in homes {
        if listed.contains(h.id) || (!walked.is_empty() && !walked.contains(h.building)) {
            continue;
        }
        if let Some(moved) = waits_as_new(h, of(h.id))
            && moved <= today
        {
            listed.insert(h.id);
            rows.push((
                row(h, Reason::NewResident, Some(new_resident_due(rules, moved))),
                h,
            ));
        }
    }
    rows.sort_by(|(a, ha), (b, hb)| {
        (a.done, a.reason, a.due, walk_key(ha)).cmp(&(b.done, b.reason, b.due, walk_key(hb)))
    });
    rows.into_iter().map(|(r, _)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VisitMethod;
    use crate::policy::Policy;
    use chrono::{FixedOffset, TimeZone};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn visit(id: &str, household: &str, day: &str, not_home: bool) -> Visit {
        let at = FixedOffset::east_opt(8 * 3600)
            .unwrap()
            .from_local_datetime(&d(day).and_hms_opt(10, 0, 0).unwrap())
            .unwrap();
        Visit {
            id: id.into(),
            household_id: household.into(),
            at,
            actor: "gj".into(),
            method: VisitMethod::Door,
            not_home,
            note: String::new(),
        }
    }

    struct Estate {
        ids: Vec<String>,
        rooms: Vec<String>,
    }

    /// `buildings` × `units` × `floors` × 2 rooms; every tenth household important.
    fn estate(buildings: usize, units: usize, floors: usize) -> Estate {
        let mut ids = Vec::new();
        let mut rooms = Vec::new();
        for b in 0..buildings {
            for u in 0..units {
                for f in 1..=floors {
                    for r in 1..=2 {
                        ids.push(format!("h-{b}-{u}-{f}-{r}"));
                        rooms.push(format!("{f}0{r}"));
                    }
                }
            }
        }
        Estate { ids, rooms }
    }

    const BUILDINGS: [&str; 10] = ["b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9"];
    const UNITS: [&str; 4] = ["u0", "u1", "u2", "u3"];

    fn homes(e: &Estate) -> Vec<PlanHome<'_>> {
        e.ids
            .iter()
            .zip(&e.rooms)
            .enumerate()
            .map(|(i, (id, room))| {
                let parts: Vec<&str> = id.split('-').collect();
                let b: usize = parts[1].parse().unwrap();
                let u: usize = parts[2].parse().unwrap();
                PlanHome {
                    id,
                    building: BUILDINGS[b],
                    unit: UNITS[u],
                    floor: parts[3].parse().unwrap(),
                    room,
                    important: i % 10 == 0,
                    moved_in: None,
                }
            })
            .collect()
    }

    fn rules(preset: &str) -> VisitRules {
        Policy::preset(preset).unwrap().visits
    }

    #[test]
    fn a_clients_reason_and_deadline_are_settled_from_the_household() {
        let r = rules("cmsk");
        let mut forged = PlanItem {
            household_id: "h".into(),
            caretaker_id: "a".into(),
            reason: Reason::NewResident,
            due: Some(d("2099-01-01")),
        };
        settle(&r, &mut forged, true, None);
        assert_eq!((forged.reason, forged.due), (Reason::Important, None));
        let mut newcomer = PlanItem {
            reason: Reason::NewResident,
            due: Some(d("2099-01-01")),
            ..forged.clone()
        };
        settle(&r, &mut newcomer, false, Some(d("2026-12-02")));
        assert_eq!(newcomer.due, Some(d("2026-12-05")));
    }

    #[test]
    fn months_and_deadlines() {
        assert_eq!(parse_month("2026-12").unwrap(), d("2026-12-01"));
        for bad in ["2026-13", "2026-1", "26-01", "1999-05", "2101-01", "x", ""] {
            let e = parse_month(bad).unwrap_err();
            assert_eq!(e.field, "month", "{bad}");
        }
        assert_eq!(deadline(d("2027-01-01")), d("2026-12-25"));
        assert_eq!(deadline(d("2026-03-01")), d("2026-02-25"));
        assert!(!late(d("2027-01-01"), false, d("2026-12-25")));
        assert!(late(d("2027-01-01"), false, d("2026-12-26")));
        assert!(!late(d("2027-01-01"), true, d("2026-12-26")));
        assert_eq!(next_month(d("2026-12-17")), d("2027-01-01"));
        assert_eq!(month_key(d("2027-01-01")), "2027-01");
    }

    #[test]
    fn move_in_days_are_checked_by_field() {
        let today = d("2026-12-07");
        assert_eq!(parse_move_in_ok("2026-12-02", today), d("2026-12-02"));
        for bad in ["2026-13-01", "yesterday", "", "1999-12-31", "2028-01-01"] {
            assert_eq!(
                parse_moved_in(bad, today).unwrap_err().field,
                "moved_in",
                "{bad}"
            );
        }
        assert!(may_plan(Role::CsSupervisor) && may_plan(Role::ProjectManager));
        assert!(!may_plan(Role::Caretaker) && !may_plan(Role::FrontDesk));
    }

    fn parse_move_in_ok(text: &str, today: NaiveDate) -> NaiveDate {
        parse_moved_in(text, today).unwrap()
    }

    #[test]
    fn the_new_resident_deadline_counts_calendar_days() {
        let r = rules("cmsk");
        // Moved in on a Friday: due Monday, a weekend in between.
        assert_eq!(new_resident_due(&r, d("2026-12-04")), d("2026-12-07"));
        // Moved in on Wednesday: due Saturday, a non-working day — it does not move.
        assert_eq!(new_resident_due(&r, d("2026-12-09")), d("2026-12-12"));
        // Across the National Day holiday too.
        assert_eq!(new_resident_due(&r, d("2026-09-30")), d("2026-10-03"));
    }

    #[test]
    fn cmsk_spreads_a_half_year_round_over_its_months() {
        // 10 × 4 × 6 × 2 = 480 households, 48 important; cmsk: all every half-year.
        let e = estate(10, 4, 6);
        let hs = homes(&e);
        let r = rules("cmsk");
        // July opens the second half-year: six months left.
        let plan = propose(&r, &hs, &[], &["a", "b", "c"], d("2026-07-01"));
        let important = plan
            .iter()
            .filter(|i| i.reason == Reason::Important)
            .count();
        let ordinary = plan.iter().filter(|i| i.reason == Reason::Ordinary).count();
        assert_eq!(important, 8, "⌈48 / 6⌉");
        assert_eq!(ordinary, 72, "⌈432 / 6⌉");
        // Important customers are planned before ordinary ones for each caretaker.
        for c in ["a", "b", "c"] {
            let reasons: Vec<Reason> = plan
                .iter()
                .filter(|i| i.caretaker_id == c)
                .map(|i| i.reason)
                .collect();
            let mut sorted = reasons.clone();
            sorted.sort();
            assert_eq!(reasons, sorted, "{c}");
        }
        // December is the round's last month: everything not yet visited.
        let plan = propose(&r, &hs, &[], &["a"], d("2026-12-01"));
        assert_eq!(plan.len(), 480);
    }

    #[test]
    fn visited_households_are_not_planned_again_in_the_round() {
        let e = estate(2, 1, 2); // 8 households
        let hs = homes(&e);
        let r = rules("cmsk");
        let visits = vec![
            visit("v1", "h-0-0-1-1", "2026-07-03", false),
            // An attempt covers nothing: still planned.
            visit("v2", "h-0-0-1-2", "2026-07-03", true),
            // The previous round's visit does not count in this one.
            visit("v3", "h-0-0-2-1", "2026-06-30", false),
        ];
        let plan = propose(&r, &hs, &visits, &["a"], d("2026-12-01"));
        let ids: Vec<&str> = plan.iter().map(|i| i.household_id.as_str()).collect();
        assert_eq!(ids.len(), 7);
        assert!(!ids.contains(&"h-0-0-1-1"));
        assert!(ids.contains(&"h-0-0-1-2"));
        assert!(ids.contains(&"h-0-0-2-1"));
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "no household twice");
    }

    #[test]
    fn new_residents_come_first_with_their_deadline() {
        let e = estate(1, 1, 3);
        let mut hs = homes(&e);
        hs[4].moved_in = Some(d("2026-11-28"));
        hs[5].moved_in = Some(d("2026-11-20"));
        // Moved in after the plan's month: not yet.
        hs[3].moved_in = Some(d("2027-01-03"));
        let r = rules("cmsk");
        let plan = propose(&r, &hs, &[], &["a"], d("2026-12-01"));
        assert_eq!(plan[0].household_id, hs[5].id);
        assert_eq!(plan[0].reason, Reason::NewResident);
        assert_eq!(plan[0].due, Some(d("2026-11-23")));
        assert_eq!(plan[1].household_id, hs[4].id);
        assert_eq!(plan[1].due, Some(d("2026-12-01")));
        assert!(plan[2..].iter().all(|i| i.reason != Reason::NewResident));
        // A new resident visited since moving in is no longer one.
        let visits = vec![visit("v", hs[5].id, "2026-11-22", false)];
        let plan = propose(&r, &hs, &visits, &["a"], d("2026-12-01"));
        assert!(
            plan.iter()
                .all(|i| i.household_id != hs[5].id || i.reason != Reason::NewResident)
        );
    }

    #[test]
    fn crland_plans_important_each_quarter_and_eighty_percent_of_the_others_a_year() {
        let e = estate(10, 4, 6); // 480: 48 important, 432 ordinary
        let hs = homes(&e);
        let r = rules("crland");
        // October: the quarter's first month (3 left), the year's tenth (3 left).
        let plan = propose(&r, &hs, &[], &["a", "b"], d("2026-10-01"));
        let important = plan
            .iter()
            .filter(|i| i.reason == Reason::Important)
            .count();
        let ordinary = plan.iter().filter(|i| i.reason == Reason::Ordinary).count();
        assert_eq!(important, 16, "⌈48 / 3⌉");
        // ⌈0.8 × 432⌉ = 346 wanted; ⌈346 / 3⌉ = 116.
        assert_eq!(ordinary, 116);
    }

    #[test]
    fn caretakers_share_the_load_by_building() {
        let e = estate(10, 4, 6);
        let hs = homes(&e);
        let r = rules("cmsk");
        let plan = propose(&r, &hs, &[], &["a", "b", "c", "d"], d("2026-12-01"));
        let building: HashMap<&str, &str> = hs.iter().map(|h| (h.id, h.building)).collect();
        let mut load: HashMap<&str, usize> = HashMap::new();
        let mut walks: HashMap<&str, HashSet<&str>> = HashMap::new();
        for i in &plan {
            *load.entry(&i.caretaker_id).or_default() += 1;
            walks
                .entry(&i.caretaker_id)
                .or_default()
                .insert(building[i.household_id.as_str()]);
        }
        // 480 among 4: 120 each.
        let (min, max) = (
            load.values().min().copied().unwrap(),
            load.values().max().copied().unwrap(),
        );
        assert!(max - min <= 1, "{load:?}");
        // Each walks about a quarter of the 10 buildings, not all of them.
        for (c, b) in &walks {
            assert!(b.len() <= 4, "{c} walks {}", b.len());
        }
        // The same inputs give the same plan.
        assert_eq!(
            plan,
            propose(&r, &hs, &[], &["a", "b", "c", "d"], d("2026-12-01"))
        );
        // Without caretakers there is nobody to plan for.
        assert!(propose(&r, &hs, &[], &[], d("2026-12-01")).is_empty());
    }

    #[test]
    fn an_edited_plan_is_checked_by_field() {
        let homes: HashSet<&str> = ["h1", "h2"].into_iter().collect();
        let caretakers: HashSet<&str> = ["a"].into_iter().collect();
        let item = |h: &str, c: &str| PlanItem {
            household_id: h.into(),
            caretaker_id: c.into(),
            reason: Reason::Ordinary,
            due: None,
        };
        let ok = PlanEdit {
            items: vec![item("h1", "a"), item("h2", "a")],
        };
        assert!(check(&ok, &homes, &caretakers).is_ok());
        let twice = PlanEdit {
            items: vec![item("h1", "a"), item("h1", "a")],
        };
        assert_eq!(
            check(&twice, &homes, &caretakers).unwrap_err().field,
            "items[1].household_id"
        );
        let stranger = PlanEdit {
            items: vec![item("h9", "a")],
        };
        assert_eq!(
            check(&stranger, &homes, &caretakers).unwrap_err().field,
            "items[0].household_id"
        );
        let nobody = PlanEdit {
            items: vec![item("h1", "z")],
        };
        let e = check(&nobody, &homes, &caretakers).unwrap_err();
        assert_eq!(e.field, "items[0].caretaker_id");
        assert!(e.zh.contains("管家"));
    }

    #[test]
    fn a_caretakers_list_holds_their_part_and_waiting_new_residents() {
        let e = estate(2, 1, 2); // b0: 4 households, b1: 4
        let mut hs = homes(&e);
        // A new resident in b0 not in the plan, one in b1 (not walked by "a").
        hs[3].moved_in = Some(d("2026-12-02"));
        hs[7].moved_in = Some(d("2026-12-02"));
        let r = rules("cmsk");
        let item = |h: &str, c: &str, reason| PlanItem {
            household_id: h.into(),
            caretaker_id: c.into(),
            reason,
            due: None,
        };
        let items = vec![
            item(hs[0].id, "a", Reason::Important),
            item(hs[1].id, "a", Reason::Ordinary),
            item(hs[4].id, "b", Reason::Ordinary),
        ];
        let visits = vec![
            visit("v1", hs[1].id, "2026-12-03", false),
            visit("v2", hs[0].id, "2026-12-03", true),
        ];
        let list = visit_list(&r, &hs, &visits, &items, "a", d("2026-12-07"));
        let ids: Vec<&str> = list.iter().map(|r| r.household_id.as_str()).collect();
        assert_eq!(ids, vec![hs[3].id, hs[0].id, hs[1].id]);
        assert_eq!(list[0].reason, Reason::NewResident);
        assert_eq!(list[0].due, Some(d("2026-12-05")));
        assert!(list[1].tried && !list[1].done);
        assert!(list[2].done, "visited this round: a follow-up now");
        assert_eq!(list[2].last, Some(d("2026-12-03")));
        // "b" walks b1: the other new resident is theirs.
        let list = visit_list(&r, &hs, &visits, &items, "b", d("2026-12-07"));
        let ids: Vec<&str> = list.iter().map(|r| r.household_id.as_str()).collect();
        assert_eq!(ids, vec![hs[7].id, hs[4].id]);
        // Someone with no plan sees every waiting new resident.
        let list = visit_list(&r, &hs, &visits, &items, "c", d("2026-12-07"));
        assert_eq!(list.len(), 2);
    }
}
