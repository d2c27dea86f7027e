//! `POST /api/sync`: a device pushes its outbox and pulls the estate's events after its cursor.
//! The server checks who may record what before anything is stored; a refused event is kept
//! for review and answered with its reason, never silently dropped.

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};

use anju_shared::order::{Event, EventBody};
use anju_shared::sync::{Ack, MAX_PAGE, MAX_PUSH, SyncRequest, SyncResponse};

use crate::AppState;
use crate::auth::Staff;
use crate::db::Pushed;
use crate::error::ApiError;
use crate::routes::parse_json;
use crate::security::{ClientIp, require_estate};

pub fn router() -> Router<AppState> {
    Router::new().route("/sync", post(sync))
}

/// The rules that need no database: whose device, whose hand, which role.
fn refusal(staff: &Staff, req: &SyncRequest, e: &Event) -> Option<String> {
    if e.device_id != req.device_id {
        return Some("device_id: not the pushing device".into());
    }
    if e.actor != staff.id {
        return Some("actor: not the logged-in user".into());
    }
    if !e.body.may_be_recorded_by(staff.role) {
        return Some(format!(
            "type: a {} may not record {}",
            staff.role.as_str(),
            e.body.kind()
        ));
    }
    match &e.body {
        EventBody::CalledBack { score } if !(1..=5).contains(score) => {
            Some("score: must be 1 to 5".into())
        }
        EventBody::Note { text } if text.trim().is_empty() || text.chars().count() > 2000 => {
            Some("text: a note has 1 to 2000 characters".into())
        }
        _ => None,
    }
}

async fn sync(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
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
    let mut pushed = Vec::with_capacity(req.push.len());
    for e in &req.push {
        let mut refused = refusal(&staff, &req, e);
        if let (None, EventBody::Visited { household_id, .. }) = (&refused, &e.body)
            && !state
                .db
                .household_in_estate(household_id, &req.estate_id)
                .await?
        {
            refused = Some("household_id: no such household in this estate".into());
        }
        pushed.push(Pushed {
            event: e.clone(),
            refusal: refused,
        });
    }
    let now_ms = chrono::Utc::now().timestamp_millis();
    let outcomes = if pushed.is_empty() {
        Vec::new()
    } else {
        state
            .db
            .sync_push(&req.estate_id, &staff.id, &pushed, now_ms)
            .await?
    };
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
    let (events, more) = state.db.pull(&req.estate_id, req.cursor, limit).await?;
    let cursor = events.last().and_then(|e| e.seq).unwrap_or(req.cursor);
    Ok(Json(SyncResponse {
        acks,
        events,
        cursor,
        more,
    }))
}
