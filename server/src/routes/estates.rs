//! What staff screens need to know of an estate's places: the site plan (buildings, units) and
//! its households, without personal data. Only for staff of that estate.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

use anju_shared::site::Site;

use crate::AppState;
use crate::auth::Staff;
use crate::db::HouseholdRow;
use crate::error::ApiError;
use crate::security::{ClientIp, refuse};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/estates/{estate_id}/site", get(site))
        .route("/estates/{estate_id}/households", get(households))
}

async fn own_estate(
    state: &AppState,
    staff: &Staff,
    ip: &str,
    estate_id: &str,
) -> Result<Site, ApiError> {
    if !staff.may_see_estate(estate_id) {
        return Err(refuse(state, &staff.id, ip, &format!("estate {estate_id}")).await);
    }
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
