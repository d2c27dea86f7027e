//! The sync wire: what a device sends to `POST /api/sync` (its outbox and its pull cursor) and
//! what the server answers (an acknowledgement per pushed event and a page of events after the
//! cursor). The same types on both sides, so they cannot drift.

use serde::{Deserialize, Serialize};

use crate::order::Event;

/// The most events a pull page holds.
pub const MAX_PAGE: u32 = 1000;
/// The most events a push may carry.
pub const MAX_PUSH: usize = 1000;
/// The request header in which a device sends its clock (epoch milliseconds) with a sync: a
/// patrol scan pushed from a device far off the server's clock is flagged (`patrol::Flag::Clock`).
pub const DEVICE_TIME_HEADER: &str = "x-anju-device-time";

/// One round trip of a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// The device's stable id (a UUID it made on first start).
    pub device_id: String,
    /// The estate whose events the device keeps.
    pub estate_id: String,
    /// Events from the device's outbox, in its own order (`device_seq` ascending).
    #[serde(default)]
    pub push: Vec<Event>,
    /// The last estate sequence number the device has; 0 for none.
    #[serde(default)]
    pub cursor: i64,
    /// How many events to pull at most (default and cap: [`MAX_PAGE`]).
    #[serde(default)]
    pub limit: Option<u32>,
    /// The private contacts of reports pushed here (a report taken by phone): the full number
    /// never enters the synced log, whose `phone_masked` must be its mask; the server keeps it
    /// with the order, where an audited reveal and a resident's erasure find it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
}

/// A reporter's contact, beside the report it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub order_id: String,
    pub phone: String,
    #[serde(default)]
    pub name: String,
}

/// What became of a pushed event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Stored now, with this sequence number.
    Stored { seq: i64 },
    /// Stored before (the same event id under the same device and device_seq): nothing
    /// changed. Another event under a used key is `Rejected`, never taken for this.
    Duplicate { seq: i64 },
    /// Refused by a rule of the server; kept there for review, never applied. `reason` names
    /// the field in English (`to: not an active staff member of this estate`), `reason_zh` says
    /// it in Chinese for the tablet (empty when the answer repeats an earlier refusal).
    Rejected {
        reason: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason_zh: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ack {
    pub id: String,
    pub device_seq: u64,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// One per pushed event, in push order.
    pub acks: Vec<Ack>,
    /// Events after the request's cursor, in sequence order.
    pub events: Vec<Event>,
    /// The sequence number to send as the next cursor.
    pub cursor: i64,
    /// True when more events wait after this page.
    pub more: bool,
    /// The reference number (the one a resident quotes on the phone) of each order whose
    /// `reported` event is on this page: devices list orders from what sync brought, with no
    /// second read path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<OrderReference>,
}

/// An order's reference number, given by the server when the report is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderReference {
    pub order_id: String,
    pub reference: String,
}
