//! The security baseline shared by the routes: who the client is (address), throttling kept in
//! the database (so all instances count together), and the append-only audit log.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::AppState;
use crate::db::Db;
use crate::error::ApiError;

/// The client's address as the socket saw it ("unknown" when the server was started without
/// connection info).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

/// A limit: at most `max` hits per `window_ms`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: i64,
    pub window_ms: i64,
}

/// Wrong passwords for one account before it is throttled.
pub const LOGIN_PER_ACCOUNT: Limit = Limit {
    max: 5,
    window_ms: 15 * 60 * 1000,
};
/// Wrong passwords from one address before it is throttled.
pub const LOGIN_PER_IP: Limit = Limit {
    max: 20,
    window_ms: 15 * 60 * 1000,
};
/// The window of the public form's per-address limit (its size is configuration).
pub const REPORT_WINDOW_MS: i64 = 10 * 60 * 1000;

/// The longest throttle key stored as it is; longer ones are stored as their SHA-256, so
/// nothing a client sends makes a row of the throttle table larger than this.
pub const RATE_KEY_MAX: usize = 128;
/// The most characters of an audit row's subject and detail: the log is append-only, so
/// what an anonymous request writes there must be small.
pub const AUDIT_TEXT_MAX: usize = 200;

/// The key as stored: itself when short, else a fixed-length hash of it.
pub fn rate_key(key: &str) -> String {
    if key.len() <= RATE_KEY_MAX {
        key.to_string()
    } else {
        format!("sha256:{}", hex::encode(Sha256::digest(key.as_bytes())))
    }
}

/// At most `max` characters of `s`, marked with `…` when cut.
pub fn capped(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((cut, _)) => format!("{}…", &s[..cut]),
    }
}

impl Db {
    /// Counts a hit on `key`; `Err(retry_after_ms)` when the limit is exceeded.
    pub async fn rate_hit(
        &self,
        key: &str,
        limit: Limit,
        now_ms: i64,
    ) -> sqlx::Result<Result<(), i64>> {
        let row = sqlx::query(
            "INSERT INTO rate_limits (key, window_start_ms, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
             hits = CASE WHEN rate_limits.window_start_ms + $3 <= $2 THEN 1 ELSE rate_limits.hits + 1 END, \
             window_start_ms = CASE WHEN rate_limits.window_start_ms + $3 <= $2 THEN $2 ELSE rate_limits.window_start_ms END \
             RETURNING window_start_ms, hits",
        )
        .bind(rate_key(key))
        .bind(now_ms)
        .bind(limit.window_ms)
        .fetch_one(&self.pool)
        .await?;
        let start: i64 = row.try_get(0)?;
        let hits: i64 = row.try_get(1)?;
        Ok(if hits > limit.max {
            Err(start + limit.window_ms - now_ms)
        } else {
            Ok(())
        })
    }

    /// Whether `key` is over its limit now, without counting a hit.
    pub async fn rate_exceeded(
        &self,
        key: &str,
        limit: Limit,
        now_ms: i64,
    ) -> sqlx::Result<Option<i64>> {
        let row = sqlx::query("SELECT window_start_ms, hits FROM rate_limits WHERE key = $1")
            .bind(rate_key(key))
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let start: i64 = row.try_get(0)?;
        let hits: i64 = row.try_get(1)?;
        Ok((start + limit.window_ms > now_ms && hits >= limit.max)
            .then_some(start + limit.window_ms - now_ms))
    }

    pub async fn rate_clear(&self, key: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM rate_limits WHERE key = $1")
            .bind(rate_key(key))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Appends to the audit log: who, when (UTC ms), from where, what, about what — each text
    /// capped at [`AUDIT_TEXT_MAX`] characters.
    pub async fn audit(
        &self,
        actor: &str,
        ip: &str,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (at_ms, actor, ip, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(chrono::Utc::now().timestamp_millis())
        .bind(capped(actor, AUDIT_TEXT_MAX))
        .bind(capped(ip, AUDIT_TEXT_MAX))
        .bind(capped(action, AUDIT_TEXT_MAX))
        .bind(capped(subject, AUDIT_TEXT_MAX))
        .bind(capped(detail, AUDIT_TEXT_MAX))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Full phone numbers one staff member may look at an hour, by revealing an order's contact or
/// looking a caller up: a desk calls back a few dozen residents an hour, a scraper with a
/// stolen session many more — it is stopped, and each refusal is audited by the caller.
pub const PERSONAL_DATA_PER_STAFF: Limit = Limit {
    max: 120,
    window_ms: 60 * 60 * 1000,
};

/// Refuses with 429 and `Retry-After` when `key` is over `limit`, counting this hit.
pub async fn throttle(state: &AppState, key: &str, limit: Limit) -> Result<(), ApiError> {
    let now = chrono::Utc::now().timestamp_millis();
    match state.db.rate_hit(key, limit, now).await? {
        Ok(()) => Ok(()),
        Err(retry_ms) => Err(ApiError::TooManyRequests {
            retry_after_s: (retry_ms + 999) / 1000,
        }),
    }
}

/// The tenancy check of every estate-scoped endpoint: the staff member's estates include
/// `estate_id`, or the refusal is audited (as `{what} {estate_id}`) and answered 403.
pub async fn require_estate(
    state: &AppState,
    staff: &crate::auth::Staff,
    ip: &str,
    estate_id: &str,
    what: &str,
) -> Result<(), ApiError> {
    if staff.may_see_estate(estate_id) {
        Ok(())
    } else {
        Err(refuse(state, &staff.id, ip, &format!("{what} {estate_id}")).await)
    }
}

/// The role check of a handler: `allowed` (the role's rule from `shared`, e.g.
/// `Role::sets_estate_rules`), or the refusal audited (as `what`) and answered 403.
pub async fn require_role(
    state: &AppState,
    staff: &crate::auth::Staff,
    ip: &str,
    allowed: bool,
    what: &str,
) -> Result<(), ApiError> {
    if allowed {
        Ok(())
    } else {
        Err(refuse(state, &staff.id, ip, what).await)
    }
}

/// Writes a refused access to the audit log and answers 403.
pub async fn refuse(state: &AppState, actor: &str, ip: &str, what: &str) -> ApiError {
    if let Err(e) = state.db.audit(actor, ip, "access_refused", what, "").await {
        return ApiError::Database(e);
    }
    ApiError::Forbidden
}
