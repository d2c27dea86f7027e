//! Staff administration for the company's admins: create accounts, change roles and estates,
//! disable accounts (which ends their sessions). Every change is written to the audit log.

use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::AppState;
use crate::auth::{Role, Staff, hash_password};
use crate::error::ApiError;
use crate::routes::parse_json;
use crate::security::{ClientIp, refuse};

/// Passwords shorter than this are refused (ASVS 2.1.1).
pub const PASSWORD_MIN: usize = 8;
/// Long passphrases are welcome (ASVS 2.1.2 asks for at least 64).
pub const PASSWORD_MAX: usize = 128;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/staff", get(list).post(create))
        .route("/admin/staff/{staff_id}", patch(update))
}

/// A logged-in administrator.
pub struct AdminUser(pub Staff);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let staff = Staff::from_request_parts(parts, state).await?;
        if staff.role == Role::Admin {
            return Ok(AdminUser(staff));
        }
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|never| match never {});
        Err(refuse(state, &staff.id, &ip, parts.uri.path()).await)
    }
}

fn common_passwords() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| include_str!("../common_passwords.txt").lines().collect())
}

/// Why a new password is refused, naming the field.
pub fn password_problem(password: &str, username: &str) -> Option<String> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Some(format!("at least {PASSWORD_MIN} characters"));
    }
    if n > PASSWORD_MAX {
        return Some(format!("at most {PASSWORD_MAX} characters"));
    }
    let lower = password.to_lowercase();
    if common_passwords().contains(&lower.as_str()) || lower == username.to_lowercase() {
        return Some("too common or too easy to guess; choose another".into());
    }
    None
}

fn bad(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::BadField {
        field: field.into(),
        message: message.into(),
    }
}

#[derive(Serialize)]
struct StaffDto {
    id: String,
    username: String,
    display_name: String,
    role: String,
    disabled: bool,
    estate_ids: Vec<String>,
}

async fn list(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
) -> Result<Json<Vec<StaffDto>>, ApiError> {
    let rows = sqlx::query(
        "SELECT id, username, display_name, role, disabled FROM staff WHERE company_id = $1 ORDER BY username",
    )
    .bind(admin.company_id.clone())
    .fetch_all(&state.db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.try_get("id")?;
        let disabled: i64 = r.try_get("disabled")?;
        let role: String = r.try_get("role")?;
        // What they can see: given estates, their regions' estates, or the whole company.
        let company_wide = Role::parse(&role).is_some_and(|r| r.company_wide());
        out.push(StaffDto {
            estate_ids: state
                .db
                .staff_estate_ids(&id, &admin.company_id, company_wide)
                .await?,
            id,
            username: r.try_get("username")?,
            display_name: r.try_get("display_name")?,
            role,
            disabled: disabled != 0,
        });
    }
    Ok(Json(out))
}

#[derive(Deserialize)]
struct NewStaff {
    username: String,
    display_name: String,
    role: String,
    password: String,
    #[serde(default)]
    estate_ids: Vec<String>,
}

/// Estates must be the admin's company's: an admin cannot hand out another company's data.
async fn check_estates(state: &AppState, admin: &Staff, ids: &[String]) -> Result<(), ApiError> {
    for id in ids {
        let owner = state
            .db
            .estates_by_ids(std::slice::from_ref(id))
            .await?
            .pop()
            .map(|e| e.company_id);
        if owner.as_deref() != Some(admin.company_id.as_str()) {
            return Err(bad("estate_ids", format!("unknown estate {id}")));
        }
    }
    Ok(())
}

async fn create(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ClientIp(ip): ClientIp,
    body: Bytes,
) -> Result<Json<StaffDto>, ApiError> {
    let input: NewStaff = parse_json(&body)?;
    let username = input.username.trim().to_lowercase();
    if username.len() < 2
        || username.len() > 40
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(bad("username", "2 to 40 letters, digits, - _ ."));
    }
    if input.display_name.trim().is_empty() || input.display_name.chars().count() > 40 {
        return Err(bad("display_name", "1 to 40 characters"));
    }
    let role = Role::parse(&input.role).ok_or_else(|| bad("role", "unknown role"))?;
    if let Some(problem) = password_problem(&input.password, &username) {
        return Err(bad("password", problem));
    }
    check_estates(&state, &admin, &input.estate_ids).await?;
    if state.db.staff_by_username(&username).await?.is_some() {
        return Err(bad("username", "taken"));
    }
    let password = input.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))??;
    let id = format!("stf-{}", uuid::Uuid::now_v7().simple());
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO staff (id, company_id, username, display_name, role, password_hash, disabled) \
         VALUES ($1, $2, $3, $4, $5, $6, 0)",
    )
    .bind(id.clone())
    .bind(admin.company_id.clone())
    .bind(username.clone())
    .bind(input.display_name.trim().to_string())
    .bind(role.as_str())
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    for estate in &input.estate_ids {
        sqlx::query("INSERT INTO staff_estates (staff_id, estate_id) VALUES ($1, $2)")
            .bind(id.clone())
            .bind(estate.clone())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    state
        .db
        .audit(&admin.id, &ip, "staff_created", &id, role.as_str())
        .await?;
    Ok(Json(StaffDto {
        id,
        username,
        display_name: input.display_name.trim().to_string(),
        role: role.as_str().into(),
        disabled: false,
        estate_ids: input.estate_ids,
    }))
}

