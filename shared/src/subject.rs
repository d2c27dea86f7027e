//! What an event is about: its subject, a kind (an order, a household, a patrol round, and
//! later an inspection or a survey) and an id. One log, one sync and one arrival check carry
//! every kind; each kind has its own fold (`order::fold`, `coverage::visits` for households,
//! `patrol::fold_round`), and each event body belongs to exactly one kind.

use serde::{Deserialize, Serialize};

use crate::model::labelled_enum;
use crate::order::EventBody;

labelled_enum! {
    /// The kinds of things the log records events about.
    SubjectKind {
        Order = "order", "工单", "Order";
        Household = "household", "住户", "Household";
        /// One day's patrol round of a route (V-3).
        Round = "round", "巡查轮次", "Patrol round";
        /// Reserved: a quality inspection (no events yet).
        Inspection = "inspection", "品质检查", "Inspection";
        /// Reserved: a satisfaction survey (no events yet).
        Survey = "survey", "满意度调查", "Survey";
    }
}

/// The subject of an event: what its fold is keyed by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: String,
}

impl Subject {
    pub fn new(kind: SubjectKind, id: impl Into<String>) -> Subject {
        Subject {
            kind,
            id: id.into(),
        }
    }

    pub fn order(id: impl Into<String>) -> Subject {
        Subject::new(SubjectKind::Order, id)
    }

    pub fn household(id: impl Into<String>) -> Subject {
        Subject::new(SubjectKind::Household, id)
    }

    pub fn round(id: impl Into<String>) -> Subject {
        Subject::new(SubjectKind::Round, id)
    }

    /// The subject of an event written before events named one (an outbox of an older app,
    /// a stored copy): `order_id`, or — empty, for a visit — the visited household. Anything
    /// else with an empty `order_id` stays an order event without an order, which the arrival
    /// check refuses as it always did.
    pub fn legacy(order_id: &str, body: &EventBody) -> Subject {
        match body {
            EventBody::Visited { household_id, .. } if order_id.is_empty() => {
                Subject::household(household_id.clone())
            }
            _ => Subject::order(order_id),
        }
    }
}

impl EventBody {
    /// The kinds of subject this body may be about, the usual one first: the arrival check
    /// refuses an event whose subject is of another kind. An erasure (PIPL) is recorded on each
    /// order and household that held the resident's data.
    pub fn subject_kinds(&self) -> &'static [SubjectKind] {
        match self {
            EventBody::Visited { .. } => &[SubjectKind::Household],
            EventBody::Round(_) => &[SubjectKind::Round],
            EventBody::Erased => &[SubjectKind::Order, SubjectKind::Household],
            _ => &[SubjectKind::Order],
        }
    }
}
