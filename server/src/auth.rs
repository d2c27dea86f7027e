//! Staff authentication and authorisation: roles, argon2id password hashes, server-side
//! sessions behind an HttpOnly cookie, and the extractors that make a handler's signature say
//! who may call it.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::db::StaffRow;
use crate::error::ApiError;
use crate::security::ClientIp;

/// The session cookie: `__Host-` binds it to this host and path `/` and requires `Secure`.
pub const SESSION_COOKIE: &str = "__Host-anju_session";
/// Its name when `ANJU_COOKIE_SECURE=false` (plain-HTTP development only): browsers refuse a
/// `__Host-` cookie without `Secure`.
pub const DEV_SESSION_COOKIE: &str = "anju_session";
/// A session unused this long ends.
pub const IDLE_MS: i64 = 8 * 3600 * 1000;
/// A session ends this long after login, used or not.
pub const ABSOLUTE_MS: i64 = 7 * 24 * 3600 * 1000;

/// The staff roles of DOMAIN.md §1, defined in `shared` so the app offers exactly what the
/// server allows.
pub use anju_shared::model::Role;

fn argon2() -> Argon2<'static> {
    // OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19_456, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    Ok(hash.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fresh session token: 256 random bits, hex.
pub fn new_session_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Tokens are stored hashed, so reading the database does not give live sessions away.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    if secure {
        format!("{SESSION_COOKIE}={token}; Secure; HttpOnly; SameSite=Lax; Path=/")
    } else {
        format!("{DEV_SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/")
    }
}

pub fn clear_session_cookie(secure: bool) -> String {
    if secure {
        format!("{SESSION_COOKIE}=; Secure; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
    } else {
        format!("{DEV_SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
    }
}

/// The session token from the request's cookies, if any, under the one name this server
/// sets: with secure cookies only `__Host-…`, which a sibling site or a plain-HTTP page cannot
/// plant, so a planted `anju_session` is never read.
pub fn cookie_token(headers: &axum::http::HeaderMap, secure: bool) -> Option<String> {
    let name = if secure {
        SESSION_COOKIE
    } else {
        DEV_SESSION_COOKIE
    };
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// A logged-in staff member, with the estates they may see.
#[derive(Debug, Clone, Serialize)]
pub struct Staff {
    pub id: String,
    pub company_id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub estate_ids: Vec<String>,
}

impl Staff {
    pub fn may_see_estate(&self, estate_id: &str) -> bool {
        self.estate_ids.iter().any(|e| e == estate_id)
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = cookie_token(&parts.headers, state.config.cookie_secure)
            .ok_or(ApiError::Unauthenticated)?;
        let now = chrono::Utc::now().timestamp_millis();
        let row: StaffRow = state
            .db
            .session_staff(&token_hash(&token), now, IDLE_MS, ABSOLUTE_MS)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        let role = Role::parse(&row.role).ok_or(ApiError::Forbidden)?;
        let estate_ids = state
            .db
            .staff_estate_ids(&row.id, &row.company_id, role)
            .await?;
        Ok(Staff {
            id: row.id,
            company_id: row.company_id,
            username: row.username,
            display_name: row.display_name,
            role,
            estate_ids,
        })
    }
}

/// A staff member allowed to work the desk inbox.
#[derive(Debug, Clone)]
pub struct DeskUser(pub Staff);

impl FromRequestParts<AppState> for DeskUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let staff = Staff::from_request_parts(parts, state).await?;
        if staff.role.may_use_desk() {
            Ok(DeskUser(staff))
        } else {
            let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
                .await
                .unwrap_or_else(|never| match never {});
            Err(crate::security::refuse(state, &staff.id, &ip, parts.uri.path()).await)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_when_right() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let a = new_session_token();
        let b = new_session_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
        }
        assert_eq!(Role::parse("resident"), None);
    }
}
