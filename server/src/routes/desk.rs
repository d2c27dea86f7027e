//! The front desk's API: the inbox of an estate's orders with their events. The browser folds
//! the events and computes deadlines with `anju_shared`, the same rules the server uses.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use anju_shared::order::Inbox;

use crate::AppState;
use crate::auth::DeskUser;
use crate::error::ApiError;
use crate::security::{ClientIp, require_estate};

/// The newest orders the inbox shows whatever their state (the closed ones among them are the
/// desk's recent history); every open order is shown besides, however old.
const INBOX_RECENT: i64 = 200;
/// A bound on one answer, far above any estate's open work, so a flood of reports cannot
/// make the inbox unbounded.
const INBOX_CAP: i64 = 5000;

pub fn router() -> Router<AppState> {
    Router::new().route("/desk/orders", get(inbox))
}

#[derive(Deserialize)]
struct InboxQuery {
    estate: Option<String>,
}

async fn inbox(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Query(q): Query<InboxQuery>,
) -> Result<Json<Inbox>, ApiError> {
    let estate_id = match q.estate {
        Some(id) => id,
        None => staff
            .estate_ids
            .first()
            .cloned()
            .ok_or(ApiError::Forbidden)?,
    };
    // Checked on the server: a desk sees only the estates it belongs to.
    require_estate(&state, &staff, &ip, &estate_id, "estate").await?;
    let estate = state
        .db
        .estates_by_ids(std::slice::from_ref(&estate_id))
        .await?
        .pop()
        .ok_or(ApiError::NotFound("estate"))?;
    let orders = state
        .db
        .orders_with_events(&estate.id, INBOX_RECENT, INBOX_CAP)
        .await?;
    Ok(Json(Inbox { estate, orders }))
}
