//! `GET /api/health`: liveness, the version and the kind of database, for load balancers and
//! for a person checking an install.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    // A query, not just a pulse: a server whose database is gone is not healthy.
    sqlx::query("SELECT 1").execute(&state.db.pool).await?;
    Ok(Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "database": state.db.backend.name(),
    })))
}
