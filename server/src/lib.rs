//! The `anju` server as a library: configuration, storage, the demo seed, auth and the HTTP API,
//! so the binary and the integration tests start exactly the same thing.

pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod export;
pub mod figures;
pub mod jobs;
pub mod patrols;
pub mod photos;
pub mod routes;
pub mod security;
pub mod seed;
pub mod store;
pub mod telemetry;
pub mod web;
pub mod webhooks;

use std::sync::Arc;

/// What every request handler can reach. Cheap to clone; holds nothing a second instance of
/// the server would need (sessions and events live in the database).
#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    pub config: Arc<config::Config>,
}
