//! Deadlines (D-1…D-5, D-7, D-8), escalation (D-6) and complaint severity (C-5) as pure
//! functions of a policy, a calendar, an order's facts and `now`: the semantics of
//! EVAL.md, the same code in the browser and on the server.

use std::collections::HashMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::model::{
    Category, DeadlineKind, DeadlineStatus, Escalation, EventKind, RepairScope, RepairSize,
    Severity, flags,
};
use crate::policy::{Anchor, Policy, Rule};

type Time = DateTime<FixedOffset>;

/// One event of an order's log, as far as the rules care.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    pub at: Time,
    /// The callback score, 1 (very unsatisfied) … 5 (very satisfied) (§4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
}

impl Event {
    pub fn new(kind: EventKind, at: Time) -> Self {
        Event {
            kind,
            at,
            score: None,
        }
    }
}

/// What the rules know about an order: its classification (after any person's
/// override) and its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFacts {
    pub id: String,
    pub category: Category,
    #[serde(default)]
    pub urgent: bool,
    #[serde(default)]
    pub repair_size: RepairSize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<RepairScope>,
    /// With `topic`, the issue key of "the same issue" (C-5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Who reported it; a complaint without one is its own reporter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<String>,
    /// People behind a collective complaint.
    #[serde(default = "one")]
    pub people: u32,
    /// `media`, `litigation`, `rework`, … (see [`crate::model::flags`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    pub reported_at: Time,
    /// In any order; only the earliest of each kind counts.
    #[serde(default)]
    pub events: Vec<Event>,
}

fn one() -> u32 {
    1
}

impl OrderFacts {
    /// An order with defaults: not urgent, general size, one person, no events.
    pub fn new(id: impl Into<String>, category: Category, reported_at: Time) -> Self {
        OrderFacts {
            id: id.into(),
            category,
            urgent: false,
            repair_size: RepairSize::General,
            scope: None,
            place: None,
            topic: None,
            reporter: None,
            people: 1,
            flags: Vec::new(),
            reported_at,
            events: Vec::new(),
        }
    }

    /// The earliest event of a kind (EVAL.md: only the earliest counts).
    pub fn first(&self, kind: EventKind) -> Option<&Event> {
        self.events
            .iter()
            .filter(|e| e.kind == kind)
            .min_by_key(|e| e.at)
    }

    /// When the earliest event of a kind happened.
    pub fn first_at(&self, kind: EventKind) -> Option<Time> {
        self.first(kind).map(|e| e.at)
    }

    /// The score of the earliest callback, if it had one.
    pub fn callback_score(&self) -> Option<u8> {
        self.first(EventKind::CalledBack).and_then(|e| e.score)
    }

    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    /// Both parts of the issue key, when both are present (C-5 "same issue").
    pub fn issue_key(&self) -> Option<(&str, &str)> {
        match (self.place.as_deref(), self.topic.as_deref()) {
            (Some(p), Some(t)) => Some((p, t)),
            _ => None,
        }
    }
}

/// A deadline of an order and where it stands at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub due: Time,
    pub status: DeadlineStatus,
    /// When the event that meets it happened, if it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<Time>,
}

/// EVAL.md status: met/missed once the event exists, open/overdue before.
pub fn status(due: Time, done_at: Option<Time>, now: Time) -> DeadlineStatus {
    match done_at {
        Some(at) if at <= due => DeadlineStatus::Met,
        Some(_) => DeadlineStatus::Missed,
        None if now <= due => DeadlineStatus::Open,
        None => DeadlineStatus::Overdue,
    }
}

/// Night is at or after the end of day service hours, or before their start (D-2).
pub fn is_night(policy: &Policy, cal: &Calendar, t: Time) -> bool {
    let time = cal.local(t).time();
    time < policy.hours.day_start || time >= policy.hours.day_end
}

/// The handling day: the report's date, or the next day for a report at or after the
/// end of day service hours (EVAL.md).
pub fn handling_day(policy: &Policy, cal: &Calendar, reported_at: Time) -> NaiveDate {
    let local = cal.local(reported_at);
    if local.time() >= policy.hours.day_end {
        local.date().succ_opt().unwrap_or(local.date())
    } else {
        local.date()
    }
}

