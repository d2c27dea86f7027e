//! `POST /api/eval`: the rule engine's JSON contract over HTTP (the same as `anju eval`), for the
//! what-if evaluator. It changes nothing, so it needs no login.

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/eval", post(eval))
}

async fn eval(body: Bytes) -> Response {
    let Ok(text) = std::str::from_utf8(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": "body: not UTF-8" })),
        )
            .into_response();
    };
    match anju_shared::eval::eval_str(text) {
        Ok(out) => ([(header::CONTENT_TYPE, "application/json")], out).into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}
