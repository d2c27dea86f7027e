//! The order event log: what happened to an order, as stored, sent and synced, and the pure fold
//! that turns an order's events into its state, the same code on the server and in the browser.
//!
//! The fold is deterministic whatever order events arrive in: events are sorted by (stamp,
//! device, id); notes, photos and visits only grow; assignee, appointment and classification
//! are last-writer-wins by stamp; the status follows a state machine; and an edit that comes
//! after a close (or that arrives at the server after a close it precedes) is not applied but
//! listed as a conflict for a supervisor — never silently applied, never dropped.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::hlc::Hlc;
use crate::model::{
    Category, ComplaintBusiness, EventKind, RepairScope, RepairSize, Role, Validity, flags,
};
use crate::sla::{self, OrderFacts};
use crate::subject::{Subject, SubjectKind};

/// One thing that happened. Immutable once written; state is a fold over these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "EventWire")]
pub struct Event {
    /// UUIDv7, so ids sort roughly by creation.
    pub id: String,
    /// What it is about: an order, a household, a patrol round (`subject.rs`).
    pub subject: Subject,
    /// The device that recorded it and that device's dense counter (1, 2, 3, …): the
    /// idempotency key of sync.
    pub device_id: String,
    pub device_seq: u64,
    /// The hybrid logical clock stamp: the order of events.
    pub hlc: Hlc,
    /// Who did it: a staff id, or `resident` for the public form.
    pub actor: String,
    /// When it happened by the recording device's clock, in the estate's offset.
    pub at: DateTime<FixedOffset>,
    /// What happened, tagged by `type`. Nested rather than flattened: serde's flatten buffers
    /// every field and costs the wasm app tens of kilobytes.
    pub body: EventBody,
    /// The estate's sequence number, once the server stored it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
}

/// An event as read: today's shape (`subject`) or the one before subjects (`order_id`, empty
/// for a household visit), which a tablet's outbox of an older app still pushes.
#[derive(Deserialize)]
struct EventWire {
    id: String,
    #[serde(default)]
    subject: Option<Subject>,
    #[serde(default)]
    order_id: Option<String>,
    device_id: String,
    device_seq: u64,
    hlc: Hlc,
    actor: String,
    at: DateTime<FixedOffset>,
    body: EventBody,
    #[serde(default)]
    seq: Option<i64>,
}

impl From<EventWire> for Event {
    fn from(w: EventWire) -> Event {
        let subject = w
            .subject
            .unwrap_or_else(|| Subject::legacy(w.order_id.as_deref().unwrap_or(""), &w.body));
        Event {
            id: w.id,
            subject,
            device_id: w.device_id,
            device_seq: w.device_seq,
            hlc: w.hlc,
            actor: w.actor,
            at: w.at,
            body: w.body,
            seq: w.seq,
        }
    }
}

impl Event {
    /// The order this event is about; empty when its subject is not an order.
    pub fn order_id(&self) -> &str {
        if self.subject.kind == SubjectKind::Order {
            &self.subject.id
        } else {
            ""
        }
    }
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
    Reassigned {
        to: String,
    },
    /// Arrived / first contact (响应/到场).
    Responded,
    /// Put on hold until a time agreed with the resident.
    Appointment {
        at: DateTime<FixedOffset>,
    },
    Completed,
    /// A callback (回访): the score (§4), whether the resident says the problem is solved and,
    /// for a call outside the estate's callback hours (D-7), the emergency that justified it.
    /// A score of 2 or less or "not solved" sends the order back to work at once (D-9, see
    /// [`crate::callback::fails`]).
    CalledBack {
        score: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        solved: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
    },
    /// A failed callback or a supervisor sends the order back to work.
    Reopened {
        #[serde(default)]
        reason: String,
    },
    /// A step of the escalation ladder (D-6), recorded by the server's clock when its
    /// threshold passes (or by a supervisor): the level reached and the staff it now concerns.
    Escalated {
        level: crate::model::Escalation,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        to: Vec<String>,
    },
    Closed,
    /// A complaint's severity rose (C-5): recorded by the server's clock when a new report or
    /// time makes it a hotspot or major, naming the staff it now concerns.
    Graded {
        severity: crate::model::Severity,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        to: Vec<String>,
    },
    Note {
        text: String,
    },
    /// A photo, by the content hash of its upload.
    Photo {
        hash: String,
    },
    /// A supervisor has looked at a conflicting edit and settled it.
    ConflictResolved {
        event_id: String,
    },
    /// The resident's personal data was erased at their request (PIPL): recorded by the
    /// server only, so every device redacts its copy of the order at its next sync.
    Erased,
    /// What the desk or a supervisor establishes about an order for the rules: repair size and
    /// scope (C-2), complaint validity and business category (C-3, C-4), who reported, how
    /// many people, and the flags of C-5/C-6/D-9. Each field given replaces the earlier value
    /// (the later stamp wins); fields left out keep theirs.
    Assessed(Assessment),
    /// A step of a patrol round (V-3): about a round, not an order.
    Round(crate::patrol::RoundStep),
    /// A technician (or caretaker) takes the order: one assigned to them, or one of the
    /// estate's open orders nobody has yet. They become its assignee.
    Accepted,
    /// The resident confirmed the completed work: signed on the tablet with a finger (the
    /// signature stored like a photo, by its hash), or told the technician by phone (`who`).
    Confirmed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        who: String,
    },
    /// Paid work: the quote the technician showed and the resident agreed to before the work
    /// started, with its total in fen (`price.rs`). The latest agreed quote counts.
    Quoted {
        items: Vec<crate::price::QuoteLine>,
        total_fen: i64,
    },
    /// The resident's own rating on the tracking page after completion (1–5 and a comment),
    /// recorded by the server for the resident: once per order.
    Rated {
        score: u8,
        #[serde(default)]
        comment: String,
    },
    /// A household visit (V-1): about the household, not an order.
    Visited {
        household_id: String,
        /// `phone`, `door` or `outdoor`.
        method: String,
        #[serde(default)]
        note: String,
        /// Nobody answered or opened: an attempt, which does not cover the household.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        not_home: bool,
    },
}