fn end_of_day(cal: &Calendar, date: NaiveDate) -> Option<Time> {
    cal.at_date(date.succ_opt()?, NaiveTime::MIN)
}

/// The first start of day service hours at or after `t` ("the next 09:00").
pub fn next_day_start(policy: &Policy, cal: &Calendar, t: Time) -> Option<Time> {
    let local = cal.local(t);
    let start = policy.hours.day_start;
    let date = if local.time() <= start {
        local.date()
    } else {
        local.date().succ_opt()?
    };
    cal.at_date(date, start)
}

/// Whether a callback may be made at `t` (D-7).
pub fn callback_allowed(policy: &Policy, cal: &Calendar, t: Time) -> bool {
    let time = cal.local(t).time();
    policy
        .callback_window
        .allowed
        .iter()
        .any(|(a, b)| *a <= time && time <= *b)
}

/// D-7: a time in a forbidden callback period moves back to the last allowed moment
/// before it (09:30 → the previous day's 21:00, 12:30 → 12:00, 22:00 → 21:00).
pub fn last_allowed_callback(policy: &Policy, cal: &Calendar, t: Time) -> Time {
    if callback_allowed(policy, cal, t) {
        return t;
    }
    let local = cal.local(t);
    let time = local.time();
    let allowed = &policy.callback_window.allowed;
    let same_day = allowed.iter().rev().find(|(_, end)| *end < time);
    let moved = match same_day {
        Some((_, end)) => Some(local.date().and_time(*end)),
        // Before the first period of the day: the previous day's last allowed moment.
        None => match (local.date().pred_opt(), allowed.last()) {
            (Some(prev), Some((_, end))) => Some(prev.and_time(*end)),
            _ => None,
        },
    };
    moved.and_then(|m| cal.at(m)).unwrap_or(t)
}

/// The earliest event of each kind (EVAL.md: only the earliest counts), found in one pass
/// over the log: an order's deadlines ask for several kinds, several times each.
#[derive(Debug, Clone, Copy)]
struct Firsts([Option<Time>; EventKind::ALL.len()]);

impl Firsts {
    fn of(order: &OrderFacts) -> Firsts {
        let mut firsts = [None; EventKind::ALL.len()];
        for e in &order.events {
            if let Some(slot) = firsts.get_mut(e.kind as usize)
                && slot.is_none_or(|t| e.at < t)
            {
                *slot = Some(e.at);
            }
        }
        Firsts(firsts)
    }

    /// The same as [`OrderFacts::first_at`].
    fn at(&self, kind: EventKind) -> Option<Time> {
        self.0.get(kind as usize).copied().flatten()
    }
}

/// Facts a rule needs besides the order itself.
struct Ctx<'a> {
    policy: &'a Policy,
    cal: &'a Calendar,
    order: &'a OrderFacts,
    firsts: Firsts,
    response_due: Option<Time>,
}

impl Ctx<'_> {
    fn due(&self, rule: &Rule) -> Option<Time> {
        let rule = rule.for_scope(self.order.scope);
        let anchor = match rule.from {
            Anchor::Reported => Some(self.order.reported_at),
            Anchor::HandlingDayEnd => end_of_day(
                self.cal,
                handling_day(self.policy, self.cal, self.order.reported_at),
            ),
            Anchor::Dispatched => self.firsts.at(EventKind::Dispatched),
            Anchor::ResponseDue => self.response_due,
            Anchor::Completed => self.firsts.at(EventKind::Completed),
        };
        let Some(anchor) = anchor else {
            return rule.fallback.as_deref().and_then(|f| self.due(f));
        };
        let due = if rule.night_deferred
            && !self.order.urgent
            && is_night(self.policy, self.cal, self.order.reported_at)
        {
            // cmsk D-1/D-2: what arrives at night waits for the morning, unless urgent.
            next_day_start(self.policy, self.cal, self.order.reported_at)?
        } else if let Some(n) = rule.working_days {
            let date = self.cal.local(anchor).date();
            let day = self.cal.nth_working_day_after(date, n)?;
            match rule.at {
                Some(at) => self.cal.at_date(day, at)?,
                None => end_of_day(self.cal, day)?,
            }
        } else {
            anchor.checked_add_signed(Duration::minutes(rule.minutes))?
        };
        let due = if rule.callback_window {
            last_allowed_callback(self.policy, self.cal, due)
        } else {
            due
        };
        Some(self.cal.in_offset(due))
    }
}

