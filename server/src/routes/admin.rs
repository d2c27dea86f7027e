//! Staff administration for the company's admins: create accounts, change roles and estates,
//! disable accounts (which ends their sessions). Every change is written to the audit log.
//! Refusals name the field, in English (`error`) and in Chinese (`message_zh`), so the admin's
//! page shows the server's own words in either language.

use std::sync::OnceLock;

use anju_shared::wire::{EstateChoice, NewStaff, Region, StaffChange, StaffMember};
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::routing::{get, patch};
use axum::{Json, Router};
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
        .route("/admin/regions", get(regions))
        .route("/admin/estates", get(estates))
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

/// Why a new password is refused, as (English, Chinese).
pub fn password_problem(password: &str, username: &str) -> Option<(String, String)> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Some((
            format!("at least {PASSWORD_MIN} characters"),
            format!("至少 {PASSWORD_MIN} 个字符"),
        ));
    }
    if n > PASSWORD_MAX {
        return Some((
            format!("at most {PASSWORD_MAX} characters"),
            format!("最多 {PASSWORD_MAX} 个字符"),
        ));
    }
    let lower = password.to_lowercase();
    if common_passwords().contains(&lower.as_str()) || lower == username.to_lowercase() {
        return Some((
            "too common or too easy to guess; choose another".into(),
            "太常见或太容易猜到,请换一个".into(),
        ));
    }
    None
}

/// A refusal naming `field`, in English and Chinese.
pub(crate) fn bad(
    field: &str,
    message: impl Into<String>,
    message_zh: impl Into<String>,
) -> ApiError {
    ApiError::BadFieldZh {
        field: field.into(),
        message: message.into(),
        message_zh: message_zh.into(),
    }
}

/// A body the handler cannot read, refused like any other field (the parser's words are
/// English only, so Chinese readers get a plain sentence).
pub(crate) fn unreadable(e: ApiError) -> ApiError {
    match e {
        ApiError::BadField { field, message } => bad(&field, message, "格式不对"),
        other => other,
    }
}

/// The ids paired with `staff_id` in a list of (staff id, id).
fn of(pairs: &[(String, String)], staff_id: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(s, _)| s == staff_id)
        .map(|(_, id)| id.clone())
        .collect()
}

async fn list(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
) -> Result<Json<Vec<StaffMember>>, ApiError> {
    let rows = sqlx::query(
        "SELECT id, username, display_name, role, disabled FROM staff WHERE company_id = $1 ORDER BY username",
    )
    .bind(admin.company_id.clone())
    .fetch_all(&state.db.pool)
    .await?;
    let given = state.db.given_estates_of_company(&admin.company_id).await?;
    let regions = state.db.regions_of_company_staff(&admin.company_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.try_get("id")?;
        let disabled: i64 = r.try_get("disabled")?;
        let role: String = r.try_get("role")?;
        // What they can see: given estates, their regions' estates, or the whole company.
        let estate_ids = match Role::parse(&role) {
            Some(r) => state.db.staff_estate_ids(&id, &admin.company_id, r).await?,
            None => Vec::new(),
        };
        out.push(StaffMember {
            estate_ids,
            given_estate_ids: of(&given, &id),
            region_ids: of(&regions, &id),
            id,
            username: r.try_get("username")?,
            display_name: r.try_get("display_name")?,
            role,
            disabled: disabled != 0,
        });
    }
    Ok(Json(out))
}

/// The admin's company's regions: what an area manager can be given.
async fn regions(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
) -> Result<Json<Vec<Region>>, ApiError> {
    let list = state.db.company_regions(&admin.company_id).await?;
    Ok(Json(
        list.into_iter()
            .map(|(id, name)| Region { id, name })
            .collect(),
    ))
}

/// Every estate of the admin's company (not only those the admin was given): what staff can
/// be given, with the region each belongs to.
async fn estates(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
) -> Result<Json<Vec<EstateChoice>>, ApiError> {
    let list = state.db.company_estates(&admin.company_id).await?;
    Ok(Json(
        list.into_iter()
            .map(|(id, name, region_id, region_name)| EstateChoice {
                id,
                name,
                region_id,
                region_name,
            })
            .collect(),
    ))
}

