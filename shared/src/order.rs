//! The order event log: what happened to an order, as stored, sent and synced, and the pure fold
//! that turns an order's events into its state, the same code on the server and in the browser.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::model::{Category, EventKind};
use crate::sla::{self, OrderFacts};

/// One thing that happened to one order. Immutable once written; state is a fold over these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// UUIDv7, so ids sort roughly by creation.
    pub id: String,
    pub order_id: String,
    /// The device that recorded it and that device's dense counter: the idempotency key.
    pub device_id: String,
    pub device_seq: u64,
    /// The ordering stamp (zero-padded epoch milliseconds, then a counter), compared as text.
    pub hlc: String,
    /// Who did it: a staff id, or `resident` for the public form.
    pub actor: String,
    /// When it happened, in the estate's offset.
    pub at: DateTime<FixedOffset>,
    /// What happened, tagged by `type`. Nested rather than flattened: serde's flatten buffers
    /// every field and costs the wasm app tens of kilobytes.
    pub body: EventBody,
    /// The estate's sequence number, once the server stored it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
}

/// What happened. The tag is the event's `type` on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    Reported(Reported),
    /// A person's classification: it wins over the suggestion (the later of two persons wins).
    Classified {
        category: Category,
        #[serde(default)]
        urgent: Option<bool>,
    },
    Dispatched {
        #[serde(default)]
        to: Option<String>,
    },
    Responded,
    Completed,
    CalledBack {
        score: u8,
    },
    Closed,
    Note {
        text: String,
    },
}

impl EventBody {
    /// The milestone this event is for deadlines, if any.
    pub fn milestone(&self) -> Option<EventKind> {
        match self {
            EventBody::Dispatched { .. } => Some(EventKind::Dispatched),
            EventBody::Responded => Some(EventKind::Responded),
            EventBody::Completed => Some(EventKind::Completed),
            EventBody::CalledBack { .. } => Some(EventKind::CalledBack),
            EventBody::Closed => Some(EventKind::Closed),
            _ => None,
        }
    }
}

/// The first event of every order: what the resident (or staff on their behalf) reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reported {
    pub text: String,
    /// Where the report came from: `web_form`, `phone`, `walk_in`, `patrol`, …
    pub channel: String,
    /// The category the reporter confirmed, when they did.
    #[serde(default)]
    pub category: Option<Category>,
    /// What the classifier suggested at the time, kept so staff see why.
    pub suggested: Category,
    pub urgent: bool,
    #[serde(default)]
    pub topic: Option<String>,
    /// The place key (`B3`, `car_park`, …), for finding "the same issue".
    #[serde(default)]
    pub place: Option<String>,
    pub building_id: String,
    pub unit_id: String,
    /// Human-readable location, e.g. 「3栋2单元1201」.
    pub location: String,
    /// The reporter's phone, masked (PIPL): the full number is kept apart and revealed on audit.
    pub phone_masked: String,
}

/// An order's registry entry with its events, as the server lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRecord {
    pub id: String,
    pub estate_id: String,
    /// The number a resident quotes on the phone.
    pub reference: String,
    pub events: Vec<Event>,
}

/// The desk's inbox: one estate's recent orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inbox {
    pub estate: crate::site::EstateInfo,
    pub orders: Vec<OrderRecord>,
}

/// An order as the fold sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderState {
    pub id: String,
    pub reported_at: DateTime<FixedOffset>,
    pub text: String,
    pub channel: String,
    pub category: Category,
    /// True when a person chose the category (the reporter or staff), not the classifier.
    pub category_confirmed: bool,
    pub urgent: bool,
    pub topic: Option<String>,
    pub place: Option<String>,
    pub location: String,
    pub phone_masked: String,
    pub assignee: Option<String>,
    /// Every milestone event in fold order; rules use the earliest of each kind.
    pub milestones: Vec<(EventKind, DateTime<FixedOffset>, Option<u8>)>,
    pub notes: Vec<(DateTime<FixedOffset>, String, String)>,
}

impl OrderState {
    /// The earliest moment of a milestone, if it happened.
    pub fn first(&self, kind: EventKind) -> Option<DateTime<FixedOffset>> {
        self.milestones
            .iter()
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, at, _)| *at)
            .min()
    }

    /// What the rules (deadlines, escalation, severity) need to know of this order.
    pub fn facts(&self) -> OrderFacts {
        let mut facts = OrderFacts::new(self.id.clone(), self.category, self.reported_at);
        facts.urgent = self.urgent;
        facts.place = self.place.clone();
        facts.topic = self.topic.clone();
        facts.events = self
            .milestones
            .iter()
            .map(|(kind, at, score)| {
                let mut e = sla::Event::new(*kind, *at);
                e.score = *score;
                e
            })
            .collect();
        facts
    }
}

/// The deterministic order of events: by stamp, then device, then id.
pub fn sort_events(events: &mut [Event]) {
    events.sort_by(|a, b| {
        (a.hlc.as_str(), a.device_id.as_str(), a.id.as_str()).cmp(&(
            b.hlc.as_str(),
            b.device_id.as_str(),
            b.id.as_str(),
        ))
    });
}