/// The deadlines of an order at `now`, in EVAL.md's order: dispatch for every order;
/// response, completion and callback for tracked categories (repairs and complaints in
/// the presets); a callback only once the order is completed.
pub fn deadlines(policy: &Policy, cal: &Calendar, order: &OrderFacts, now: Time) -> Vec<Deadline> {
    let mut out = Vec::with_capacity(4);
    deadlines_into(&mut out, policy, cal, order, now);
    out
}

/// [`deadlines`] appended to `out`, so a batch can reuse one vector for all its orders.
pub fn deadlines_into(
    out: &mut Vec<Deadline>,
    policy: &Policy,
    cal: &Calendar,
    order: &OrderFacts,
    now: Time,
) {
    let firsts = Firsts::of(order);
    let mut ctx = Ctx {
        policy,
        cal,
        order,
        firsts,
        response_due: None,
    };
    let mut push = |kind: DeadlineKind, due: Option<Time>| {
        if let Some(due) = due {
            let done_at = firsts.at(kind.event());
            out.push(Deadline {
                kind,
                due,
                status: status(due, done_at, now),
                done_at,
            });
        }
    };
    push(DeadlineKind::Dispatch, ctx.due(&policy.dispatch.rule));
    if let Some(tracked) = policy.tracked(order.category) {
        let response = ctx.due(&tracked.response.rule);
        ctx.response_due = response;
        push(DeadlineKind::Response, response);
        push(
            DeadlineKind::Completion,
            ctx.due(tracked.completion.for_size(order.repair_size)),
        );
        if firsts.at(EventKind::Completed).is_some() {
            let callback = match &tracked.rework_callback {
                Some(rework) if order.has_flag(flags::REWORK) => &rework.rule,
                _ => &tracked.callback.rule,
            };
            push(DeadlineKind::Callback, ctx.due(callback));
        }
    }
}

/// The escalation ladder of an order: when each level is reached if the order is still
/// not completed, in the policy's order. Empty for categories that do not escalate.
pub fn escalation_schedule(
    policy: &Policy,
    cal: &Calendar,
    order: &OrderFacts,
) -> Vec<(Escalation, Time)> {
    if !policy.escalation.categories.contains(&order.category) {
        return Vec::new();
    }
    let ctx = Ctx {
        policy,
        cal,
        order,
        firsts: Firsts::of(order),
        response_due: None,
    };
    policy
        .escalation
        .steps
        .iter()
        .filter_map(|s| ctx.due(&s.rule).map(|t| (s.level, t)))
        .collect()
}

/// D-6 / EVAL.md: with `m = min(now, first completed)`, the highest level whose
/// threshold `m` is strictly after; `none` for categories that do not escalate.
pub fn escalation(policy: &Policy, cal: &Calendar, order: &OrderFacts, now: Time) -> Escalation {
    if !policy.escalation.categories.contains(&order.category) {
        return Escalation::None;
    }
    let firsts = Firsts::of(order);
    let m = match firsts.at(EventKind::Completed) {
        Some(done) if done < now => done,
        _ => now,
    };
    // The schedule's steps, walked in place rather than collected: this runs for every
    // order of a batch.
    let ctx = Ctx {
        policy,
        cal,
        order,
        firsts,
        response_due: None,
    };
    policy
        .escalation
        .steps
        .iter()
        .filter_map(|s| ctx.due(&s.rule).map(|t| (s.level, t)))
        .filter(|(_, t)| m > *t)
        .map(|(level, _)| level)
        .max()
        .unwrap_or(Escalation::None)
}

