//! Calls to the server's JSON API: one place that adds the CSRF header and turns failures into
//! something a page can show.

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// What a failure to read or write JSON is reported as.
const UNREADABLE: &str = "unreadable JSON";

/// The header the server requires on every state-changing request (see server `web.rs`).
const CSRF_HEADER: &str = "x-anju-csrf";

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiFailure {
    /// The server answered with an error status and (usually) a JSON body.
    Status(u16, ErrorBody),
    /// No answer: offline, or the server is down.
    Network(String),
}

/// What the server says when it refuses (server `error.rs`): a message naming the field, and
/// for the report form every field's problem. Typed rather than a `serde_json::Value`, so the
/// resident form's wasm carries no generic JSON tree.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub(crate) error: String,
    #[serde(default)]
    pub(crate) errors: Vec<anju_shared::report::FieldError>,
    /// The message of `error` in Chinese, where the route gives one (the admin's).
    #[serde(default)]
    pub(crate) message_zh: Option<String>,
}

/// The answer to a photo upload: the name the server stored it under.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct StoredPhoto {
    pub(crate) hash: String,
}

/// One request through the browser's `fetch`: the method, the body (JSON text or a file)
/// and, on anything but a GET, the CSRF header. `fetch` itself rather than a wrapper crate:
/// the resident's wasm then carries no HTTP library of its own.
async fn fetch(
    method: &str,
    url: &str,
    body: Option<JsValue>,
    json: bool,
) -> Result<(u16, String), ApiFailure> {
    fetch_with(method, url, body, json, None).await
}

/// `fetch` with one more header.
async fn fetch_with(
    method: &str,
    url: &str,
    body: Option<JsValue>,
    json: bool,
    extra: Option<(&str, &str)>,
) -> Result<(u16, String), ApiFailure> {
    let network =
        |e: JsValue| ApiFailure::Network(e.as_string().unwrap_or_else(|| format!("{e:?}")));
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(network)?;
    if method != "GET" {
        headers.append(CSRF_HEADER, "1").map_err(network)?;
    }
    if json {
        headers
            .append("content-type", "application/json")
            .map_err(network)?;
    }
    if let Some((name, value)) = extra {
        headers.append(name, value).map_err(network)?;
    }
    init.set_headers(&headers);
    if let Some(body) = &body {
        init.set_body(body);
    }
    let window = web_sys::window().ok_or_else(|| ApiFailure::Network("no window".into()))?;
    let answer = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(network)?;
    let response: web_sys::Response = answer.dyn_into().map_err(network)?;
    let text = JsFuture::from(response.text().map_err(network)?)
        .await
        .map_err(network)?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), text))
}

/// The answer's body as `T` when the status is a success, else the server's error body.
fn read<T: DeserializeOwned>((status, text): (u16, String)) -> Result<T, ApiFailure> {
    if (200..300).contains(&status) {
        // Not the parser's own message: formatting it would ship serde_json's and std's error
        // texts in the resident's wasm, and no one but a developer could act on it.
        serde_json::from_str(&text).map_err(|_| ApiFailure::Network(UNREADABLE.into()))
    } else {
        // A refusal that is not ours (a proxy's 502, the body limit's 413) still says
        // something: its status.
        let mut body: ErrorBody = serde_json::from_str(&text).unwrap_or_default();
        if body.error.is_empty() {
            body.error = format!("HTTP {status}");
        }
        Err(ApiFailure::Status(status, body))
    }
}

#[cfg(feature = "staff")]
/// The body of a successful GET as text, for callers that keep it as is (the device caches
/// some answers for offline use without re-serialising them).
pub(crate) async fn get_text(url: &str) -> Result<String, ApiFailure> {
    let (status, text) = fetch("GET", url, None, false).await?;
    if (200..300).contains(&status) {
        Ok(text)
    } else {
        read((status, text))
    }
}

#[cfg(feature = "staff")]
/// The body of a successful POST as text, kept as is (the admin's export of a resident's data
/// is offered for download exactly as the server gave it).
pub(crate) async fn post_text<B: Serialize>(url: &str, body: &B) -> Result<String, ApiFailure> {
    let text = serde_json::to_string(body).map_err(|_| ApiFailure::Network(UNREADABLE.into()))?;
    let (status, text) = fetch("POST", url, Some(JsValue::from_str(&text)), true).await?;
    if (200..300).contains(&status) {
        Ok(text)
    } else {
        read((status, text))
    }
}

pub(crate) async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiFailure> {
    read(fetch("GET", url, None, false).await?)
}

pub(crate) async fn post<B: Serialize, T: DeserializeOwned>(
    url: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    send("POST", url, body).await
}

#[cfg(feature = "staff")]
/// A POST with one more header (the sync's device clock).
pub(crate) async fn post_timed<B: Serialize, T: DeserializeOwned>(
    url: &str,
    body: &B,
    header: &str,
    value: &str,
) -> Result<T, ApiFailure> {
    let text = serde_json::to_string(body).map_err(|_| ApiFailure::Network(UNREADABLE.into()))?;
    read(
        fetch_with(
            "POST",
            url,
            Some(JsValue::from_str(&text)),
            true,
            Some((header, value)),
        )
        .await?,
    )
}

#[cfg(feature = "staff")]
pub(crate) async fn put<B: Serialize, T: DeserializeOwned>(
    url: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    send("PUT", url, body).await
}

#[cfg(feature = "staff")]
pub(crate) async fn patch<B: Serialize, T: DeserializeOwned>(
    url: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    send("PATCH", url, body).await
}

#[cfg(feature = "staff")]
pub(crate) async fn delete<T: DeserializeOwned>(url: &str) -> Result<T, ApiFailure> {
    send("DELETE", url, &serde_json::Value::Null).await
}

async fn send<B: Serialize, T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    let text = serde_json::to_string(body).map_err(|_| ApiFailure::Network(UNREADABLE.into()))?;
    read(fetch(method, url, Some(JsValue::from_str(&text)), true).await?)
}

/// Sends a file as the request body (a resident's photo), with the CSRF header; the server
/// decides what it is from the bytes, not from the name or type the browser gives. (Staff
/// photos go through the tablet's queue, `sync/photos.rs`, as bytes.)
#[cfg(not(feature = "staff"))]
pub(crate) async fn upload<T: DeserializeOwned>(
    url: &str,
    file: web_sys::File,
) -> Result<T, ApiFailure> {
    read(fetch("POST", url, Some(file.into()), false).await?)
}

/// Sends bytes made on the device (a signature drawn on the tablet) as an upload.
#[cfg(feature = "staff")]
pub(crate) async fn upload_bytes<T: DeserializeOwned>(
    url: &str,
    body: JsValue,
) -> Result<T, ApiFailure> {
    read(fetch("POST", url, Some(body), false).await?)
}

#[cfg(feature = "staff")]
/// The logged-in staff member as `GET /api/me` answers; also kept on the device, so an
/// offline reload knows who is working.
pub(crate) use anju_shared::wire::Me;

#[cfg(feature = "staff")]
pub(crate) use anju_shared::wire::Colleague;

#[cfg(feature = "staff")]
/// A household as `GET /api/estates/{id}/households` lists it: no personal data.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct Household {
    pub(crate) id: String,
    pub(crate) unit_id: String,
    pub(crate) floor: i64,
    pub(crate) room: String,
    #[serde(default)]
    pub(crate) important: bool,
    /// A new resident's move-in day (V-2), when the server knows it.
    #[serde(default)]
    pub(crate) moved_in: Option<String>,
}
