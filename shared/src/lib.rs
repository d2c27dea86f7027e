//! Anju's rule engine: classification, business calendars, policies, deadlines,
//! escalation, complaint severity and KPIs for a residential property-management
//! service desk (see DOMAIN.md and EVAL.md).
//!
//! Architecture invariant: this crate does no I/O and never reads the clock — `now` is
//! always an argument — so the same code gives the same answers in the browser (wasm32)
//! and on the server. Bad input is rejected with a [`FieldError`] naming the field; no
//! user input is ever unwrapped.

/// A digest of this crate's source, made by `build.rs`. The server keeps each order's folded
/// state and folds again every state kept by a build of other source, so a change to a fold
/// never leaves figures read from old states.
pub const SOURCE: &str = env!("ANJU_SHARED_SOURCE");

pub mod arrival;
pub mod billing;
pub mod calendar;
pub mod callback;
pub mod classify;
pub mod complaint;
pub mod coverage;
pub mod dashboard;
pub mod due;
pub mod error;
pub mod eval;
pub mod hlc;
mod json;
pub mod kpi;
pub mod lang;
pub mod model;
pub mod notice;
pub mod order;
pub mod patrol;
pub mod photo;
pub mod plan;
pub mod policy;
pub mod price;
pub mod report;
pub mod reporting;
pub mod site;
pub mod sla;
pub mod subject;
pub mod supervise;
pub mod sync;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod webhook;
pub mod whatif;
pub mod wire;
pub mod work;

pub use error::FieldError;