impl EventBody {
    /// A callback with its score only: solved not asked, made inside the callback hours.
    pub fn callback(score: u8) -> EventBody {
        EventBody::CalledBack {
            score,
            solved: None,
            override_reason: None,
        }
    }

    /// The photos the event names (a photo, a signature, a finding's pictures): the server
    /// must hold each before it takes the event, so a tablet uploads them first.
    pub fn photos(&self) -> Vec<&str> {
        match self {
            EventBody::Photo { hash }
            | EventBody::Confirmed {
                signature: Some(hash),
                ..
            } => vec![hash.as_str()],
            EventBody::Round(crate::patrol::RoundStep::Checked { photos, .. }) => {
                photos.iter().map(String::as_str).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The event's type as on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::Reported(_) => "reported",
            EventBody::Classified { .. } => "classified",
            EventBody::Dispatched { .. } => "dispatched",
            EventBody::Reassigned { .. } => "reassigned",
            EventBody::Responded => "responded",
            EventBody::Appointment { .. } => "appointment",
            EventBody::Completed => "completed",
            EventBody::CalledBack { .. } => "called_back",
            EventBody::Reopened { .. } => "reopened",
            EventBody::Escalated { .. } => "escalated",
            EventBody::Graded { .. } => "graded",
            EventBody::Closed => "closed",
            EventBody::Note { .. } => "note",
            EventBody::Photo { .. } => "photo",
            EventBody::ConflictResolved { .. } => "conflict_resolved",
            EventBody::Erased => "erased",
            EventBody::Assessed(_) => "assessed",
            EventBody::Visited { .. } => "visited",
            EventBody::Round(step) => step.kind(),
            EventBody::Rated { .. } => "rated",
            EventBody::Accepted => "accepted",
            EventBody::Confirmed { .. } => "confirmed",
            EventBody::Quoted { .. } => "quoted",
        }
    }

    /// Whether a role may record this event: the server refuses it otherwise, and the app
    /// offers only the actions this allows.
    pub fn may_be_recorded_by(&self, role: Role) -> bool {
        match self {
            // Anyone at work may report, note, photograph, arrive, complete and agree a time.
            EventBody::Reported(_)
            | EventBody::Note { .. }
            | EventBody::Photo { .. }
            | EventBody::Responded
            | EventBody::Completed
            | EventBody::Confirmed { .. }
            | EventBody::Quoted { .. }
            | EventBody::Appointment { .. } => true,
            // Taking work is the field's: the desk dispatches instead.
            EventBody::Accepted => matches!(role, Role::Technician | Role::Caretaker),
            EventBody::Visited { .. } => role != Role::Technician,
            EventBody::Round(step) => step.may_be_recorded_by(role),
            // Only the server records these: the erasure, and a resident's rating from the
            // tracking page.
            EventBody::Erased | EventBody::Rated { .. } => false,
            EventBody::Classified { .. }
            | EventBody::Dispatched { .. }
            | EventBody::Reassigned { .. }
            | EventBody::CalledBack { .. }
            | EventBody::Closed
            | EventBody::Assessed(_)
            | EventBody::Reopened { .. } => role.may_use_desk(),
            EventBody::Escalated { .. }
            | EventBody::Graded { .. }
            | EventBody::ConflictResolved { .. } => role.is_supervisor(),
        }
    }

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

    /// Grow-only parts never conflict: they are kept whatever the order's state.
    pub fn is_grow_only(&self) -> bool {
        matches!(
            self,
            EventBody::Note { .. }
                | EventBody::Photo { .. }
                | EventBody::ConflictResolved { .. }
                | EventBody::Visited { .. }
                | EventBody::Round(_)
                | EventBody::Erased
                | EventBody::Assessed(_)
                | EventBody::Escalated { .. }
                | EventBody::Graded { .. }
                | EventBody::Rated { .. }
                | EventBody::Confirmed { .. }
        )
    }
}

impl Assessment {
    /// Takes in a later assessment: each field it names replaces this one's.
    pub fn apply(&mut self, later: &Assessment) {
        macro_rules! take {
            ($($f:ident),*) => { $( if later.$f.is_some() { self.$f = later.$f.clone(); } )* };
        }
        take!(
            repair_size,
            scope,
            validity,
            business,
            reporter,
            people,
            topic,
            place,
            flags,
            compensation_yuan
        );
    }

