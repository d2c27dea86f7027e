//! Staff login, logout and "who am I": the session lives on the server, the browser holds only
//! an HttpOnly cookie.

use std::sync::OnceLock;

use anju_shared::wire::{Me, Reads};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{
    Staff, clear_session_cookie, cookie_token, hash_password, new_session_token, session_cookie,
    token_hash, verify_password,
};

use crate::error::ApiError;
use crate::routes::parse_json;
use crate::security::{ClientIp, LOGIN_PER_ACCOUNT, LOGIN_PER_IP};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/me/reads", get(reads).post(mark_read))
}

/// The most keys one request marks, and the longest key: a notice key is an order id and a
/// few words.
const READS_PER_REQUEST: usize = 500;
const READ_KEY_MAX: usize = 160;
/// The most read marks kept per person; the oldest go first (their notices are long gone).
const READS_KEPT: i64 = 2000;

/// The keys of the notifications this person has opened, on any device.
async fn reads(State(state): State<AppState>, staff: Staff) -> Result<Json<Reads>, ApiError> {
    let keys = sqlx::query(
        "SELECT key FROM notification_reads WHERE staff_id = $1 ORDER BY read_ms DESC, key LIMIT $2",
    )
    .bind(staff.id.clone())
    .bind(READS_KEPT)
    .fetch_all(&state.db.pool)
    .await?
    .iter()
    .map(|r| sqlx::Row::try_get(r, 0))
    .collect::<Result<Vec<String>, _>>()?;
    Ok(Json(Reads { keys }))
}

/// Marks notifications read for this person (their own marks only: nothing of anyone else's).
async fn mark_read(
    State(state): State<AppState>,
    staff: Staff,
    body: Bytes,
) -> Result<Json<Reads>, ApiError> {
    let input: Reads = parse_json(&body)?;
    if input.keys.len() > READS_PER_REQUEST {
        return Err(ApiError::BadField {
            field: "keys".into(),
            message: format!("at most {READS_PER_REQUEST} at a time"),
        });
    }
    if let Some(i) = input
        .keys
        .iter()
        .position(|k| k.is_empty() || k.chars().count() > READ_KEY_MAX)
    {
        return Err(ApiError::BadField {
            field: format!("keys[{i}]"),
            message: format!("1 to {READ_KEY_MAX} characters"),
        });
    }
    let now = chrono::Utc::now().timestamp_millis();
    let mut tx = state.db.begin().await?;
    for key in &input.keys {
        sqlx::query(
            "INSERT INTO notification_reads (staff_id, key, read_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (staff_id, key) DO NOTHING",
        )
        .bind(staff.id.clone())
        .bind(key.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    // Bounded per person: the oldest marks beyond the kept number go.
    sqlx::query(
        "DELETE FROM notification_reads WHERE staff_id = $1 AND key NOT IN ( \
           SELECT key FROM notification_reads WHERE staff_id = $2 ORDER BY read_ms DESC, key LIMIT $3)",
    )
    .bind(staff.id.clone())
    .bind(staff.id.clone())
    .bind(READS_KEPT)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Json(Reads { keys: input.keys }))
}

/// The longest username an account can have (the admin API creates none longer).
pub const USERNAME_MAX: usize = 64;
/// Passwords are hashed whole by argon2: a bound keeps a login's cost bounded.
pub const PASSWORD_MAX_BYTES: usize = 1024;

#[derive(Deserialize)]
struct LoginInput {
    username: String,
    password: String,
}

/// A hash to verify against when the user does not exist, so a wrong username costs the same
/// time as a wrong password and does not reveal which accounts exist.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let input: LoginInput = parse_json(&body)?;
    let username = input.username.trim().to_string();
    // Bounded before anything is written: the throttle and the append-only audit log both
    // record the username of a failed login, and an anonymous client chooses it.
    if username.chars().count() > USERNAME_MAX {
        return Err(ApiError::BadFieldZh {
            field: "username".into(),
            message: format!("at most {USERNAME_MAX} characters"),
            message_zh: format!("用户名最多 {USERNAME_MAX} 个字符"),
        });
    }
    if input.password.len() > PASSWORD_MAX_BYTES {
        return Err(ApiError::BadFieldZh {
            field: "password".into(),
            message: format!("at most {PASSWORD_MAX_BYTES} bytes"),
            message_zh: format!("密码最多 {PASSWORD_MAX_BYTES} 字节"),
        });
    }
    // Throttled per account and per address before the (costly) password check, so neither
    // guessing one account's password nor spraying many accounts gets far.
    let account_key = format!("login:user:{username}");
    let ip_key = format!("login:ip:{ip}");
    let now = chrono::Utc::now().timestamp_millis();
    for (key, limit) in [(&account_key, LOGIN_PER_ACCOUNT), (&ip_key, LOGIN_PER_IP)] {
        if let Some(retry_ms) = state.db.rate_exceeded(key, limit, now).await? {
            state
                .db
                .audit("anonymous", &ip, "login_throttled", &username, key)
                .await?;
            return Err(ApiError::TooManyRequests {
                retry_after_s: (retry_ms + 999) / 1000,
            });
        }
    }
    let row = state.db.staff_by_username(&username).await?;
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
        // Said only to someone who knows the password: telling a guesser which accounts
        // are disabled would reveal that they exist.
        Some(r) if ok => {
            state
                .db
                .audit(&r.id, &ip, "login_disabled", &username, "")
                .await?;
            return Err(ApiError::Disabled);
        }
        _ => {
            tracing::info!(%username, "login refused");
            let _ = state
                .db
                .rate_hit(&account_key, LOGIN_PER_ACCOUNT, now)
                .await?;
            let _ = state.db.rate_hit(&ip_key, LOGIN_PER_IP, now).await?;
            state
                .db
                .audit("anonymous", &ip, "login_failed", &username, "")
                .await?;
            return Err(ApiError::BadLogin);
        }
    };
    state.db.rate_clear(&account_key).await?;
    state
        .db
        .audit(&row.id, &ip, "login_ok", &username, "")
        .await?;
    // Session fixation: an id the browser held before login (perhaps planted by someone else)
    // must not outlive it, whoever it belonged to.
    if let Some(old) = cookie_token(&headers, state.config.cookie_secure) {
        state.db.delete_session(&token_hash(&old)).await?;
    }
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
        AppendHeaders([(
            SET_COOKIE,
            session_cookie(&token, state.config.cookie_secure),
        )]),
        Json(serde_json::json!({ "username": row.username, "role": row.role })),
    ))
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    if let Some(token) = cookie_token(&headers, state.config.cookie_secure) {
        state.db.delete_session(&token_hash(&token)).await?;
    }
    Ok((
        AppendHeaders([(SET_COOKIE, clear_session_cookie(state.config.cookie_secure))]),
        Json(serde_json::json!({ "ok": true })),
    ))
}

async fn me(State(state): State<AppState>, staff: Staff) -> Result<Json<Me>, ApiError> {
    let estates = state.db.estates_by_ids(&staff.estate_ids).await?;
    Ok(Json(Me {
        id: staff.id,
        username: staff.username,
        display_name: staff.display_name,
        role: staff.role.as_str().to_string(),
        estates,
    }))
}
