//! Request and answer bodies of the API that both the server and the app read, written once so
//! the two cannot drift: the server serializes them, the app deserializes them (the rules'
//! own types — events, policies, reports — live with their rules).

use serde::{Deserialize, Serialize};

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
