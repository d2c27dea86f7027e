//! Photos of orders: uploads by staff of an estate and by residents on the public form (raw
//! image bytes, at most 10 MiB, cleaned by `crate::photos::clean` before anything is stored),
//! and the stored photo for staff of its estate.

use std::sync::LazyLock;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tokio::sync::Semaphore;
use tower_http::limit::RequestBodyLimitLayer;

use crate::AppState;
use crate::auth::Staff;
use crate::error::ApiError;
use crate::photos::{self, CleanPhoto, MAX_BYTES, PhotoError};
use crate::security::{ClientIp, Limit, REPORT_WINDOW_MS, refuse, require_estate, throttle};

/// The upload routes, with their own body limit. The caller (`routes::router`) merges them
/// after the JSON routes got the 2 MiB limit, so that limit does not apply here.
pub fn router() -> Router<AppState> {
    let uploads = Router::new()
        .route("/estates/{estate_id}/photos", post(upload_by_staff))
        .route("/public/estates/{slug}/photos", post(upload_by_resident))
        // Both: tower-http's refuses by Content-Length before the body is read (and caps a
        // chunked one); axum's own default (2 MB) would otherwise cap the `Bytes` extractor.
        .layer(RequestBodyLimitLayer::new(MAX_BYTES))
        .layer(DefaultBodyLimit::max(MAX_BYTES));
    Router::new()
        .route("/photos/{hash}", get(show))
        .merge(uploads)
}

/// Decoding holds up to `photos::MAX_ALLOC` and a core: at most two at once per instance, so a
/// burst of uploads queues instead of exhausting memory or starving the other requests.
static DECODING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(2));

#[derive(Debug, Serialize)]
struct Stored {
    /// The name of the stored (cleaned) copy.
    hash: String,
    /// The SHA-256 of the bytes as sent, which names the same photo.
    original: String,
    mime: &'static str,
    width: u32,
    height: u32,
}

async fn clean(body: Bytes) -> Result<CleanPhoto, ApiError> {
    let _permit = DECODING
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let cleaned = tokio::task::spawn_blocking(move || photos::clean(&body))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    cleaned.map_err(|e| {
        let message = e.to_string();
        let field = "photo".to_string();
        match e {
            PhotoError::Unsupported => ApiError::UnsupportedMedia { field, message },
            PhotoError::TooLarge | PhotoError::Corrupt(_) => ApiError::BadField { field, message },
        }
    })
}

/// Stores a cleaned photo for an estate; the same photo again is the same row. `original`
/// is the hash of the bytes as sent: a tablet names a photo by it before uploading, so the
/// server answers to that name as well.
async fn store(
    state: &AppState,
    estate_id: &str,
    uploaded_by: &str,
    original: String,
    photo: CleanPhoto,
) -> Result<(StatusCode, Json<Stored>), ApiError> {
    state
        .db
        .store_photo(
            estate_id,
            uploaded_by,
            &original,
            &photo,
            chrono::Utc::now().timestamp_millis(),
        )
        .await?;
    // Who uploaded stays out of the log: the estate, the name and the size are enough.
    tracing::info!(
        estate = %estate_id,
        hash = %photo.hash,
        mime = photo.mime,
        width = photo.width,
        height = photo.height,
        "photo stored"
    );
    Ok((
        StatusCode::CREATED,
        Json(Stored {
            hash: photo.hash,
            original,
            mime: photo.mime,
            width: photo.width,
            height: photo.height,
        }),
    ))
}

async fn upload_by_staff(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path(estate_id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Stored>), ApiError> {
    require_estate(&state, &staff, &ip, &estate_id, "estate photos").await?;
    let original = photos::content_hash(&body);
    let photo = clean(body).await?;
    store(&state, &estate_id, &staff.id, original, photo).await
}

async fn upload_by_resident(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Stored>), ApiError> {
    // No login: a per-address limit of its own (as many photos as the form takes reports)
    // keeps one client from filling the database or keeping the decoders busy.
    let limit = Limit {
        max: state.config.report_limit,
        window_ms: REPORT_WINDOW_MS,
    };
    throttle(&state, &format!("photo:ip:{ip}"), limit).await?;
    let estate = state
        .db
        .estate_by_slug(&slug)
        .await?
        .ok_or(ApiError::NotFound("estate"))?;
    let original = photos::content_hash(&body);
    let photo = clean(body).await?;
    store(&state, &estate.id, "resident", original, photo).await
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path(hash): Path<String>,
    request_headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !photos::is_hash(&hash) {
        return Err(ApiError::BadField {
            field: "hash".into(),
            message: "not a photo's name (64 lowercase hex digits)".into(),
        });
    }
    let homes = state.db.photo_homes(&hash).await?;
    let Some((estate_id, stored)) = homes.iter().find(|(e, _)| staff.may_see_estate(e)) else {
        if !homes.is_empty() {
            // Audited like every refusal, but answered as if absent: whether another estate
            // holds this picture is none of the asker's business.
            if let ApiError::Database(e) =
                refuse(&state, &staff.id, &ip, &format!("photo {hash}")).await
            {
                return Err(ApiError::Database(e));
            }
        }
        return Err(ApiError::NotFound("photo"));
    };
    // The name is the content, so the browser's copy is current whenever it is still allowed
    // to see it: answered without the bytes, after the same checks as a first download.
    let etag = format!("\"{hash}\"");
    if request_headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        set_caching(response.headers_mut(), &etag)?;
        return Ok(response);
    }
    let (mime, bytes) = state
        .db
        .photo_bytes(estate_id, stored)
        .await?
        .ok_or(ApiError::NotFound("photo"))?;
    let disposition = format!("inline; filename=\"{hash}.{}\"", photos::extension(&mime));
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    // The stored type is one of the two `clean` writes; anything else would be a bug, so the
    // fallback is the inert octet-stream rather than what the row says.
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&mime)
            .ok()
            .filter(|_| mime == "image/jpeg" || mime == "image/png")
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| ApiError::Internal(e.into()))?,
    );
    set_caching(headers, &etag)?;
    Ok(response)
}

/// Only the browser's own cache (a photo is personal data behind a login), and asked again
/// before every use: an erased photo (PIPL) or an estate taken from the user is gone from
/// their screens at once, while an unchanged one costs a `304` without its bytes.
fn set_caching(headers: &mut HeaderMap, etag: &str) -> Result<(), ApiError> {
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(etag).map_err(|e| ApiError::Internal(e.into()))?,
    );
    Ok(())
}
