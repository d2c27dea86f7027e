//! What staff screens need to know of an estate: the site plan (buildings, units), its
//! households without personal data, and its staff directory (who an order can be given to).
//! Only for staff of that estate.

pub use anju_shared::wire::Colleague;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

use anju_shared::site::Site;
use sqlx::Row;

use crate::AppState;
use crate::auth::Staff;
use crate::db::HouseholdRow;
use crate::error::ApiError;
use crate::security::{ClientIp, require_estate};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/estates/{estate_id}/site", get(site))
        .route("/estates/{estate_id}/households", get(households))
        .route("/estates/{estate_id}/staff", get(staff_directory))
}

async fn own_estate(
    state: &AppState,
    staff: &Staff,
    ip: &str,
    estate_id: &str,
) -> Result<Site, ApiError> {
    require_estate(state, staff, ip, estate_id, "estate").await?;
    let estate = state
        .db
        .estates_by_ids(&[estate_id.to_string()])
        .await?
        .pop()
        .ok_or(ApiError::NotFound("estate"))?;
    Ok(Site {
        buildings: state.db.site(&estate.id).await?,
        id: estate.id,
        slug: estate.slug,
        name: estate.name,
    })
}

async fn site(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path(estate_id): Path<String>,
) -> Result<Json<Site>, ApiError> {
    Ok(Json(own_estate(&state, &staff, &ip, &estate_id).await?))
}

async fn households(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path(estate_id): Path<String>,
) -> Result<Json<Vec<HouseholdRow>>, ApiError> {
    let site = own_estate(&state, &staff, &ip, &estate_id).await?;
    Ok(Json(state.db.households(&site.id).await?))
}

async fn staff_directory(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path(estate_id): Path<String>,
) -> Result<Json<Vec<Colleague>>, ApiError> {
    let site = own_estate(&state, &staff, &ip, &estate_id).await?;
    // Disabled accounts are left out: an order given to them would never be worked.
    let rows = sqlx::query(
        "SELECT s.id, s.display_name, s.role FROM staff s JOIN staff_estates se ON se.staff_id = s.id \
         WHERE se.estate_id = $1 AND s.disabled = 0 ORDER BY s.role, s.display_name",
    )
    .bind(site.id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut list = Vec::with_capacity(rows.len());
    for r in rows {
        list.push(Colleague {
            id: r.try_get(0)?,
            display_name: r.try_get(1)?,
            role: r.try_get(2)?,
        });
    }
    Ok(Json(list))
}
