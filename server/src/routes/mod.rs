//! The JSON API: each module owns its router; this merges them under `/api`.

pub mod admin;
pub mod billing;
pub mod desk;
pub mod estates;
pub mod eval;
pub mod health;
pub mod households;
pub mod kpi;
pub mod orders;
pub mod patrols;
pub mod photos;
pub mod plans;
pub mod prices;
pub mod public;
pub mod rating;
pub mod reports;
pub mod residents;
pub mod rules;
pub mod session;
pub mod special;
pub mod sync;
pub mod webhooks;

use axum::Router;
use serde::de::DeserializeOwned;
use tower_http::limit::RequestBodyLimitLayer;

use crate::AppState;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(eval::router())
        .merge(public::router())
        .merge(session::router())
        .merge(desk::router())
        .merge(admin::router())
        .merge(webhooks::router())
        .merge(residents::router())
        .merge(estates::router())
        .merge(households::router())
        .merge(kpi::router())
        .merge(reports::router())
        .merge(plans::router())
        .merge(prices::router())
        .merge(billing::router())
        .merge(rules::router())
        .merge(orders::router())
        .merge(special::router())
        .merge(patrols::router())
        .merge(rating::router())
        .merge(sync::router())
        // Only the routes merged so far get the JSON limit; photos bring their own, larger one
        // (a layer cannot raise a limit set outside it, so the two never nest).
        .layer(RequestBodyLimitLayer::new(crate::web::API_BODY_LIMIT))
        .merge(photos::router())
        .fallback(|| async { ApiError::NotFound("endpoint") })
}

/// A workbook as a download, once the export is written to the audit log (`export`, what was
/// exported as its subject): every XLSX the API gives goes out this way.
pub async fn audited_xlsx(
    state: &AppState,
    actor: &str,
    ip: &str,
    subject: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    state
        .db
        .audit(
            actor,
            ip,
            "export",
            subject,
            &format!("{} bytes", bytes.len()),
        )
        .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Parses a JSON body, turning serde's complaint into an error that names the field, so a
/// client learns what to fix (axum's own `Json` rejection answers in plain text).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        let text = e.to_string();
        // serde_json names missing and unknown fields between backticks.
        let field = text
            .split('`')
            .nth(1)
            .filter(|_| text.contains("field"))
            .unwrap_or("body")
            .to_string();
        let message = text.split(" at line").next().unwrap_or(&text).to_string();
        ApiError::BadField { field, message }
    })
}