    /// Whether this assessment names nothing.
    pub fn is_empty(&self) -> bool {
        *self == Assessment::default()
    }
}

impl Reported {
    /// A report staff record on someone's behalf (heard by phone, found on a patrol): the
    /// words, where it came from and the category a person chose; no place and no phone yet.
    pub fn by_staff(text: &str, channel: crate::model::Channel, category: Category) -> Reported {
        Reported {
            text: text.to_string(),
            channel: channel.as_str().to_string(),
            category: Some(category),
            suggested: category,
            urgent: false,
            topic: None,
            place: None,
            building_id: String::new(),
            unit_id: String::new(),
            location: String::new(),
            phone_masked: String::new(),
        }
    }
}

/// What an erased resident's report still says in place of their words and whereabouts.
pub const ERASED: &str = "(已按本人要求删除 / erased at the resident's request)";

impl Reported {
    /// The report without what identifies the resident (PIPL erasure): their words, where
    /// they live and their masked phone. The category, urgency and topic stay, so the
    /// estate's statistics still count the order.
    pub fn redact(&mut self) {
        self.text = ERASED.to_string();
        self.place = None;
        self.building_id.clear();
        self.unit_id.clear();
        self.location = ERASED.to_string();
        self.phone_masked.clear();
    }
}

/// What an erasure takes out of one order event's body: the report's words and whereabouts,
/// a rating's comment, the name given for a confirmation by phone. True when it changed.
pub fn redact_body(body: &mut EventBody) -> bool {
    match body {
        EventBody::Reported(r) if r.text != ERASED => {
            r.redact();
            true
        }
        EventBody::Rated { comment, .. } if !comment.is_empty() && comment != ERASED => {
            *comment = ERASED.to_string();
            true
        }
        EventBody::Confirmed { who, .. } if !who.is_empty() && who != ERASED => {
            *who = ERASED.to_string();
            true
        }
        _ => false,
    }
}

/// Redacts, in place, what `events` also say was erased: the reports, ratings' comments and phone confirmations' names of erased orders, and the
/// visit notes of a household recorded up to its erasure (a later visit is of whoever lives
/// there then). The server does it when it erases, a device when it pulls the erasure.
/// Patrol rounds hold no resident's data.
pub fn redact_erased(events: &mut [Event]) -> Vec<String> {
    let erased: Vec<(Subject, DateTime<FixedOffset>)> = events
        .iter()
        .filter(|e| matches!(e.body, EventBody::Erased))
        .map(|e| (e.subject.clone(), e.at))
        .collect();
    let mut changed = Vec::new();
    for e in events.iter_mut() {
        let subject = e.subject.clone();
        let hit = match &mut e.body {
            body @ (EventBody::Reported(_)
            | EventBody::Rated { .. }
            | EventBody::Confirmed { .. })
                if erased.iter().any(|(s, _)| *s == subject) =>
            {
                redact_body(body)
            }
            EventBody::Visited { note, .. }
                if !note.is_empty()
                    && note != ERASED
                    && erased.iter().any(|(s, at)| *s == e.subject && e.at <= *at) =>
            {
                *note = ERASED.to_string();
                true
            }
            _ => false,
        };
        if hit {
            changed.push(e.id.clone());
        }
    }
    changed
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
    /// The issue's place key (`B3`, `car_park`, …), for finding "the same issue".
    #[serde(default)]
    pub place: Option<String>,
    pub building_id: String,
    pub unit_id: String,
    /// Human-readable location, e.g. 「3栋2单元1201」.
    pub location: String,
    /// The reporter's phone, masked (PIPL): the full number is kept apart and revealed on audit.
    pub phone_masked: String,
}

/// The facts of an order that the rules read and a person establishes (see
/// [`EventBody::Assessed`]). Every field is optional: an assessment changes what it names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair_size: Option<RepairSize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<RepairScope>,
    /// C-4: valid (our own management or service) or invalid, with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<Validity>,
    /// C-3: the complaint's business category, an id of [`crate::model::ComplaintBusiness`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<ComplaintBusiness>,
    /// Who reported, for "the same customer about the same matter" (C-5): a household id or
    /// another stable key of the reporter, never a name or a phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<String>,
    /// People behind a collective complaint (C-5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<u32>,
    /// The issue key of "the same issue" (C-5), when a person corrects the classifier's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The flags of [`crate::model::flags::ALL`] that hold, as a whole set (media,
    /// litigation, government, petition, written, forum, rework).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<Vec<String>>,
    /// Compensation claimed or paid, in whole yuan (C-6: above 5,000 a major customer event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation_yuan: Option<u32>,
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

/// The desk's inbox: one estate's open orders, however old, and its most recent ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inbox {
    pub estate: crate::site::EstateInfo,
    pub orders: Vec<OrderRecord>,
}

