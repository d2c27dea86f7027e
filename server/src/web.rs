//! The HTTP surface as a whole: the API under `/api`, the built app with SPA fallback, and the
//! layers every response passes through (compression, security headers, body limits, CSRF).

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;
use crate::routes;

/// The header a state-changing API request must carry. Browsers send custom headers across
/// origins only after a CORS preflight, which we never grant, so its presence proves the
/// request came from our own pages.
pub const CSRF_HEADER: &str = "x-anju-csrf";
/// API bodies are JSON; a full sync push (1,000 events) fits. Applied in `routes::router` to
/// every route but the photo uploads, which take `photos::MAX_BYTES`.
pub const API_BODY_LIMIT: usize = 2 * 1024 * 1024;

const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
    img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'; form-action 'self'";

/// Sent only when `ANJU_HSTS` says so: TLS ends at a proxy the server cannot see, and a
/// browser that saw this header refuses the host without TLS for a year.
const HSTS: &str = "max-age=31536000; includeSubDomains";

pub fn app(state: AppState) -> Router {
    let dist = state.config.dist.clone();
    let hsts = state.config.hsts;
    let index = dist.join("index.html");
    // `fallback`, not `not_found_service`: app routes such as `/desk` answer 200 with the app.
    let spa = ServeDir::new(&dist).fallback(ServeFile::new(index));
    // The resident's pages (the form and the tracking page) are a page of their own, with a
    // smaller wasm module than the staff app's.
    let report = ServeFile::new(dist.join("report.html"));
    let api = routes::router()
        .layer(middleware::from_fn(csrf_guard))
        .layer(middleware::map_response(json_refusal));
    let router = Router::new()
        .nest("/api", api)
        .nest_service("/r", report.clone())
        .nest_service("/t", report)
        .fallback_service(spa)
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ));
    if hsts {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        ))
    } else {
        router
    }
}

/// Refuses a state-changing API request without the CSRF header. `/api/eval` changes nothing
/// and is a public tool, so it is exempt.
async fn csrf_guard(req: Request, next: Next) -> Response {
    let changes_state = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let exempt = req.uri().path() == "/eval";
    if changes_state && !exempt && !req.headers().contains_key(CSRF_HEADER) {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(json!({ "error": format!("{CSRF_HEADER}: header missing") })),
        )
            .into_response();
    }
    next.run(req).await
}

/// Every refusal of the API is its JSON error shape, including those written by layers and
/// extractors below the handlers (a body over the limit answers 413 in plain text there).
async fn json_refusal(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "body: too large (at most {API_BODY_LIMIT} bytes of JSON, {} bytes a photo)",
            crate::photos::MAX_BYTES
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "body: expected application/json".to_string(),
        _ => status
            .canonical_reason()
            .unwrap_or("refused")
            .to_lowercase(),
    };
    let mut body = json!({ "error": error });
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        body["field"] = json!("body");
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, axum::body::Body::from(body.to_string()))
}