/// So [`severities`] takes a slice of facts or of anything holding them.
impl AsRef<OrderFacts> for OrderFacts {
    fn as_ref(&self) -> &OrderFacts {
        self
    }
}

/// C-5 / EVAL.md: the severity of every complaint (`None` for other categories), at
/// `now`. Grouping by issue sorts by key, so a batch costs O(n log n).
pub fn severities<F: AsRef<OrderFacts>>(
    policy: &Policy,
    orders: &[F],
    now: Time,
) -> Vec<Option<Severity>> {
    // One non-generic body, so each caller's type adds only this line to the binary.
    let orders: Vec<&OrderFacts> = orders.iter().map(AsRef::as_ref).collect();
    severities_of(policy, &orders, now)
}

fn severities_of(policy: &Policy, orders: &[&OrderFacts], now: Time) -> Vec<Option<Severity>> {
    grade(policy, orders, now, None)
}

/// Why a complaint has the severity it has (C-5): each test of the policy it passes, with the
/// numbers that decided it. [`crate::complaint::grades`] gives them with the severity, and
/// [`crate::complaint::reason_words`] puts them in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "test", rename_all = "snake_case")]
pub enum Reason {
    /// A flag the policy makes major (`media`, `litigation`).
    Flag { flag: String },
    /// A collective complaint of `people`, at least the policy's `at_least`.
    People { people: u32, at_least: u32 },
    /// The same reporter about the same issue `times` times.
    SameReporter { times: u32, at_least: u32 },
    /// Not completed more than `days` days after the report.
    Unresolved { days: u32 },
    /// `reporters` different reporters of the same issue within `window_days` days.
    Reporters {
        reporters: u32,
        at_least: u32,
        window_days: u32,
    },
}

