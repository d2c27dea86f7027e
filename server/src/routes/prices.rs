//! An estate's price list for paid work (000 4.4.3): read by the estate's staff (a technician
//! quotes from it, offline too), replaced whole by a project manager or above (`PUT`), checked
//! by the shared rule before it is stored and audited.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

use anju_shared::price::{self, PriceList};

use crate::AppState;
use crate::auth::Staff;
use crate::error::ApiError;
use crate::security::{ClientIp, require_estate, require_role};

pub fn router() -> Router<AppState> {
    Router::new().route("/estates/{estate_id}/prices", get(show).put(change))
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path(estate_id): Path<String>,
) -> Result<Json<PriceList>, ApiError> {
    require_estate(&state, &staff, &ip, &estate_id, "price list").await?;
    Ok(Json(state.db.price_list(&estate_id).await?))
}

async fn change(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path(estate_id): Path<String>,
    body: Bytes,
) -> Result<Json<PriceList>, ApiError> {
    require_estate(&state, &staff, &ip, &estate_id, "price list").await?;
    require_role(
        &state,
        &staff,
        &ip,
        staff.role.sets_estate_rules(),
        &format!("price list {estate_id}"),
    )
    .await?;
    let list: PriceList = crate::routes::parse_json(&body)?;
    price::check_list(&list)?;
    state.db.set_price_list(&estate_id, &list).await?;
    state
        .db
        .audit(
            &staff.id,
            &ip,
            "price_list_changed",
            &estate_id,
            &format!("{} items", list.items.len()),
        )
        .await?;
    Ok(Json(state.db.price_list(&estate_id).await?))
}