/// Estates must be the admin's company's: an admin cannot hand out another company's data
/// (staff assignments, webhook filters). One read of the company's estates, however many ids
/// are named (at most 500); the ids come back once each, sorted.
pub(crate) async fn check_estates(
    state: &AppState,
    company_id: &str,
    ids: &[String],
) -> Result<Vec<String>, ApiError> {
    if ids.len() > 500 {
        return Err(bad("estate_ids", "too many", "太多"));
    }
    let own: Vec<String> = state
        .db
        .company_estates(company_id)
        .await?
        .into_iter()
        .map(|(id, ..)| id)
        .collect();
    let mut out = Vec::new();
    for id in ids {
        if !own.contains(id) {
            let shown = crate::security::capped(id, 60);
            return Err(bad(
                "estate_ids",
                format!("unknown estate {shown}"),
                format!("不是本公司的小区({shown})"),
            ));
        }
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    out.sort();
    Ok(out)
}

/// Regions must be the admin's company's, like estates.
async fn check_regions(state: &AppState, admin: &Staff, ids: &[String]) -> Result<(), ApiError> {
    for id in ids {
        let owner = sqlx::query("SELECT company_id FROM regions WHERE id = $1")
            .bind(id.clone())
            .fetch_optional(&state.db.pool)
            .await?
            .map(|r| r.try_get::<String, _>(0))
            .transpose()?;
        if owner.as_deref() != Some(admin.company_id.as_str()) {
            return Err(bad(
                "region_ids",
                format!("unknown region {id}"),
                format!("不是本公司的片区({id})"),
            ));
        }
    }
    Ok(())
}

/// Regions given to a role that has none would be dropped at once: refused instead.
fn check_regions_for(role: Option<Role>, ids: &[String]) -> Result<(), ApiError> {
    if !ids.is_empty() && !role.is_some_and(Role::answers_for_regions) {
        return Err(bad(
            "region_ids",
            "only an area manager answers for regions",
            "只有片区经理负责片区",
        ));
    }
    Ok(())
}

async fn create(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ClientIp(ip): ClientIp,
    body: Bytes,
) -> Result<Json<StaffMember>, ApiError> {
    let input: NewStaff = parse_json(&body).map_err(unreadable)?;
    let username = input.username.trim().to_lowercase();
    if username.len() < 2
        || username.len() > 40
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(bad(
            "username",
            "2 to 40 letters, digits, - _ .",
            "2 到 40 个字母、数字或 - _ .",
        ));
    }
    if input.display_name.trim().is_empty() || input.display_name.chars().count() > 40 {
        return Err(bad("display_name", "1 to 40 characters", "1 到 40 个字符"));
    }
    let role = Role::parse(&input.role).ok_or_else(unknown_role)?;
    if let Some((en, zh)) = password_problem(&input.password, &username) {
        return Err(bad("password", en, zh));
    }
    check_estates(&state, &admin.company_id, &input.estate_ids).await?;
    check_regions(&state, &admin, &input.region_ids).await?;
    check_regions_for(Some(role), &input.region_ids)?;
    // An account with nothing to work on would log in to a dead end: every role that works
    // in estates gets at least one (an area manager may get them through a region); only
    // the company-level roles (quality centre, administrator) start without.
    let company_level = role.company_wide() || role == Role::Admin;
    let regions_give_estates = role.answers_for_regions() && !input.region_ids.is_empty();
    if input.estate_ids.is_empty() && !company_level && !regions_give_estates {
        return Err(bad(
            "estate_ids",
            "choose at least one estate for this role",
            "请至少选择一个小区:这个岗位要在小区里工作",
        ));
    }
    if state.db.staff_by_username(&username).await?.is_some() {
        return Err(bad("username", "taken", "已被使用,请换一个"));
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
    for region in &input.region_ids {
        sqlx::query("INSERT INTO staff_regions (staff_id, region_id) VALUES ($1, $2)")
            .bind(id.clone())
            .bind(region.clone())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    state
        .db
        .audit(&admin.id, &ip, "staff_created", &id, role.as_str())
        .await?;
    if !input.region_ids.is_empty() {
        state
            .db
            .audit(
                &admin.id,
                &ip,
                "regions_changed",
                &id,
                &input.region_ids.join(","),
            )
            .await?;
    }
    // What they can see, as the list would say it: their estates and their regions'.
    let estate_ids = state
        .db
        .staff_estate_ids(&id, &admin.company_id, role)
        .await?;
    Ok(Json(StaffMember {
        id,
        username,
        display_name: input.display_name.trim().to_string(),
        role: role.as_str().into(),
        disabled: false,
        estate_ids,
        given_estate_ids: input.estate_ids,
        region_ids: input.region_ids,
    }))
}

async fn update(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ClientIp(ip): ClientIp,
    Path(staff_id): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let change: StaffChange = parse_json(&body).map_err(unreadable)?;
    let row = sqlx::query("SELECT company_id, username, role FROM staff WHERE id = $1")
        .bind(staff_id.clone())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(ApiError::NotFound("staff"))?;
    let company: String = row.try_get("company_id")?;
    if company != admin.company_id {
        return Err(ApiError::NotFound("staff"));
    }
    let username: String = row.try_get("username")?;
    let stored_role: String = row.try_get("role")?;
    // Everything is checked before anything is written: a bad field changes nothing.
    let role = change
        .role
        .as_deref()
        .map(|r| Role::parse(r).ok_or_else(unknown_role))
        .transpose()?;
    // A company must not lose its administrator by a slip: an admin can neither demote nor
    // disable themselves (another admin can).
    if staff_id == admin.id {
        if role.is_some_and(|r| r != Role::Admin) {
            return Err(bad(
                "role",
                "you cannot change your own role",
                "不能更改自己的角色",
            ));
        }
        if change.disabled == Some(true) {
            return Err(bad(
                "disabled",
                "you cannot disable your own account",
                "不能停用自己的账号",
            ));
        }
    }
    if let Some(estates) = &change.estate_ids {
        check_estates(&state, &admin.company_id, estates).await?;
    }
    if let Some(regions) = &change.region_ids {
        check_regions(&state, &admin, regions).await?;
        // Regions only for a role that answers for them: the role this change sets, or the
        // one the member has (a caretaker given a region alone is refused too).
        check_regions_for(role.or_else(|| Role::parse(&stored_role)), regions)?;
    }
    if let Some((en, zh)) = change
        .password
        .as_deref()
        .and_then(|p| password_problem(p, &username))
    {
        return Err(bad("password", en, zh));
    }
    if let Some(role) = role {
        state
            .db
            .set_staff_role(&staff_id, role.as_str(), role.answers_for_regions())
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

fn unknown_role() -> ApiError {
    bad("role", "unknown role", "未知的角色")
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
