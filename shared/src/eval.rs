//! The conformance interface of EVAL.md: a batch of orders in, their category,
//! urgency, complaint severity, deadlines and escalation at `now` out, as JSON. The
//! server exposes it as `anju eval` and `POST /api/eval`; the app runs it for what-ifs.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::calendar::Calendar;
use crate::classify::{Decision, decide};
use crate::error::FieldError;
use crate::json::{self, Node, Path, R};
use crate::model::{
    Category, DeadlineKind, DeadlineStatus, Escalation, EventKind, RepairScope, RepairSize,
    Severity,
};
use crate::policy::Policy;
use crate::sla::{self, Event, OrderFacts};

/// One line naming the offending field: `orders[3].reported_at: not an RFC 3339 time`.
pub type EvalError = FieldError;

type Time = DateTime<FixedOffset>;

/// Which policy to evaluate under.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PolicySpec {
    /// A preset name: `cmsk`, `crland`, `cgy`, `kwy`.
    Preset(String),
    /// A whole policy document, or `{"base": "<preset>", …overrides}` (what-if).
    Custom(Value),
}

/// The input document of EVAL.md.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalInput {
    pub policy: PolicySpec,
    /// Default: UTC+08:00, no holidays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar: Option<Calendar>,
    #[serde(with = "seconds")]
    pub now: Time,
    pub orders: Vec<OrderInput>,
}

/// One order of the input; only `id` and `reported_at` are required.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderInput {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Classified from `text` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Detected from `text` when absent; an explicit value wins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgent: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repair_size: Option<RepairSize>,
    /// Not in EVAL.md; cgy's public repairs run on another clock. Classified from `text`
    /// when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<RepairScope>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Derived from `text` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    #[serde(with = "seconds")]
    pub reported_at: Time,
    pub events: Vec<EventInput>,
}

/// An event of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventInput {
    #[serde(rename = "type")]
    pub kind: EventKind,
    #[serde(with = "seconds")]
    pub at: Time,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
}

