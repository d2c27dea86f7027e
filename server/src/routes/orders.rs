//! Order endpoints beyond the event log: an order's state with its evaluation under the
//! estate's rules, revealing a reporter's full phone number (audited, PIPL) and the resident's
//! tracking page behind an unguessable token.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use sqlx::Row;

use anju_shared::eval::{self, OrderOutput};
use anju_shared::order::{OrderState, Status, fold, order_ids};

use crate::AppState;
use crate::auth::{DeskUser, Staff, token_hash};
use crate::error::ApiError;
use crate::security::ClientIp;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orders/{order_id}", get(order))
        .route("/orders/{order_id}/reveal-phone", post(reveal_phone))
        .route("/public/track/{token}", get(track))
}

/// An order as the fold sees it, with what the rules say of it now: the same shape as an
/// order of `anju eval`'s output, computed by `shared` from the stored events under the
/// estate's rules.
#[derive(Serialize)]
struct OrderView {
    reference: String,
    state: OrderState,
    evaluation: OrderOutput,
}

#[derive(serde::Deserialize)]
struct AtQuery {
    /// Evaluate at another instant (RFC 3339) instead of the server's clock.
    now: Option<String>,
}

async fn order(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path(order_id): Path<String>,
    Query(q): Query<AtQuery>,
) -> Result<Json<OrderView>, ApiError> {
    let now = match q.now.as_deref() {
        None => chrono::Utc::now().fixed_offset(),
        Some(t) => chrono::DateTime::parse_from_rfc3339(t).map_err(|_| ApiError::BadField {
            field: "now".into(),
            message: "not an RFC 3339 time".into(),
        })?,
    };
    let (estate_id, row) = visible_order(&state, &staff, &ip, &order_id, "order").await?;
    let estate = state
        .db
        .estates_by_ids(std::slice::from_ref(&estate_id))
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound("estate"))?;
    let (policy, calendar) = estate
        .rules()
        .map_err(|e| anyhow::anyhow!("estate {estate_id}: stored rules do not load: {e}"))?;
    // Severity counts the estate's other complaints (the same issue, the same reporter), so
    // the estate's orders are folded too; the order itself from all its events.
    let events = state.db.rule_events(&estate_id).await?;
    let mut facts = Vec::new();
    let mut mine = None;
    for id in order_ids(&events) {
        if let Some(folded) = fold(&id, &events) {
            if id == order_id {
                mine = Some(facts.len());
            }
            facts.push(folded.facts());
        }
    }
    let own = state.db.order_events(&estate_id, &order_id).await?;
    let folded = fold(&order_id, &own).ok_or(ApiError::NotFound("order"))?;
    match mine {
        Some(i) => facts[i] = folded.facts(),
        None => facts.push(folded.facts()),
    }
    let index = mine.unwrap_or(facts.len() - 1);
    let evaluation = eval::evaluate_facts(&policy, &calendar, &facts, now)
        .orders
        .swap_remove(index);
    Ok(Json(OrderView {
        reference: row.try_get("reference")?,
        state: folded,
        evaluation,
    }))
}

/// The order's registry row when the staff member may see its estate; otherwise the refusal is
/// audited (as `what`) and answered as if the order did not exist: no probing across estates.
async fn visible_order(
    state: &AppState,
    staff: &Staff,
    ip: &str,
    order_id: &str,
    what: &str,
) -> Result<(String, sqlx::any::AnyRow), ApiError> {
    let row = sqlx::query(
        "SELECT estate_id, reference, contact_name, contact_phone FROM orders WHERE id = $1",
    )
    .bind(order_id.to_string())
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(ApiError::NotFound("order"))?;
    let estate_id: String = row.try_get("estate_id")?;
    if !staff.may_see_estate(&estate_id) {
        state
            .db
            .audit(&staff.id, ip, "access_refused", order_id, what)
            .await?;
        return Err(ApiError::NotFound("order"));
    }
    Ok((estate_id, row))
}

#[derive(Serialize)]
struct Contact {
    name: String,
    phone: String,
}

/// The full number, for calling the resident back; every reveal is written to the audit log.
async fn reveal_phone(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Path(order_id): Path<String>,
) -> Result<Json<Contact>, ApiError> {
    let (_, row) = visible_order(&state, &staff, &ip, &order_id, "reveal_phone").await?;
    crate::security::throttle(
        &state,
        &format!("personal:staff:{}", staff.id),
        crate::security::PERSONAL_DATA_PER_STAFF,
    )
    .await?;
    state
        .db
        .audit(&staff.id, &ip, "reveal_phone", &order_id, "")
        .await?;
    Ok(Json(Contact {
        name: row.try_get("contact_name")?,
        phone: row.try_get("contact_phone")?,
    }))
}

/// What a resident's tracking link shows: this order only, personal fields masked.
#[derive(Serialize)]
struct Tracking {
    reference: String,
    estate: String,
    status: Status,
    status_zh: &'static str,
    status_en: &'static str,
    category: anju_shared::model::Category,
    reported_at: String,
    /// Building, unit and room, and below the resident's own description: the link is the
    /// resident's secret (a 256-bit token, never listed anywhere), and with them they can
    /// tell which of their reports this is.
    place: String,
    text: String,
    phone_masked: String,
    /// (event kind, when), for the progress line.
    steps: Vec<(String, String)>,
    /// The latest callback's score, once called back.
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<u8>,
    /// The resident's own rating, once given.
    #[serde(skip_serializing_if = "Option::is_none")]
    rating: Option<u8>,
    /// Whether the page may ask for a rating: completed and not rated yet.
    may_rate: bool,
}

async fn track(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<Tracking>, ApiError> {
    let row = sqlx::query(
        "SELECT o.id, o.estate_id, o.reference, e.name FROM orders o JOIN estates e ON e.id = o.estate_id \
         WHERE o.tracking_hash = $1",
    )
    .bind(token_hash(&token))
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(ApiError::NotFound("order"))?;
    let order_id: String = row.try_get("id")?;
    let estate_id: String = row.try_get("estate_id")?;
    let events = state.db.order_events(&estate_id, &order_id).await?;
    let order = fold(&order_id, &events).ok_or(ApiError::NotFound("order"))?;
    Ok(Json(Tracking {
        reference: row.try_get("reference")?,
        estate: row.try_get("name")?,
        status: order.status,
        status_zh: order.status.zh(),
        status_en: order.status.en(),
        category: order.category,
        reported_at: order.reported_at.to_rfc3339(),
        place: order.location.clone(),
        text: order.text.clone(),
        phone_masked: order.phone_masked.clone(),
        steps: order
            .milestones
            .iter()
            .map(|(k, at, _)| (k.as_str().to_string(), at.to_rfc3339()))
            .collect(),
        score: order.callbacks.last().map(|c| c.score),
        rating: order.rating.as_ref().map(|r| r.score),
        may_rate: order.status >= Status::Completed && order.rating.is_none(),
    }))
}
