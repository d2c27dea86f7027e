//! The manager's dashboard: the measures of DOMAIN.md §6 for a period and a scope (an
//! estate, a region, the company) against the policy's targets (`GET /api/kpi`), the orders
//! behind a measure's numerator and denominator (`GET /api/kpi/orders`), and the last twelve
//! months (`GET /api/kpi/trend`). Computed by `anju_shared::dashboard` over the stored
//! orders and visits; the scope is checked on the server (`figures::resolve`).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};

use anju_shared::dashboard::{
    self, Dashboard, DashboardQuery, Drill, PeriodKind, ScopeKind, Scopes, Trend,
};
use anju_shared::kpi::Measure;

use crate::AppState;
use crate::auth::DeskUser;
use crate::error::ApiError;
use crate::figures::{self, Scope};
use crate::security::ClientIp;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/kpi", get(board))
        .route("/kpi/orders", get(drill))
        .route("/kpi/trend", get(trend))
        .route("/kpi/scopes", get(scopes))
}

/// The scopes the caller may ask for (see [`figures::resolve`]): only their own company's.
async fn scopes(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
) -> Result<Json<Scopes>, ApiError> {
    let all = state.db.company_estates(&staff.company_id).await?;
    let mut out = Scopes::default();
    for (id, name, region, region_name) in &all {
        if staff.may_see_estate(id) {
            out.estates.push((id.clone(), name.clone()));
        }
        let whole = all
            .iter()
            .filter(|(_, _, r, _)| r == region)
            .all(|(e, ..)| staff.may_see_estate(e));
        if whole && !out.regions.iter().any(|(r, _)| r == region) {
            out.regions.push((region.clone(), region_name.clone()));
        }
    }
    if !all.is_empty() && all.iter().all(|(e, ..)| staff.may_see_estate(e)) {
        let name: String = sqlx::query("SELECT name FROM companies WHERE id = $1")
            .bind(staff.company_id.clone())
            .fetch_one(&state.db.pool)
            .await
            .and_then(|r| sqlx::Row::try_get(&r, 0))?;
        out.company = Some(name);
    }
    Ok(Json(out))
}

fn bad(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::BadField {
        field: field.to_string(),
        message: message.into(),
    }
}

/// The query string as [`DashboardQuery`], each bad value refused by name.
pub fn parse_query(q: &HashMap<String, String>) -> Result<DashboardQuery, ApiError> {
    let scope = match q.get("scope").map(String::as_str) {
        None | Some("") => ScopeKind::Estate,
        Some(s) => {
            ScopeKind::parse(s).ok_or_else(|| bad("scope", "must be estate, region or company"))?
        }
    };
    let period = match q.get("period").map(String::as_str) {
        None | Some("") => PeriodKind::LastMonth,
        Some(s) => PeriodKind::parse(s).ok_or_else(|| {
            bad(
                "period",
                "must be this_month, last_month, quarter, half_year, year or custom",
            )
        })?,
    };
    let date = |key: &str| -> Result<Option<NaiveDate>, ApiError> {
        match q.get(key).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| bad(key, "not a date like 2026-03-01")),
        }
    };
    let measure = match q.get("measure").filter(|v| !v.is_empty()) {
        None => None,
        Some(m) => Some(Measure::parse(m).ok_or_else(|| bad("measure", "unknown measure"))?),
    };
    Ok(DashboardQuery {
        scope,
        id: q.get("id").cloned().unwrap_or_default(),
        period,
        from: date("from")?,
        to: date("to")?,
        measure,
    })
}

/// The scope, its period's dates `[from, to)` and what the estates hold for them.
pub async fn prepare(
    state: &AppState,
    staff: &crate::auth::Staff,
    ip: &str,
    q: &DashboardQuery,
) -> Result<(Scope, (NaiveDate, NaiveDate)), ApiError> {
    let scope = figures::resolve(state, staff, ip, q.scope, &q.id).await?;
    let offset = scope
        .estates
        .first()
        .and_then(|e| anju_shared::calendar::parse_offset(&e.utc_offset))
        .unwrap_or_else(anju_shared::calendar::china_offset);
    let today = Utc::now().with_timezone(&offset).date_naive();
    let range = dashboard::period_range(q.period, today, q.from, q.to)
        .map_err(|e| bad(&e.field, e.message))?;
    Ok((scope, range))
}

async fn board(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Json<Dashboard>, ApiError> {
    let q = parse_query(&raw)?;
    let (scope, range) = prepare(&state, &staff, &ip, &q).await?;
    let data = figures::load(&state.db, &scope, range.0, range.1).await?;
    let now = Utc::now().fixed_offset();
    Ok(Json(dashboard::dashboard(
        scope.kind,
        &scope.id,
        &scope.name,
        &data,
        range,
        now,
    )))
}

async fn drill(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Json<Drill>, ApiError> {
    let q = parse_query(&raw)?;
    let measure = q.measure.ok_or_else(|| bad("measure", "needed"))?;
    let (scope, range) = prepare(&state, &staff, &ip, &q).await?;
    let data = figures::load(&state.db, &scope, range.0, range.1).await?;
    Ok(Json(dashboard::drill(
        measure,
        &data,
        range,
        Utc::now().fixed_offset(),
    )))
}

async fn trend(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Json<Trend>, ApiError> {
    let q = parse_query(&raw)?;
    let scope = figures::resolve(&state, &staff, &ip, q.scope, &q.id).await?;
    let offset = scope
        .estates
        .first()
        .and_then(|e| anju_shared::calendar::parse_offset(&e.utc_offset))
        .unwrap_or_else(anju_shared::calendar::china_offset);
    let now = Utc::now().with_timezone(&offset);
    let today = now.date_naive();
    let months = dashboard::last_twelve_months(today);
    let (from, to) = (months[0].0, months[11].1);
    let data = figures::load(&state.db, &scope, from, to).await?;
    Ok(Json(dashboard::trend(&data, today, now.fixed_offset())))
}
