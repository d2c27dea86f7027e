//! Staff login, logout and "who am I": the session lives on the server, the browser holds only
//! an HttpOnly cookie.

use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{
    Staff, clear_session_cookie, cookie_token, hash_password, new_session_token, session_cookie,
    token_hash, verify_password,
};
use crate::db::Estate;
use crate::error::ApiError;
use crate::routes::parse_json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
}

#[derive(Deserialize)]
struct LoginInput {
    username: String,
    password: String,
}

#[derive(Serialize)]
struct Me {
    #[serde(flatten)]
    staff: Staff,
    estates: Vec<Estate>,
}

/// A hash to verify against when the user does not exist, so a wrong username costs the same
/// time as a wrong password and does not reveal which accounts exist.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

async fn login(State(state): State<AppState>, body: Bytes) -> Result<impl IntoResponse, ApiError> {
    let input: LoginInput = parse_json(&body)?;
    let row = state.db.staff_by_username(input.username.trim()).await?;
    let password = input.password.clone();
    let hash = row
        .as_ref()
        .map(|r| r.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    // argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| anyhow::anyhow!("password check: {e}"))?;
    let row = match row {
        Some(r) if ok && !r.disabled => r,
        _ => {
            tracing::info!(username = %input.username.trim(), "login refused");
            return Err(ApiError::BadLogin);
        }
    };
    let token = new_session_token();
    state
        .db
        .create_session(
            &token_hash(&token),
            &row.id,
            chrono::Utc::now().timestamp_millis(),
        )
        .await?;
    tracing::info!(username = %row.username, "login");
    Ok((
        AppendHeaders([(SET_COOKIE, session_cookie(&token))]),
        Json(serde_json::json!({ "username": row.username, "role": row.role })),
    ))
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    if let Some(token) = cookie_token(&headers) {
        state.db.delete_session(&token_hash(&token)).await?;
    }
    Ok((
        AppendHeaders([(SET_COOKIE, clear_session_cookie())]),
        Json(serde_json::json!({ "ok": true })),
    ))
}

async fn me(State(state): State<AppState>, staff: Staff) -> Result<Json<Me>, ApiError> {
    let estates = state.db.estates_by_ids(&staff.estate_ids).await?;
    Ok(Json(Me { staff, estates }))
}
