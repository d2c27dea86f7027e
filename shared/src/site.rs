//! The places of an estate as the API sends them: the estate itself, its buildings with their
//! footprints on the site plan, and their units.

use serde::{Deserialize, Serialize};

/// An estate and the rules it runs under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstateInfo {
    pub id: String,
    pub company_id: String,
    pub slug: String,
    pub name: String,
    /// The policy preset, e.g. `cmsk`.
    pub policy: String,
    /// The estate's offset from UTC, e.g. `+08:00`.
    pub utc_offset: String,
}

/// What the public report form needs to know of an estate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub buildings: Vec<Building>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Building {
    pub id: String,
    pub number: i64,
    pub name: String,
    pub floors: i64,
    /// The outline on the site plan, in metres.
    pub footprint: Vec<[f64; 2]>,
    pub units: Vec<Unit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub id: String,
    pub number: i64,
    pub name: String,
}