/// Where an order is in its work flow (§4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Received,
    Dispatched,
    InProgress,
    Completed,
    CalledBack,
    Closed,
}

impl Status {
    pub fn zh(self) -> &'static str {
        match self {
            Status::Received => "待派单",
            Status::Dispatched => "已派单",
            Status::InProgress => "处理中",
            Status::Completed => "已完工",
            Status::CalledBack => "已回访",
            Status::Closed => "已关闭",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Status::Received => "Received",
            Status::Dispatched => "Dispatched",
            Status::InProgress => "In progress",
            Status::Completed => "Completed",
            Status::CalledBack => "Called back",
            Status::Closed => "Closed",
        }
    }
}

/// Why an edit was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// Stamped after the order was closed.
    AfterClose,
    /// Stamped before the close but stored after it: made offline before the close was known.
    Stale,
}

/// An edit kept but not applied, for a supervisor to settle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub event: Event,
    pub kind: ConflictKind,
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
    #[serde(default)]
    pub category_confirmed: bool,
    #[serde(default)]
    pub urgent: bool,
    pub topic: Option<String>,
    pub place: Option<String>,
    pub location: String,
    pub phone_masked: String,
    pub status: Status,
    pub assignee: Option<String>,
    pub appointment: Option<DateTime<FixedOffset>>,
    /// Every applied milestone event in fold order; rules use the earliest of each kind.
    #[serde(default)]
    pub milestones: Vec<(EventKind, DateTime<FixedOffset>, Option<u8>)>,
    /// (when, who, text), in fold order.
    #[serde(default)]
    pub notes: Vec<(DateTime<FixedOffset>, String, String)>,
    #[serde(default)]
    pub photos: Vec<String>,
    /// Edits kept but not applied, not yet settled by a supervisor.
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    /// What people established for the rules ([`EventBody::Assessed`]), field by field.
    #[serde(default)]
    pub assessment: Assessment,
    /// The highest escalation level recorded on the order, and whom it concerns.
    #[serde(default)]
    pub escalated: crate::model::Escalation,
    /// Every recorded step of the ladder: (level, when it became due, whom it concerns).
    #[serde(default)]
    pub escalations: Vec<(crate::model::Escalation, DateTime<FixedOffset>, Vec<String>)>,
    /// The highest complaint severity recorded (C-5), and every rise: (severity, when, whom).
    #[serde(default)]
    pub graded: Option<crate::model::Severity>,
    #[serde(default)]
    pub gradings: Vec<(crate::model::Severity, DateTime<FixedOffset>, Vec<String>)>,
    /// Every applied callback in fold order, with what the resident said.
    #[serde(default)]
    pub callbacks: Vec<CallbackRecord>,
    /// The resident's own rating from the tracking page (the first one counts).
    #[serde(default)]
    pub rating: Option<Rating>,
    /// The resident's confirmation of the completed work (the latest counts).
    #[serde(default)]
    pub confirmation: Option<Confirmation>,
    /// Paid work: the quote the resident agreed to (the latest counts).
    #[serde(default)]
    pub quote: Option<QuoteRecord>,
    /// What a completed paid order costs the resident, in fen: the agreed total when the
    /// work was completed.
    #[serde(default)]
    pub amount_fen: Option<i64>,
    /// Every time a person sent the order back to work ([`EventBody::Reopened`]): (when,
    /// who, why). A failed callback reopens it too, and is among [`OrderState::callbacks`].
    #[serde(default)]
    pub reopenings: Vec<(DateTime<FixedOffset>, String, String)>,
}