#[derive(Deserialize)]
struct StaffChange {
    role: Option<String>,
    estate_ids: Option<Vec<String>>,
    /// The regions an area manager answers for (every estate of each, later ones included).
    region_ids: Option<Vec<String>>,
    disabled: Option<bool>,
    password: Option<String>,
}

async fn update(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ClientIp(ip): ClientIp,
    Path(staff_id): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let change: StaffChange = parse_json(&body)?;
    let row = sqlx::query("SELECT company_id, username FROM staff WHERE id = $1")
        .bind(staff_id.clone())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(ApiError::NotFound("staff"))?;
    let company: String = row.try_get("company_id")?;
    if company != admin.company_id {
        return Err(ApiError::NotFound("staff"));
    }
    let username: String = row.try_get("username")?;
    // Everything is checked before anything is written: a bad field changes nothing.
    let role = change
        .role
        .as_deref()
        .map(|r| Role::parse(r).ok_or_else(|| bad("role", "unknown role")))
        .transpose()?;
    if let Some(estates) = &change.estate_ids {
        check_estates(&state, &admin, estates).await?;
    }
    if let Some(regions) = &change.region_ids {
        // Regions must be the admin's company's, like estates.
        for id in regions {
            let owner = sqlx::query("SELECT company_id FROM regions WHERE id = $1")
                .bind(id.clone())
                .fetch_optional(&state.db.pool)
                .await?
                .map(|r| r.try_get::<String, _>(0))
                .transpose()?;
            if owner.as_deref() != Some(admin.company_id.as_str()) {
                return Err(bad("region_ids", format!("unknown region {id}")));
            }
        }
    }
    if let Some(problem) = change
        .password
        .as_deref()
        .and_then(|p| password_problem(p, &username))
    {
        return Err(bad("password", problem));
    }
    if let Some(role) = role {
        sqlx::query("UPDATE staff SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(staff_id.clone())
            .execute(&state.db.pool)
            .await?;
        state
            .db
            .audit(&admin.id, &ip, "role_changed", &staff_id, role.as_str())
            .await?;
    }
    // A staff member's regions and estates: (the new list, how to clear and fill its link
    // table, the audit action). Literal statements: sqlx takes no SQL built at run time.
    let links = [
        (
            change.region_ids.as_ref(),
            "DELETE FROM staff_regions WHERE staff_id = $1",
            "INSERT INTO staff_regions (staff_id, region_id) VALUES ($1, $2)",
            "regions_changed",
        ),
        (
            change.estate_ids.as_ref(),
            "DELETE FROM staff_estates WHERE staff_id = $1",
            "INSERT INTO staff_estates (staff_id, estate_id) VALUES ($1, $2)",
            "estates_changed",
        ),
    ];
    for (ids, clear, fill, action) in links {
        let Some(ids) = ids else { continue };
        // All of them replaced in one transaction: never half the old list and half the new.
        let mut tx = state.db.begin().await?;
        sqlx::query(clear)
            .bind(staff_id.clone())
            .execute(&mut *tx)
            .await?;
        for id in ids {
            sqlx::query(fill)
                .bind(staff_id.clone())
                .bind(id.clone())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        state
            .db
            .audit(&admin.id, &ip, action, &staff_id, &ids.join(","))
            .await?;
    }
    if let Some(password) = &change.password {
        let password = password.clone();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| anyhow::anyhow!("hashing: {e}"))??;
        sqlx::query("UPDATE staff SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(staff_id.clone())
            .execute(&state.db.pool)
            .await?;
        state.db.end_sessions(&staff_id).await?;
        state
            .db
            .audit(&admin.id, &ip, "password_reset", &staff_id, "")
            .await?;
    }
    if let Some(disabled) = change.disabled {
        sqlx::query("UPDATE staff SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(staff_id.clone())
            .execute(&state.db.pool)
            .await?;
        if disabled {
            // Disabling ends every session at once, not at their next timeout.
            state.db.end_sessions(&staff_id).await?;
        }
        let action = if disabled {
            "staff_disabled"
        } else {
            "staff_enabled"
        };
        state
            .db
            .audit(&admin.id, &ip, action, &staff_id, "")
            .await?;
    }
    Ok(Json(serde_json::json!({ "ok": true })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_length_and_must_not_be_common() {
        assert!(password_problem("short", "x").is_some());
        assert!(password_problem("password123", "x").is_some());
        assert!(
            password_problem("Anju2026", "x").is_some(),
            "case does not hide a common one"
        );
        assert!(password_problem("caretaker", "caretaker").is_some());
        assert!(password_problem(&"长".repeat(129), "x").is_some());
        assert!(password_problem(&"长".repeat(64), "x").is_none());
        assert!(password_problem("翠湖春水 lamp 7", "x").is_none());
    }
}
