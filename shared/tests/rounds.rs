//! Properties of visit rounds (V-1): whatever visits are recorded, in whatever order, each
//! household counts at most once per round, and a monthly plan never lists a household
//! twice nor one already visited in its round.

use std::collections::HashSet;

use anju_shared::coverage::{self, Filter, Home, Visit};
use anju_shared::model::VisitMethod;
use anju_shared::plan::{self, PlanHome};
use anju_shared::policy::Policy;
use chrono::{Days, FixedOffset, NaiveDate, TimeZone};
use proptest::prelude::*;

const HOUSEHOLDS: [&str; 6] = ["h0", "h1", "h2", "h3", "h4", "h5"];

fn day0() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
}

fn visit(i: usize, (household, day, not_home, method): (usize, u64, bool, u8)) -> Visit {
    let date = day0() + Days::new(day);
    let at = FixedOffset::east_opt(8 * 3600)
        .and_then(|o| {
            o.from_local_datetime(&date.and_hms_opt(9, 0, 0).unwrap_or_default())
                .single()
        })
        .unwrap_or_default();
    Visit {
        id: format!("v{i}"),
        household_id: HOUSEHOLDS[household].to_string(),
        at,
        actor: "gj".into(),
        method: [VisitMethod::Door, VisitMethod::Phone, VisitMethod::Outdoor]
            [usize::from(method % 3)],
        not_home,
        note: String::new(),
    }
}

proptest! {
    #[test]
    fn each_household_counts_once_per_round(
        raw in proptest::collection::vec((0usize..6, 0u64..365, any::<bool>(), any::<u8>()), 0..60),
        today in 0u64..365,
        preset in prop_oneof![Just("cmsk"), Just("crland"), Just("cgy"), Just("kwy")],
    ) {
        let rules = Policy::preset(preset).map(|p| p.visits).unwrap_or_default();
        let visits: Vec<Visit> = raw.into_iter().enumerate().map(|(i, r)| visit(i, r)).collect();
        let homes: Vec<Home<'_>> = HOUSEHOLDS
            .iter()
            .enumerate()
            .map(|(i, id)| Home { id, important: i % 2 == 0, moved_in: None })
            .collect();
        let today = day0() + Days::new(today);
        let statuses = coverage::statuses(&rules, &homes, &visits, &Filter::default(), today);
        let c = coverage::coverage(&homes, &statuses);
        // The households with a real visit in their round on or before today.
        let mut expected = 0u32;
        for h in &homes {
            let (from, to) = coverage::round(rules.round(h.important).months, today);
            if visits.iter().any(|v| {
                let d = v.at.date_naive();
                v.household_id == h.id && !v.not_home && from <= d && d < to && d <= today
            }) {
                expected += 1;
            }
        }
        prop_assert_eq!(c.all.visited, expected);
        prop_assert!(c.all.visited <= c.all.households);
        prop_assert_eq!(c.all.households as usize, homes.len());
        // Every visit recorded twice (a re-sent batch, a second device) changes nothing.
        let mut doubled = visits.clone();
        doubled.extend(visits.iter().cloned());
        let again = coverage::statuses(&rules, &homes, &doubled, &Filter::default(), today);
        prop_assert_eq!(statuses, again);
    }

    #[test]
    fn a_plan_lists_each_household_once_and_none_visited_in_its_round(
        raw in proptest::collection::vec((0usize..6, 0u64..365, any::<bool>(), any::<u8>()), 0..40),
        month in 1u32..=12,
        carers in 1usize..4,
    ) {
        let rules = Policy::preset("crland").map(|p| p.visits).unwrap_or_default();
        let visits: Vec<Visit> = raw.into_iter().enumerate().map(|(i, r)| visit(i, r)).collect();
        let homes: Vec<PlanHome<'_>> = HOUSEHOLDS
            .iter()
            .enumerate()
            .map(|(i, id)| PlanHome {
                id,
                building: if i < 3 { "b1" } else { "b2" },
                unit: "u1",
                floor: i as i64,
                room: "01",
                important: i % 2 == 0,
                moved_in: None,
            })
            .collect();
        let first = NaiveDate::from_ymd_opt(2026, month, 1).unwrap_or_default();
        let names = ["a", "b", "c"];
        let items = plan::propose(&rules, &homes, &visits, &names[..carers], first);
        let ids: HashSet<&str> = items.iter().map(|i| i.household_id.as_str()).collect();
        prop_assert_eq!(ids.len(), items.len());
        for item in &items {
            let h = homes.iter().find(|h| h.id == item.household_id);
            prop_assert!(h.is_some());
            let h = h.unwrap_or(&homes[0]);
            let (from, to) = coverage::round(rules.round(h.important).months, first);
            let seen = visits.iter().any(|v| {
                let d = v.at.date_naive();
                v.household_id == h.id && !v.not_home && from <= d && d < to
            });
            prop_assert!(!seen, "{} was visited in its round", h.id);
        }
    }
}