/// A quote as the resident agreed to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteRecord {
    pub at: DateTime<FixedOffset>,
    /// Who showed it (the technician).
    pub actor: String,
    pub items: Vec<crate::price::QuoteLine>,
    pub total_fen: i64,
}

/// How the resident confirmed the completed work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confirmation {
    pub at: DateTime<FixedOffset>,
    /// Who recorded it (the technician).
    pub actor: String,
    /// The signature's hash, when the resident signed on the tablet.
    pub signature: Option<String>,
    /// Who confirmed by phone, otherwise.
    pub who: String,
}

/// One callback as the fold applied it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallbackRecord {
    pub at: DateTime<FixedOffset>,
    pub actor: String,
    pub score: u8,
    #[serde(default)]
    pub solved: Option<bool>,
    #[serde(default)]
    pub override_reason: Option<String>,
}

impl CallbackRecord {
    /// Whether this callback sent the order back to work (D-9).
    pub fn fails(&self) -> bool {
        crate::callback::fails(self.score, self.solved)
    }
}

/// A resident's rating of the finished work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    pub at: DateTime<FixedOffset>,
    pub score: u8,
    pub comment: String,
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
        let a = &self.assessment;
        facts.urgent = self.urgent;
        facts.place = a.place.clone().or_else(|| self.place.clone());
        facts.topic = a.topic.clone().or_else(|| self.topic.clone());
        facts.repair_size = a.repair_size.unwrap_or_default();
        facts.scope = a.scope;
        facts.reporter = a.reporter.clone();
        facts.people = a.people.unwrap_or(1).max(1);
        facts.flags = a.flags.clone().unwrap_or_default();
        match a.validity {
            Some(Validity::Valid) => facts.flags.push(flags::VALID.to_string()),
            Some(_) => facts.flags.push(flags::INVALID.to_string()),
            None => {}
        }
        facts.flags.sort();
        facts.flags.dedup();
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
        (a.hlc, a.device_id.as_str(), a.id.as_str()).cmp(&(
            b.hlc,
            b.device_id.as_str(),
            b.id.as_str(),
        ))
    });
}

/// The status an event moves the order to, if it moves it forward. Jumps forward are allowed
/// (a desk may record a completion it heard of by phone); going back needs `reopened`.
fn advance(status: Status, body: &EventBody) -> Status {
    let target = match body {
        EventBody::Dispatched { .. } | EventBody::Reassigned { .. } | EventBody::Accepted => {
            Status::Dispatched
        }
        EventBody::Responded => Status::InProgress,
        EventBody::Completed => Status::Completed,
        EventBody::CalledBack { .. } => Status::CalledBack,
        EventBody::Closed => Status::Closed,
        _ => return status,
    };
    status.max(target)
}

