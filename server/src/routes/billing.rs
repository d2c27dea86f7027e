//! The monthly billing statement of paid work and special services (000 4.4.3) for an
//! estate's staff at the desk and above: `GET /api/estates/{id}/billing?month=2026-03` (every
//! household's statement and the finance list, as `anju_shared::billing` computes them) and
//! the same as a workbook (`GET /api/estates/{id}/billing.xlsx?month=…`, every export audited).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

use anju_shared::billing::{self, Statement};
use anju_shared::dashboard::{month_range, start_of};

use crate::AppState;
use crate::auth::DeskUser;
use crate::error::ApiError;
use crate::security::{ClientIp, require_estate};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/estates/{estate_id}/billing", get(show))
        .route("/estates/{estate_id}/billing.xlsx", get(workbook))
}

fn bad(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::BadField {
        field: field.to_string(),
        message: message.into(),
    }
}

/// The statement of the estate and month the request names, after the role and estate checks.
async fn build(
    state: &AppState,
    staff: &crate::auth::Staff,
    ip: &str,
    estate_id: &str,
    raw: &HashMap<String, String>,
) -> Result<Statement, ApiError> {
    require_estate(state, staff, ip, estate_id, "billing").await?;
    let month = raw
        .get("month")
        .ok_or_else(|| bad("month", "needed, like 2026-03"))?;
    let (_, next) = month_range(month).map_err(|e| bad(&e.field, e.message))?;
    let estate = state
        .db
        .estates_by_ids(&[estate_id.to_string()])
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound("estate"))?;
    let (_, calendar) = estate
        .rules()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("estate {estate_id}: {e}")))?;
    let offset = calendar.utc_offset;
    // Orders reported before the month ended; which were completed in it, `shared` decides.
    let before_ms = start_of(next, offset).timestamp_millis();
    let orders = state.db.quoted_orders(estate_id, before_ms).await?;
    let list = state.db.price_list(estate_id).await?;
    billing::statement(estate_id, &estate.name, month, offset, &orders, &list)
        .map_err(|e| bad(&e.field, e.message))
}

async fn show(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Path(estate_id): Path<String>,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Json<Statement>, ApiError> {
    Ok(Json(build(&state, &staff, &ip, &estate_id, &raw).await?))
}

async fn workbook(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Path(estate_id): Path<String>,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<impl IntoResponse, ApiError> {
    let statement = build(&state, &staff, &ip, &estate_id, &raw).await?;
    let bytes = crate::export::billing_workbook(&statement)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("workbook: {e}")))?;
    crate::routes::audited_xlsx(
        &state,
        &staff.id,
        &ip,
        &format!("billing {estate_id} {}", statement.month),
        &format!("billing-{estate_id}-{}.xlsx", statement.month),
        bytes,
    )
    .await
}
