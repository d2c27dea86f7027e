//! `POST /api/eval`: the rule engine's JSON contract over HTTP (the same as `anju eval`), for the
//! what-if evaluator. It changes nothing, so it needs no login; being open, it is throttled per
//! address and evaluated off the async workers, so a stream of 2 MiB requests cannot starve
//! the API.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use crate::AppState;
use crate::security::{ClientIp, Limit, throttle};

/// Evaluations one address may ask for a minute: a person trying numbers, or a script
/// checking a rulebook's cases, stays well under it.
const EVALS_PER_IP: Limit = Limit {
    max: 60,
    window_ms: 60 * 1000,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/eval", post(eval))
}

async fn eval(State(state): State<AppState>, ClientIp(ip): ClientIp, body: Bytes) -> Response {
    if let Err(refusal) = throttle(&state, &format!("eval:ip:{ip}"), EVALS_PER_IP).await {
        return refusal.into_response();
    }
    let answer = tokio::task::spawn_blocking(move || {
        let text = std::str::from_utf8(&body).map_err(|_| "body: not UTF-8".to_string())?;
        anju_shared::eval::eval_str(text).map_err(|e| e.to_string())
    })
    .await;
    match answer {
        Ok(Ok(out)) => ([(header::CONTENT_TYPE, "application/json")], out).into_response(),
        Ok(Err(e)) => (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": e }))).into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({ "error": "internal error" })),
        )
            .into_response(),
    }
}
