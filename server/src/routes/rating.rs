//! `POST /api/public/track/{token}/rating`: the resident rates the finished work from their
//! tracking page — a score of 1 to 5 and a comment, once per order, only after completion. The
//! token is the credential (as for the tracking page); the rating is recorded as a `rated`
//! event in the estate's log, so the desk sees it beside the callback after its next sync.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use anju_shared::arrival::{REASON_MAX, Refusal};
use anju_shared::callback;
use anju_shared::order::{EventBody, Status, fold};

use crate::AppState;
use crate::auth::token_hash;
use crate::error::ApiError;
use crate::routes::parse_json;
use crate::security::{ClientIp, Limit, throttle};

pub fn router() -> Router<AppState> {
    Router::new().route("/public/track/{token}/rating", post(rate))
}

/// Ratings one address may send in ten minutes: a family rates a few reports, a script no
/// more than that.
const RATINGS_PER_IP: Limit = Limit {
    max: 20,
    window_ms: 10 * 60 * 1000,
};

#[derive(Deserialize)]
struct RatingInput {
    score: u8,
    #[serde(default)]
    comment: String,
}

#[derive(Serialize)]
struct Rated {
    score: u8,
}

async fn rate(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Rated>), ApiError> {
    throttle(&state, &format!("rating:ip:{ip}"), RATINGS_PER_IP).await?;
    let input: RatingInput = parse_json(&body)?;
    // The same checks as the event's arrival check: the score, and a bounded comment.
    callback::check_score("score", input.score)?;
    let comment = input.comment.trim().to_string();
    if comment.chars().count() > REASON_MAX {
        return Err(ApiError::from(Refusal::new(
            "comment",
            format!("at most {REASON_MAX} characters"),
            format!("不能超过 {REASON_MAX} 个字"),
        )));
    }
    let row = sqlx::query("SELECT id, estate_id FROM orders WHERE tracking_hash = $1")
        .bind(token_hash(&token))
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    let order_id: String = row.try_get("id")?;
    let estate_id: String = row.try_get("estate_id")?;
    let events = state.db.order_events(&estate_id, &order_id).await?;
    let order = fold(&order_id, &events).ok_or(ApiError::NotFound("order"))?;
    if order.status < Status::Completed {
        return Err(ApiError::from(Refusal::new(
            "score",
            "the work is not completed yet",
            "工单尚未完工,暂不能评价",
        )));
    }
    let estate = state
        .db
        .estates_by_ids(std::slice::from_ref(&estate_id))
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound("estate"))?;
    let offset = anju_shared::calendar::parse_offset(&estate.utc_offset)
        .unwrap_or_else(anju_shared::calendar::china_offset);
    let now = chrono::Utc::now().with_timezone(&offset);
    let body = EventBody::Rated {
        score: input.score,
        comment,
    };
    if order.rating.is_some()
        || !state
            .db
            .record_once(&estate_id, &order_id, "resident", body, now)
            .await?
    {
        return Err(ApiError::from(Refusal::new(
            "score",
            "this order is already rated",
            "该工单已评价",
        )));
    }
    Ok((StatusCode::CREATED, Json(Rated { score: input.score })))
}