/// The output document of EVAL.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalOutput {
    pub orders: Vec<OrderOutput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderOutput {
    pub id: String,
    pub category: Category,
    pub urgent: bool,
    /// `{"severity": …}` for complaints, `null` otherwise.
    pub complaint: Option<ComplaintOutput>,
    pub deadlines: Vec<DeadlineOutput>,
    pub escalation: Escalation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintOutput {
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineOutput {
    pub kind: DeadlineKind,
    /// In the calendar's offset, to the second.
    #[serde(with = "seconds")]
    pub due: Time,
    pub status: DeadlineStatus,
}

/// Reads an input document and evaluates it; the answer as compact JSON.
pub fn eval_str(input: &str) -> Result<String, EvalError> {
    let value = json::parse_document(input, "input")?;
    let input = EvalInput::from_value(&value)?;
    let output = evaluate(&input)?;
    serde_json::to_string(&output).map_err(|e| FieldError::new("output", e.to_string()))
}

/// Evaluates a parsed input.
pub fn evaluate(input: &EvalInput) -> Result<EvalOutput, EvalError> {
    let policy = match &input.policy {
        PolicySpec::Preset(name) => Policy::preset(name)?,
        PolicySpec::Custom(value) => Policy::from_value(value).map_err(|e| e.within("policy"))?,
    };
    let calendar = input.calendar.clone().unwrap_or_default();
    let facts: Vec<OrderFacts> = input.orders.iter().map(OrderInput::facts).collect();
    Ok(evaluate_facts(&policy, &calendar, &facts, input.now))
}

/// The rules over orders already resolved to facts (the server and the app hold
/// these), in input order.
pub fn evaluate_facts(
    policy: &Policy,
    calendar: &Calendar,
    facts: &[OrderFacts],
    now: Time,
) -> EvalOutput {
    let severities = sla::severities(policy, facts, now);
    let orders = facts
        .iter()
        .zip(severities)
        .map(|(o, severity)| OrderOutput {
            id: o.id.clone(),
            category: o.category,
            urgent: o.urgent,
            complaint: severity.map(|severity| ComplaintOutput { severity }),
            deadlines: sla::deadlines(policy, calendar, o, now)
                .into_iter()
                .map(|d| DeadlineOutput {
                    kind: d.kind,
                    due: calendar.in_offset(d.due),
                    status: d.status,
                })
                .collect(),
            escalation: sla::escalation(policy, calendar, o, now),
        })
        .collect();
    EvalOutput { orders }
}

impl OrderInput {
    /// The order's facts: explicit fields win, the rest is classified from `text`.
    pub fn facts(&self) -> OrderFacts {
        let needs_text = self.category.is_none()
            || self.urgent.is_none()
            || self.topic.is_none()
            || self.scope.is_none();
        let suggested: Option<Decision> = match &self.text {
            Some(text) if needs_text => Some(decide(text)),
            _ => None,
        };
        let c = suggested.as_ref();
        OrderFacts {
            id: self.id.clone(),
            category: self
                .category
                .or(c.map(|c| c.category))
                .unwrap_or(Category::Other),
            urgent: self.urgent.or(c.map(|c| c.urgent)).unwrap_or(false),
            repair_size: self.repair_size.unwrap_or_default(),
            scope: self.scope.or(c.and_then(|c| c.scope)),
            place: self.place.clone(),
            topic: self
                .topic
                .clone()
                .or_else(|| c.and_then(|c| c.topic.map(str::to_string))),
            reporter: self.reporter.clone(),
            people: self.people.unwrap_or(1),
            flags: self.flags.clone(),
            reported_at: self.reported_at,
            events: self
                .events
                .iter()
                .map(|e| Event {
                    kind: e.kind,
                    at: e.at,
                    score: e.score,
                })
                .collect(),
        }
    }
}

/// Event types of the order log (DESIGN.md) that the rules do not read; accepted and
/// skipped so a whole log can be evaluated.
const IGNORED_EVENTS: &[&str] = &[
    "reported",
    "classified",
    "note",
    "photo",
    "appointment",
    "reopened",
    "escalated",
    "reassigned",
];

impl EvalInput {
    /// Reads an input document, naming the offending field on error. Extra fields are
    /// ignored.
    pub fn from_value(value: &Value) -> Result<EvalInput, EvalError> {
        let root = Path::Root("");
        let node = Node::new(value, &root);
        let map = node
            .object()
            .map_err(|_| FieldError::new("input", "not an object"))?;
        let policy = json::req(&node, map, "policy", |n| match n.value {
            Value::String(s) => Ok(PolicySpec::Preset(s.clone())),
            Value::Object(_) => Ok(PolicySpec::Custom(n.value.clone())),
            _ => Err(n.err("not a preset name or a policy object")),
        })?;
        let calendar = json::opt(&node, map, "calendar", Calendar::from_node)?;
        let now = json::req(&node, map, "now", |n| n.time())?;
        let orders = json::req(&node, map, "orders", |n| json::each(&n, order))?;
        Ok(EvalInput {
            policy,
            calendar,
            now,
            orders,
        })
    }
}

impl<'de> Deserialize<'de> for EvalInput {
    /// Through [`EvalInput::from_value`], so serde users get the same checks and messages.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        EvalInput::from_value(&value).map_err(serde::de::Error::custom)
    }
}

fn order(node: Node<'_>) -> R<OrderInput> {
    let m = node.object()?;
    let string = |n: Node<'_>| n.str().map(str::to_string);
    let id = json::req(&node, m, "id", string)?;
    let text = json::opt(&node, m, "text", string)?;
    let category = json::opt(&node, m, "category", |n| {
        let s = n.str()?;
        Category::parse(s).ok_or_else(|| n.err(format!("unknown category \"{s}\"")))
    })?;
    let urgent = json::opt(&node, m, "urgent", |n| n.bool())?;
    let repair_size = json::opt(&node, m, "repair_size", |n| {
        let s = n.str()?;
        RepairSize::parse(s).ok_or_else(|| n.err(format!("unknown repair size \"{s}\"")))
    })?;
    let scope = json::opt(&node, m, "scope", |n| {
        let s = n.str()?;
        RepairScope::parse(s).ok_or_else(|| n.err(format!("unknown scope \"{s}\"")))
    })?;
    let place = json::opt(&node, m, "place", string)?;
    let topic = json::opt(&node, m, "topic", string)?;
    let reporter = json::opt(&node, m, "reporter", string)?;
    let people = json::opt(&node, m, "people", |n| n.int(0, i64::from(u32::MAX)))?
        .map(|p| u32::try_from(p).unwrap_or(u32::MAX));
    let flags = json::opt(&node, m, "flags", |n| json::each(&n, string))?.unwrap_or_default();
    let reported_at = json::req(&node, m, "reported_at", |n| n.time())?;
    let events = json::opt(&node, m, "events", |n| json::each(&n, event))?
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect();
    Ok(OrderInput {
        id,
        text,
        category,
        urgent,
        repair_size,
        scope,
        place,
        topic,
        reporter,
        people,
        flags,
        reported_at,
        events,
    })
}

fn event(node: Node<'_>) -> R<Option<EventInput>> {
    let m = node.object()?;
    let kind = json::req(&node, m, "type", |n| {
        let s = n.str()?;
        match EventKind::parse(s) {
            Some(k) => Ok(Some(k)),
            None if IGNORED_EVENTS.contains(&s) => Ok(None),
            None => Err(n.err(format!("unknown event type \"{s}\""))),
        }
    })?;
    let at = json::req(&node, m, "at", |n| n.time())?;
    let score = json::opt(&node, m, "score", |n| n.int(1, 5).map(|s| s as u8))?;
    Ok(kind.map(|kind| EventInput { kind, at, score }))
}

/// Times as RFC 3339 to the second, in the offset they carry (`2026-03-10T09:40:00+08:00`).
pub mod seconds {
    use chrono::{DateTime, Datelike, FixedOffset, Timelike};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn format(t: &DateTime<FixedOffset>) -> String {
        match bytes(t).as_ref().map(|b| std::str::from_utf8(b)) {
            Some(Ok(text)) => text.to_string(),
            _ => with_chrono(t),
        }
    }

    fn with_chrono(t: &DateTime<FixedOffset>) -> String {
        t.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }

    /// The text of [`format`] as ASCII bytes, written directly rather than through
    /// chrono's format-string interpreter, which is slow enough to matter when a batch
    /// of 100,000 orders is hashed. `None` for what only chrono writes right: years
    /// outside 0000–9999 (written with a sign), leap seconds (`:60`) and offsets with
    /// seconds.
    pub fn bytes(t: &DateTime<FixedOffset>) -> Option<[u8; 25]> {
        let local = t.naive_local();
        let year = u32::try_from(local.year()).ok().filter(|y| *y <= 9999)?;
        let offset = t.offset().local_minus_utc();
        if local.nanosecond() >= 1_000_000_000 || offset % 60 != 0 {
            return None;
        }
        let mut out = *b"0000-00-00T00:00:00+00:00";
        let mut put = |at: usize, width: usize, mut n: u32| {
            for slot in out[at..at + width].iter_mut().rev() {
                *slot = b'0' + (n % 10) as u8;
                n /= 10;
            }
        };
        put(0, 4, year);
        put(5, 2, local.month());
        put(8, 2, local.day());
        put(11, 2, local.hour());
        put(14, 2, local.minute());
        put(17, 2, local.second());
        let minutes = offset.unsigned_abs() / 60;
        put(20, 2, minutes / 60);
        put(23, 2, minutes % 60);
        if offset < 0 {
            out[19] = b'-';
        }
        Some(out)
    }

    pub fn serialize<S: Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map_err(|_| serde::de::Error::custom("not an RFC 3339 time"))
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use chrono::{NaiveDate, TimeZone};

        #[test]
        fn the_fast_path_writes_what_chrono_writes() {
            let mut seed = 1u64;
            let mut next = move || {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                seed >> 33
            };
            for _ in 0..20_000 {
                let offset = (next() % (2 * 14 * 60)) as i32 - 14 * 60;
                let Some(tz) = FixedOffset::east_opt(offset * 60) else {
                    continue;
                };
                let secs =
                    (next() % (400 * 366 * 86_400)) as i64 + 1_600_000_000 - 200 * 366 * 86_400;
                let Some(t) = tz.timestamp_opt(secs, 0).single() else {
                    continue;
                };
                assert_eq!(format(&t), with_chrono(&t));
                assert!(bytes(&t).is_some());
            }
            let edge = |y, offset: i32| {
                let tz = FixedOffset::east_opt(offset)?;
                NaiveDate::from_ymd_opt(y, 12, 31)
                    .and_then(|d| d.and_hms_opt(23, 59, 59))
                    .and_then(|d| tz.from_local_datetime(&d).single())
            };
            for (y, offset) in [
                (9999, 0),
                (10_000, 0),
                (-1, 3600),
                (0, -3600),
                (2026, 8 * 3600 + 30),
                (2026, -(5 * 3600 + 45 * 60)),
            ] {
                if let Some(t) = edge(y, offset) {
                    assert_eq!(format(&t), with_chrono(&t), "{y} {offset}");
                }
            }
            let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
                .and_then(|d| d.and_hms_milli_opt(23, 59, 59, 1_000))
                .map(|d| FixedOffset::east_opt(0).map(|tz| tz.from_utc_datetime(&d)));
            if let Some(Some(t)) = leap {
                assert_eq!(format(&t), with_chrono(&t));
                assert!(bytes(&t).is_none());
            }
        }
    }
}