/// The C-5 tests over a batch, once: the severities and, when `why` is given (one list per
/// order), every test each complaint passes with the severity it gives.
pub(crate) fn grade(
    policy: &Policy,
    orders: &[&OrderFacts],
    now: Time,
    mut why: Option<&mut Vec<Vec<(Severity, Reason)>>>,
) -> Vec<Option<Severity>> {
    let rules = &policy.severity;
    let mut out: Vec<Option<Severity>> = orders
        .iter()
        .map(|o| (o.category == Category::Complaint).then_some(Severity::General))
        .collect();

    // Only complaints reported at or before `now` count, for themselves and others.
    let counted: Vec<usize> = (0..orders.len())
        .filter(|&i| orders[i].category == Category::Complaint && orders[i].reported_at <= now)
        .collect();

    // The reason is built only when asked for: a batch of severities allocates none.
    let mut raise =
        |out: &mut Vec<Option<Severity>>, i: usize, s: Severity, reason: &dyn Fn() -> Reason| {
            if let Some(slot) = out.get_mut(i) {
                *slot = (*slot).max(Some(s));
            }
            if let Some(list) = why.as_deref_mut().and_then(|w| w.get_mut(i)) {
                list.push((s, reason()));
            }
        };

    // Tests on the complaint alone.
    for &i in &counted {
        let o = orders[i];
        let unresolved_for = |days: u32| {
            o.first_at(EventKind::Completed).is_none()
                && now - o.reported_at > Duration::days(i64::from(days))
        };
        for flag in rules.major.flags.iter().filter(|f| o.has_flag(f)) {
            raise(&mut out, i, Severity::Major, &|| Reason::Flag {
                flag: flag.clone(),
            });
        }
        let people = |at_least: Option<u32>| at_least.filter(|p| o.people >= *p);
        if let Some(at_least) = people(rules.major.people) {
            raise(&mut out, i, Severity::Major, &|| Reason::People {
                people: o.people,
                at_least,
            });
        }
        if let Some(days) = rules.major.unresolved_days.filter(|d| unresolved_for(*d)) {
            raise(&mut out, i, Severity::Major, &|| Reason::Unresolved {
                days,
            });
        }
        if let Some(at_least) = people(rules.hotspot.people) {
            raise(&mut out, i, Severity::Hotspot, &|| Reason::People {
                people: o.people,
                at_least,
            });
        }
        if let Some(days) = rules.hotspot.unresolved_days.filter(|d| unresolved_for(*d)) {
            raise(&mut out, i, Severity::Hotspot, &|| Reason::Unresolved {
                days,
            });
        }
    }

    // Tests across complaints of the same issue. Issue keys and reporters are numbered
    // first (in input order), so sorting and counting compare integers, not strings.
    let mut issues: HashMap<(&str, &str), u32> = HashMap::new();
    let mut reporters: HashMap<&str, u32> = HashMap::with_capacity(counted.len());
    let mut whos = 0u32;
    let mut keyed: Vec<Keyed> = Vec::new();
    for &i in &counted {
        let o = orders[i];
        let Some(key) = o.issue_key() else {
            continue;
        };
        let next = issues.len() as u32;
        let issue = *issues.entry(key).or_insert(next);
        let named = o.reporter.is_some();
        // A complaint without a reporter is its own reporter: a number of its own.
        let who = match o.reporter.as_deref() {
            Some(r) => *reporters.entry(r).or_insert(whos),
            None => whos,
        };
        if who == whos {
            whos += 1;
        }
        keyed.push(Keyed {
            issue,
            who,
            named,
            at: o.reported_at,
            index: i,
        });
    }

    // Major: the same present reporter, the same issue, at least N times.
    if let Some(n) = rules.major.same_reporter {
        keyed.sort_unstable_by_key(|k| (k.issue, k.who));
        for group in keyed.chunk_by(|a, b| (a.issue, a.who) == (b.issue, b.who)) {
            if group[0].named && group.len() >= n as usize {
                for x in group {
                    raise(&mut out, x.index, Severity::Major, &|| {
                        Reason::SameReporter {
                            times: group.len() as u32,
                            at_least: n,
                        }
                    });
                }
            }
        }
    }

    // Hotspot: some span of `window_days` (both ends included) holding this complaint
    // and same-issue complaints of at least N different reporters. A window can always
    // be slid to start at its earliest complaint, so it is enough to try the windows
    // starting at each complaint: two pointers over each issue's complaints in time order.
    if let Some(n) = rules.hotspot.reporters {
        let window_days = rules.hotspot.window_days;
        let window = Duration::days(i64::from(window_days));
        keyed.sort_unstable_by_key(|k| (k.issue, k.at, k.index));
        // Complaints per reporter inside the window, and how many reporters that is.
        // Every complaint enters and leaves the window once, so each issue leaves the
        // counts at zero for the next.
        let mut counts = vec![0u32; whos as usize];
        let mut distinct = 0usize;
        for group in keyed.chunk_by(|a, b| a.issue == b.issue) {
            let mut r = 0;
            let mut marked_until = 0;
            for l in 0..group.len() {
                while r < group.len() && group[r].at - group[l].at <= window {
                    let c = &mut counts[group[r].who as usize];
                    if *c == 0 {
                        distinct += 1;
                    }
                    *c += 1;
                    r += 1;
                }
                if distinct >= n as usize {
                    let reporters = distinct as u32;
                    for x in &group[marked_until.max(l)..r] {
                        raise(&mut out, x.index, Severity::Hotspot, &|| {
                            Reason::Reporters {
                                reporters,
                                at_least: n,
                                window_days,
                            }
                        });
                    }
                    marked_until = r;
                }
                let c = &mut counts[group[l].who as usize];
                *c -= 1;
                if *c == 0 {
                    distinct -= 1;
                }
            }
        }
    }
    out
}

/// A complaint with an issue key, as [`severities`] groups them.
struct Keyed {
    /// The issue (place and topic), numbered.
    issue: u32,
    /// The reporter, numbered; an anonymous complaint has a number of its own.
    who: u32,
    /// Whether `who` is a present reporter.
    named: bool,
    at: Time,
    index: usize,
}

/// The local wall-clock time of `t` in the calendar (for display helpers).
pub fn local_time(cal: &Calendar, t: Time) -> NaiveDateTime {
    cal.local(t)
}
