//! `POST /api/sync`: a device pushes its outbox and pulls the estate's events after its cursor.
//! Every pushed event passes `shared`'s arrival check (who may record what, times and clock
//! stamps in bounds, lengths, enumerations, references within the estate) before anything is
//! stored; a refused event is kept for review and answered with its reason, never silently
//! dropped.

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};

use std::collections::HashMap;

use anju_shared::order::EventBody;
use anju_shared::sync::{Ack, MAX_PAGE, MAX_PUSH, SyncRequest, SyncResponse};
use anju_shared::{arrival, callback};

use crate::AppState;
use crate::auth::Staff;
use crate::db::Pushed;
use crate::error::ApiError;
use crate::routes::parse_json;
use crate::security::{ClientIp, require_estate};

pub fn router() -> Router<AppState> {
    Router::new().route("/sync", post(sync))
}

async fn sync(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Json<SyncResponse>, ApiError> {
    let req: SyncRequest = parse_json(&body)?;
    require_estate(&state, &staff, &ip, &req.estate_id, "estate").await?;
    if req.device_id.trim().is_empty() || req.device_id.len() > 64 {
        return Err(ApiError::BadField {
            field: "device_id".into(),
            message: "1 to 64 characters".into(),
        });
    }
    if req.push.len() > MAX_PUSH {
        return Err(ApiError::BadField {
            field: "push".into(),
            message: format!("at most {MAX_PUSH} events at a time"),
        });
    }
    let now_ms = chrono::Utc::now().timestamp_millis();
    // Every event passes the arrival check of `shared` (the one the app runs before it
    // records), against what the estate holds of the push's references.
    let references = state.db.references(&req.estate_id, &req.push).await?;
    // Scanned checkpoint codes are judged by the estate's key, which only the server holds.
    let known = crate::patrols::CodeCheck {
        inner: &references,
        estate_id: &req.estate_id,
        key: if req.push.iter().any(crate::patrols::carries_code) {
            state.db.patrol_key_if_any(&req.estate_id).await?
        } else {
            None
        },
    };
    // A quote's items are judged by the estate's price list.
    let priced = crate::store::prices::Priced {
        inner: &known,
        prices: &references,
    };
    let pusher = arrival::Pusher {
        device_id: &req.device_id,
        actor: &staff.id,
        role: staff.role,
    };
    let mut contacts = HashMap::new();
    for c in &req.contacts {
        contacts.insert(c.order_id.clone(), c.clone());
    }
    if contacts.len() != req.contacts.len() || contacts.len() > req.push.len() {
        return Err(ApiError::BadField {
            field: "contacts".into(),
            message: "at most one per report of this push".into(),
        });
    }
    // The checks that need the estate's rules (a callback inside the callback hours, D-7),
    // the ones the app runs before it records.
    let rules = if req
        .push
        .iter()
        .any(|e| matches!(e.body, EventBody::CalledBack { .. }))
    {
        let estate = state
            .db
            .estates_by_ids(std::slice::from_ref(&req.estate_id))
            .await?
            .into_iter()
            .next()
            .ok_or(ApiError::NotFound("estate"))?;
        Some(estate.rules().map_err(|e| {
            anyhow::anyhow!("estate {}: stored rules do not load: {e}", req.estate_id)
        })?)
    } else {
        None
    };
    let mut pushed = Vec::with_capacity(req.push.len());
    for e in &req.push {
        let mut refusal = arrival::check(e, &pusher, now_ms, &priced).err();
        if refusal.is_none()
            && let Some((policy, calendar)) = &rules
        {
            refusal = callback::refusal(policy, calendar, e);
        }
        if refusal.is_none()
            && let EventBody::Reported(r) = &e.body
        {
            refusal = match contacts.get(e.order_id()) {
                Some(c) => arrival::contact_refusal(e, &c.phone),
                None if !r.phone_masked.is_empty() => Some(arrival::Refusal::new(
                    "phone_masked",
                    "the full number must come in contacts, beside the report",
                    "完整号码须随报事另行提交",
                )),
                None => None,
            };
        }
        pushed.push(Pushed {
            event: e.clone(),
            refusal,
        });
    }
    let outcomes = if pushed.is_empty() {
        Vec::new()
    } else {
        state
            .db
            .sync_push(&req.estate_id, &staff.id, &pushed, &contacts, now_ms)
            .await?
    };
    crate::patrols::doubt_clock(
        &state.db,
        &req.estate_id,
        &req.push,
        &outcomes,
        &headers,
        now_ms,
    )
    .await?;
    let acks = req
        .push
        .iter()
        .zip(outcomes)
        .map(|(e, outcome)| Ack {
            id: e.id.clone(),
            device_seq: e.device_seq,
            outcome,
        })
        .collect();
    let limit = req.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
    let (events, cursor, more, references) =
        state.db.pull(&req.estate_id, req.cursor, limit).await?;
    Ok(Json(SyncResponse {
        acks,
        events,
        cursor,
        more,
        references,
    }))
}
