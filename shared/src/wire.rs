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
