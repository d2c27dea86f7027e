//! Request and answer bodies of the API that both the server and the app read, written once so
//! the two cannot drift: the server serializes them, the app deserializes them (the rules'
//! own types — events, policies, reports — live with their rules).

use serde::{Deserialize, Serialize};

use crate::model::Role;
use crate::order::EventBody;
use crate::site::EstateInfo;

/// The logged-in staff member (`GET /api/me`), with the estates they may see; the app keeps it
/// on the device, so an offline reload knows who is working.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    /// The staff id: the `actor` of the events this user records.
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// The role's id (`front_desk`, …).
    pub role: String,
    #[serde(default)]
    pub estates: Vec<EstateInfo>,
}

impl Me {
    /// Whether the server takes this event from this user: the same rule the server applies,
    /// so a button is offered exactly when the server would accept what it records.
    pub fn may(&self, body: &EventBody) -> bool {
        Role::parse(&self.role).is_some_and(|r| body.may_be_recorded_by(r))
    }
}

/// The notifications a person has opened, on any device (`GET`/`POST /api/me/reads`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reads {
    pub keys: Vec<String>,
}

/// A colleague as `GET /api/estates/{id}/staff` lists them, who an order can be given to: no
/// contact data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colleague {
    pub id: String,
    pub display_name: String,
    /// The role's id (`technician`, …).
    pub role: String,
}

/// A resident, masked: `王*`, `138****5678`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedResident {
    pub name: String,
    pub phone_masked: String,
}

/// A household the caller's number belongs to (`POST /api/estates/{id}/callers`): where it
/// is, and its residents masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub household_id: String,
    pub building_id: String,
    pub unit_id: String,
    pub room: String,
    /// `3栋2单元1201`, as a report's location reads.
    pub location: String,
    pub residents: Vec<MaskedResident>,
}

/// `POST /api/admin/residents/erase`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erased {
    /// The orders whose reports were redacted.
    pub orders: Vec<String>,
    /// The households they were registered in, whose visit notes were redacted.
    #[serde(default)]
    pub households: Vec<String>,
    /// How many stored photos they had attached were deleted.
    pub photos: u64,
}

/// A webhook as the admin's list shows it (`GET /api/admin/webhooks`), with its deliveries
/// counted by status. Never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: String,
    pub name: String,
    pub url: String,
    pub kinds: Vec<String>,
    /// Empty: every estate of the company.
    pub estate_ids: Vec<String>,
    pub enabled: bool,
    pub created_ms: i64,
    /// Deliveries by status.
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
}

fn yes() -> bool {
    true
}

/// `POST /api/admin/webhooks`: a webhook to register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWebhook {
    #[serde(default)]
    pub name: String,
    pub url: String,
    pub kinds: Vec<String>,
    #[serde(default)]
    pub estate_ids: Vec<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// `POST /api/admin/webhooks`'s answer: the webhook and its secret, shown this once (the
/// server never answers it again; rotating gives a new one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedWebhook {
    pub webhook: Webhook,
    pub secret: String,
}

/// One delivery of a webhook's log (`GET /api/admin/webhooks/{id}/deliveries`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: String,
    pub kind: String,
    pub event_id: String,
    pub estate_id: String,
    /// The estate's name: reference numbers count per estate, so a log over several shows it.
    pub estate_name: String,
    pub order_id: String,
    pub reference: String,
    /// `pending`, `delivered` or `failed` (given up).
    pub status: String,
    pub attempts: i64,
    pub created_ms: i64,
    /// The last attempt (0: none yet), its HTTP status (0: no answer) and error.
    pub last_ms: i64,
    pub last_status: i64,
    pub last_error: String,
    /// The next attempt, while pending.
    pub next_ms: i64,
}

/// A staff member as the admin's list shows them (`GET /api/admin/staff`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// The role's id (`technician`, …).
    pub role: String,
    pub disabled: bool,
    /// The estates they can see: given, through their regions, or company-wide.
    #[serde(default)]
    pub estate_ids: Vec<String>,
    /// The estates given to them: what the admin ticks.
    #[serde(default)]
    pub given_estate_ids: Vec<String>,
    /// Their regions: every estate of each, later ones included.
    #[serde(default)]
    pub region_ids: Vec<String>,
}

/// `POST /api/admin/staff`: a new account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
    #[serde(default)]
    pub estate_ids: Vec<String>,
    /// An area manager's regions, given with the account.
    #[serde(default)]
    pub region_ids: Vec<String>,
}

/// `PATCH /api/admin/staff/{id}`: only what is given is changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estate_ids: Option<Vec<String>>,
    /// The regions an area manager answers for (every estate of each, later ones included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// A region of the company (`GET /api/admin/regions`): what an area manager can be given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub id: String,
    pub name: String,
}

/// An estate of the company with its region (`GET /api/admin/estates`): what staff can be
/// given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstateChoice {
    pub id: String,
    pub name: String,
    pub region_id: String,
    pub region_name: String,
}

/// A resident's phone number in a request's body (`POST /api/admin/residents/export` and
/// `…/erase`): never in an address, which proxies and browsers keep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneRequest {
    pub phone: String,
}

/// `POST /api/admin/residents/export`: everything held about a phone number in the admin's
/// company (PIPL access), unmasked — it is the resident's own copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResidentExport {
    pub phone: String,
    pub residents: Vec<ExportedResident>,
    pub orders: Vec<ExportedOrder>,
}

/// A household registration of the number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedResident {
    pub name: String,
    pub phone: String,
    pub household_id: String,
}

/// An order reported with the number, with every event of it and the photos attached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedOrder {
    pub id: String,
    pub estate_id: String,
    pub reference: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub notice_version: String,
    pub events: Vec<crate::order::Event>,
    /// The photos the resident attached (served at `/api/photos/{hash}` to staff of the
    /// estate).
    #[serde(default)]
    pub photos: Vec<AttachedPhoto>,
}

/// A photo a resident attached to a report; `mime` and `size` are `None` once it is no longer
/// stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedPhoto {
    pub hash: String,
    pub mime: Option<String>,
    pub size: Option<i64>,
}

/// An estate's rules as a manager sees and edits them (`GET /api/estates/{id}/rules`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstateRules {
    pub preset: String,
    /// The shipped presets to choose from.
    pub presets: Vec<String>,
    pub policy_override: serde_json::Value,
    /// The estate's own calendar, or `null` while the shipped official one applies.
    pub calendar: Option<crate::calendar::Calendar>,
    /// The policy and calendar in force: the preset with the override merged on. JSON, read
    /// with `Policy::from_value`, the checked way every policy is read.
    pub effective_policy: serde_json::Value,
    pub effective_calendar: crate::calendar::Calendar,
}

/// `PUT /api/estates/{id}/rules`: all three parts, as the manager left them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesChange {
    pub preset: String,
    #[serde(default)]
    pub policy_override: Option<serde_json::Value>,
    #[serde(default)]
    pub calendar: Option<serde_json::Value>,
}

/// `PATCH /api/admin/webhooks/{id}`: only what is given is changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estate_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// `POST /api/admin/webhooks/{id}/secret`'s answer: the new secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotatedSecret {
    pub secret: String,
}