/// Folds one order's events into its state. `None` until its `reported` event is known.
/// Events of other orders are ignored; the order the events come in does not matter.
pub fn fold(order_id: &str, events: &[Event]) -> Option<OrderState> {
    let mut mine: Vec<&Event> = events
        .iter()
        .filter(|e| e.subject.kind == SubjectKind::Order && e.subject.id == order_id)
        .collect();
    mine.sort_by(|a, b| {
        (a.hlc, a.device_id.as_str(), a.id.as_str()).cmp(&(
            b.hlc,
            b.device_id.as_str(),
            b.id.as_str(),
        ))
    });
    // Events can repeat (a device that re-sends, a pull that overlaps a push): the id decides.
    mine.dedup_by(|a, b| a.id == b.id);
    let (reported_at, reported) = mine.iter().find_map(|e| match &e.body {
        EventBody::Reported(r) => Some((e.at, r)),
        _ => None,
    })?;
    // Closes the server has stored, for finding edits that arrived after a close they precede.
    let stored_closes: Vec<(Hlc, i64)> = mine
        .iter()
        .filter(|e| matches!(e.body, EventBody::Closed))
        .filter_map(|e| e.seq.map(|s| (e.hlc, s)))
        .collect();
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
        status: Status::Received,
        assignee: None,
        appointment: None,
        milestones: Vec::new(),
        notes: Vec::new(),
        photos: Vec::new(),
        conflicts: Vec::new(),
        assessment: Assessment::default(),
        escalated: crate::model::Escalation::None,
        escalations: Vec::new(),
        graded: None,
        gradings: Vec::new(),
        callbacks: Vec::new(),
        rating: None,
        confirmation: None,
        quote: None,
        amount_fen: None,
        reopenings: Vec::new(),
    };
    let mut resolved: Vec<&str> = Vec::new();
    let mut erased = false;
    for e in &mine {
        if e.body.is_grow_only() {
            match &e.body {
                EventBody::Note { text } => state.notes.push((e.at, e.actor.clone(), text.clone())),
                EventBody::Photo { hash } => state.photos.push(hash.clone()),
                EventBody::ConflictResolved { event_id } => resolved.push(event_id),
                EventBody::Erased => erased = true,
                // Applied whatever the order's state: validity or a media flag is often
                // established after the work is done, and it changes no work.
                EventBody::Assessed(a) => state.assessment.apply(a),
                // A step of the ladder is a record of time passing, never an edit: kept
                // whatever the order's state, and the level only goes up.
                EventBody::Escalated { level, to } => {
                    state.escalated = state.escalated.max(*level);
                    state.escalations.push((*level, e.at, to.clone()));
                }
                EventBody::Graded { severity, to } => {
                    state.graded = state.graded.max(Some(*severity));
                    state.gradings.push((*severity, e.at, to.clone()));
                }
                EventBody::Confirmed { signature, who } => {
                    state.confirmation = Some(Confirmation {
                        at: e.at,
                        actor: e.actor.clone(),
                        signature: signature.clone(),
                        who: who.clone(),
                    });
                }
                // The resident rates once: a second rating (two tabs) changes nothing.
                EventBody::Rated { score, comment } if state.rating.is_none() => {
                    state.rating = Some(Rating {
                        at: e.at,
                        score: *score,
                        comment: comment.clone(),
                    });
                }
                _ => {}
            }
            continue;
        }
        if matches!(e.body, EventBody::Reported(_)) {
            continue;
        }
        let reopening = matches!(e.body, EventBody::Reopened { .. });
        let stale = e.seq.is_some_and(|seq| {
            stored_closes
                .iter()
                .any(|(close_hlc, close_seq)| *close_hlc > e.hlc && *close_seq < seq)
        });
        if !reopening && (stale || state.status == Status::Closed) {
            let kind = if state.status == Status::Closed {
                ConflictKind::AfterClose
            } else {
                ConflictKind::Stale
            };
            state.conflicts.push(Conflict {
                event: (*e).clone(),
                kind,
            });
            continue;
        }
        match &e.body {
            EventBody::Classified { category, urgent } => {
                state.category = *category;
                state.category_confirmed = true;
                if let Some(u) = urgent {
                    state.urgent = *u;
                }
            }
            EventBody::Dispatched { to: Some(to) } => state.assignee = Some(to.clone()),
            EventBody::Reassigned { to } => state.assignee = Some(to.clone()),
            EventBody::Accepted => state.assignee = Some(e.actor.clone()),
            EventBody::Appointment { at } => state.appointment = Some(*at),
            EventBody::Quoted { items, total_fen } => {
                state.quote = Some(QuoteRecord {
                    at: e.at,
                    actor: e.actor.clone(),
                    items: items.clone(),
                    total_fen: *total_fen,
                });
            }
            // Completion fixes the amount: a quote agreed after it is a new agreement that
            // a later completion (after a reopening) takes in.
            EventBody::Completed => state.amount_fen = state.quote.as_ref().map(|q| q.total_fen),
            EventBody::Reopened { reason } => {
                state
                    .reopenings
                    .push((e.at, e.actor.clone(), reason.clone()));
                state.status = if state.assignee.is_some() {
                    Status::Dispatched
                } else {
                    Status::Received
                };
            }
            _ => {}
        }
        state.status = advance(state.status, &e.body);
        if let EventBody::CalledBack {
            score,
            solved,
            override_reason,
        } = &e.body
        {
            let record = CallbackRecord {
                at: e.at,
                actor: e.actor.clone(),
                score: *score,
                solved: *solved,
                override_reason: override_reason.clone(),
            };
            // D-9: an unsatisfied resident or an unsolved problem reopens the order at once,
            // with no second event to forget; the special callback follows the re-repair.
            if record.fails() {
                state.status = if state.assignee.is_some() {
                    Status::Dispatched
                } else {
                    Status::Received
                };
            }
            state.callbacks.push(record);
        }
        if let Some(kind) = e.body.milestone() {
            let score = match e.body {
                EventBody::CalledBack { score, .. } => Some(score),
                _ => None,
            };
            state.milestones.push((kind, e.at, score));
        }
    }
    state
        .conflicts
        .retain(|c| !resolved.contains(&c.event.id.as_str()));
    // A copy of the report from before the erasure shows nothing of the resident either.
    if erased {
        let mut r = reported.clone();
        r.redact();
        state.text = r.text;
        state.place = r.place;
        state.location = r.location;
        state.phone_masked = r.phone_masked;
    }
    Some(state)
}