/// Folds one order's events into its state. `None` until its `reported` event is known.
/// Events of other orders are ignored; the input order does not matter.
pub fn fold(order_id: &str, events: &[Event]) -> Option<OrderState> {
    let mut mine: Vec<Event> = events
        .iter()
        .filter(|e| e.order_id == order_id)
        .cloned()
        .collect();
    sort_events(&mut mine);
    let (reported_at, reported) = mine.iter().find_map(|e| match &e.body {
        EventBody::Reported(r) => Some((e.at, r)),
        _ => None,
    })?;
    let mut state = OrderState {
        id: order_id.to_string(),
        reported_at,
        text: reported.text.clone(),
        channel: reported.channel.clone(),
        category: reported.category.unwrap_or(reported.suggested),
        category_confirmed: reported.category.is_some(),
        urgent: reported.urgent,
        topic: reported.topic.clone(),
        place: reported.place.clone(),
        location: reported.location.clone(),
        phone_masked: reported.phone_masked.clone(),
        assignee: None,
        milestones: Vec::new(),
        notes: Vec::new(),
    };
    for e in &mine {
        match &e.body {
            EventBody::Reported(_) => {}
            EventBody::Classified { category, urgent } => {
                state.category = *category;
                state.category_confirmed = true;
                if let Some(u) = urgent {
                    state.urgent = *u;
                }
            }
            EventBody::Dispatched { to } => {
                if to.is_some() {
                    state.assignee = to.clone();
                }
                state.milestones.push((EventKind::Dispatched, e.at, None));
            }
            EventBody::CalledBack { score } => {
                state
                    .milestones
                    .push((EventKind::CalledBack, e.at, Some(*score)));
            }
            EventBody::Note { text } => state.notes.push((e.at, e.actor.clone(), text.clone())),
            other => {
                if let Some(kind) = other.milestone() {
                    state.milestones.push((kind, e.at, None));
                }
            }
        }
    }
    Some(state)
}

/// A stamp for an event recorded at `at` on a device whose last stamp was `last`: never earlier
/// than `last`, so one device's events keep their order even if its clock jumps back.
pub fn next_stamp(at_ms: i64, last: Option<&str>) -> String {
    let fresh = format!("{:015}-{:05}", at_ms.max(0), 0);
    match last {
        Some(prev) if prev >= fresh.as_str() => {
            let (ms, counter) = prev.split_once('-').unwrap_or((prev, "0"));
            let counter: u32 = counter.parse().unwrap_or(0);
            format!("{ms}-{:05}", counter + 1)
        }
        _ => fresh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("test time")
    }

    fn ev(id: &str, hlc: &str, t: &str, body: EventBody) -> Event {
        Event {
            id: id.into(),
            order_id: "o1".into(),
            device_id: "d1".into(),
            device_seq: 0,
            hlc: hlc.into(),
            actor: "desk".into(),
            at: at(t),
            body,
            seq: None,
        }
    }

    fn reported() -> EventBody {
        EventBody::Reported(Reported {
            text: "卫生间漏水".into(),
            channel: "web_form".into(),
            category: None,
            suggested: Category::Repair,
            urgent: false,
            topic: Some("water_leak".into()),
            place: Some("B3".into()),
            building_id: "b3".into(),
            unit_id: "b3u1".into(),
            location: "3栋1单元1201".into(),
            phone_masked: "138****5678".into(),
        })
    }

    #[test]
    fn fold_is_independent_of_input_order_and_overrides_win() {
        let events = vec![
            ev(
                "e3",
                "3",
                "2026-03-10T10:00:00+08:00",
                EventBody::Classified {
                    category: Category::Complaint,
                    urgent: Some(true),
                },
            ),
            ev("e1", "1", "2026-03-10T09:30:00+08:00", reported()),
            ev(
                "e2",
                "2",
                "2026-03-10T09:35:00+08:00",
                EventBody::Dispatched {
                    to: Some("tech1".into()),
                },
            ),
        ];
        let mut reversed = events.clone();
        reversed.reverse();
        let a = fold("o1", &events).expect("folded");
        let b = fold("o1", &reversed).expect("folded");
        assert_eq!(a, b);
        assert_eq!(a.category, Category::Complaint);
        assert!(a.urgent && a.category_confirmed);
        assert_eq!(a.assignee.as_deref(), Some("tech1"));
        assert_eq!(
            a.first(EventKind::Dispatched),
            Some(at("2026-03-10T09:35:00+08:00"))
        );
    }

    #[test]
    fn no_state_without_a_report() {
        let events = vec![ev(
            "e2",
            "2",
            "2026-03-10T09:35:00+08:00",
            EventBody::Responded,
        )];
        assert_eq!(fold("o1", &events), None);
    }

    #[test]
    fn events_round_trip_as_json_with_a_type_tag() {
        let e = ev("e1", "1", "2026-03-10T09:30:00+08:00", reported());
        let json = serde_json::to_value(&e).expect("serialise");
        assert_eq!(json["body"]["type"], "reported");
        let back: Event = serde_json::from_value(json).expect("parse");
        assert_eq!(back, e);
    }

    #[test]
    fn stamps_never_go_back_on_one_device() {
        let a = next_stamp(1_000, None);
        let b = next_stamp(900, Some(&a));
        let c = next_stamp(2_000, Some(&b));
        assert!(a < b && b < c, "{a} {b} {c}");
    }
}