/// Every order id mentioned by the events, in first-seen order.
pub fn order_ids(events: &[Event]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut ids = Vec::new();
    for e in events {
        let id = e.order_id();
        if !id.is_empty() && seen.insert(id) {
            ids.push(id.to_string());
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("test time")
    }

    fn ev(id: &str, device: &str, hlc: u64, body: EventBody) -> Event {
        Event {
            id: id.into(),
            subject: Subject::order("o1"),
            device_id: device.into(),
            device_seq: 0,
            hlc: Hlc::new(hlc, 0),
            actor: "desk".into(),
            at: at("2026-03-10T09:30:00+08:00") + chrono::Duration::minutes(hlc as i64),
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
                "d1",
                3,
                EventBody::Classified {
                    category: Category::Complaint,
                    urgent: Some(true),
                },
            ),
            ev("e1", "d1", 1, reported()),
            ev(
                "e2",
                "d1",
                2,
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
        assert_eq!(a.status, Status::Dispatched);
        assert_eq!(a.first(EventKind::Dispatched), Some(events[2].at));
    }

    #[test]
    fn no_state_without_a_report() {
        let events = vec![ev("e2", "d1", 2, EventBody::Responded)];
        assert_eq!(fold("o1", &events), None);
    }

    #[test]
    fn two_devices_apart_merge_notes_and_the_later_assignment() {
        // Device A completes and adds a note; device B reassigns and adds a note, later.
        let events = vec![
            ev("r", "desk", 1, reported()),
            ev("a1", "A", 5, EventBody::Completed),
            ev(
                "a2",
                "A",
                6,
                EventBody::Note {
                    text: "换了阀门".into(),
                },
            ),
            ev("b1", "B", 7, EventBody::Reassigned { to: "tech2".into() }),
            ev(
                "b2",
                "B",
                8,
                EventBody::Note {
                    text: "业主不在家".into(),
                },
            ),
        ];
        let s = fold("o1", &events).expect("folded");
        assert_eq!(s.notes.len(), 2);
        assert_eq!(s.assignee.as_deref(), Some("tech2"));
        assert_eq!(
            s.status,
            Status::Completed,
            "a reassignment does not undo a completion"
        );
        assert!(s.first(EventKind::Completed).is_some());
    }

    #[test]
    fn edits_after_a_close_are_conflicts_not_changes() {
        let mut stale = ev("late", "B", 4, EventBody::Reassigned { to: "tech9".into() });
        stale.seq = Some(20); // stored after the close (seq 10) although stamped before it
        let mut close = ev("close", "A", 5, EventBody::Closed);
        close.seq = Some(10);
        let events = vec![
            ev("r", "desk", 1, reported()),
            ev(
                "d",
                "desk",
                2,
                EventBody::Dispatched {
                    to: Some("tech1".into()),
                },
            ),
            stale,
            close,
            ev("after", "C", 9, EventBody::Responded),
            ev(
                "n",
                "C",
                10,
                EventBody::Note {
                    text: "已关闭仍记录".into(),
                },
            ),
        ];
        let s = fold("o1", &events).expect("folded");
        assert_eq!(s.status, Status::Closed);
        assert_eq!(s.assignee.as_deref(), Some("tech1"));
        assert_eq!(s.notes.len(), 1, "notes never conflict");
        let kinds: Vec<(&str, ConflictKind)> = s
            .conflicts
            .iter()
            .map(|c| (c.event.id.as_str(), c.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("late", ConflictKind::Stale),
                ("after", ConflictKind::AfterClose)
            ]
        );
        assert_eq!(
            s.first(EventKind::Responded),
            None,
            "a conflict is not a milestone"
        );

        let mut settled = events.clone();
        settled.push(ev(
            "ok",
            "sup",
            11,
            EventBody::ConflictResolved {
                event_id: "late".into(),
            },
        ));
        let s = fold("o1", &settled).expect("folded");
        assert_eq!(s.conflicts.len(), 1);
    }

    #[test]
    fn a_reopen_brings_a_closed_order_back() {
        let events = vec![
            ev("r", "desk", 1, reported()),
            ev(
                "d",
                "desk",
                2,
                EventBody::Dispatched {
                    to: Some("tech1".into()),
                },
            ),
            ev("c", "desk", 3, EventBody::Completed),
            ev("x", "desk", 4, EventBody::Closed),
            ev(
                "o",
                "sup",
                5,
                EventBody::Reopened {
                    reason: "回访不满意".into(),
                },
            ),
            ev("r2", "tech", 6, EventBody::Responded),
        ];
        let s = fold("o1", &events).expect("folded");
        assert_eq!(s.status, Status::InProgress);
        assert!(s.conflicts.is_empty());
    }

    #[test]
    fn duplicates_fold_once() {
        let events = vec![
            ev("r", "desk", 1, reported()),
            ev("n", "A", 2, EventBody::Note { text: "x".into() }),
            ev("n", "A", 2, EventBody::Note { text: "x".into() }),
        ];
        assert_eq!(fold("o1", &events).expect("folded").notes.len(), 1);
    }

    #[test]
    fn events_round_trip_as_json_with_a_type_tag() {
        let e = ev("e1", "d1", 1, reported());
        let json = serde_json::to_value(&e).expect("serialise");
        assert_eq!(json["body"]["type"], "reported");
        assert_eq!(json["hlc"], "000000000000001-00000");
        let back: Event = serde_json::from_value(json).expect("parse");
        assert_eq!(back, e);
        assert_eq!(e.body.kind(), "reported");
    }

    #[test]
    fn only_supervisors_settle_conflicts_and_technicians_do_not_close() {
        let resolve = EventBody::ConflictResolved {
            event_id: "e".into(),
        };
        assert!(resolve.may_be_recorded_by(Role::CsSupervisor));
        assert!(resolve.may_be_recorded_by(Role::Admin));
        assert!(!resolve.may_be_recorded_by(Role::FrontDesk));
        assert!(!EventBody::Closed.may_be_recorded_by(Role::Technician));
        assert!(!EventBody::Closed.may_be_recorded_by(Role::Caretaker));
        assert!(EventBody::Completed.may_be_recorded_by(Role::Technician));
        assert!(EventBody::Closed.may_be_recorded_by(Role::FrontDesk));
        assert!(
            EventBody::CalledBack {
                score: 5,
                solved: None,
                override_reason: None
            }
            .may_be_recorded_by(Role::FrontDesk)
        );
        let visit = EventBody::Visited {
            household_id: "h".into(),
            method: "door".into(),
            note: String::new(),
            not_home: false,
        };
        assert!(visit.may_be_recorded_by(Role::Caretaker));
        assert!(!visit.may_be_recorded_by(Role::Technician));
    }

    #[test]
    fn an_erasure_hides_the_resident_in_the_fold_and_redacts_stored_reports() {
        let mut events = vec![
            ev("r", "web", 1, reported()),
            ev(
                "n",
                "tab",
                2,
                EventBody::Note {
                    text: "已修".into(),
                },
            ),
            ev("x", "server", 3, EventBody::Erased),
        ];
        // Folded before the device redacted its copy: nothing of the resident shows.
        let state = fold("o1", &events).expect("order");
        assert_eq!(state.text, ERASED);
        assert_eq!(state.location, ERASED);
        assert_eq!(state.phone_masked, "");
        assert_eq!(state.category, Category::Repair, "the order still counts");
        assert_eq!(state.notes.len(), 1, "the work done stays");
        // The stored copy is redacted once, whatever order the events came in.
        events.reverse();
        assert_eq!(redact_erased(&mut events), vec!["r".to_string()]);
        assert!(redact_erased(&mut events).is_empty());
        let EventBody::Reported(r) = &events[2].body else {
            panic!("the report is still there");
        };
        assert_eq!((r.text.as_str(), r.building_id.as_str()), (ERASED, ""));
        assert!(
            !EventBody::Erased.may_be_recorded_by(Role::Admin),
            "only the server erases"
        );
    }

    #[test]
    fn assessments_reach_the_rules_field_by_field_and_after_a_close() {
        use crate::model::{ComplaintBusiness, RepairSize, Validity};
        let assessed = |a: Assessment| EventBody::Assessed(a);
        let events = vec![
            ev("r", "d1", 0, reported()),
            ev(
                "a1",
                "d1",
                1,
                assessed(Assessment {
                    repair_size: Some(RepairSize::Medium),
                    people: Some(4),
                    flags: Some(vec![flags::MEDIA.into()]),
                    ..Assessment::default()
                }),
            ),
            ev("c", "d1", 2, EventBody::Closed),
            // Established after the close: applied, not a conflict.
            ev(
                "a2",
                "d2",
                3,
                assessed(Assessment {
                    validity: Some(Validity::Valid),
                    business: Some(ComplaintBusiness::Staff),
                    people: Some(12),
                    reporter: Some("h-101".into()),
                    ..Assessment::default()
                }),
            ),
        ];
        let state = fold("o1", &events).expect("folded");
        assert!(state.conflicts.is_empty());
        let facts = state.facts();
        assert_eq!(facts.repair_size, RepairSize::Medium);
        assert_eq!(facts.people, 12, "the later value wins");
        assert_eq!(facts.reporter.as_deref(), Some("h-101"));
        assert_eq!(facts.flags, vec!["media".to_string(), "valid".to_string()]);
        assert_eq!(state.assessment.business, Some(ComplaintBusiness::Staff));
        // Whatever order the events arrive in.
        let mut reversed = events.clone();
        reversed.reverse();
        assert_eq!(fold("o1", &reversed).map(|s| s.facts()), Some(facts));
    }
}
