//! Calls to the server's JSON API: one place that adds the CSRF header and turns failures into
//! something a page can show.

#[cfg(feature = "staff")]
use anju_shared::{model::Role, order::EventBody};
use gloo_net::http::{Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

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
}

/// The answer to a photo upload: the name the server stored it under.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct StoredPhoto {
    pub(crate) hash: String,
}

async fn read<T: DeserializeOwned>(resp: Response) -> Result<T, ApiFailure> {
    if resp.ok() {
        resp.json::<T>()
            .await
            .map_err(|e| ApiFailure::Network(e.to_string()))
    } else {
        let status = resp.status();
        let body = resp.json::<ErrorBody>().await.unwrap_or_default();
        Err(ApiFailure::Status(status, body))
    }
}

#[cfg(feature = "staff")]
/// The body of a successful GET as text, for callers that keep it as is (the device caches
/// some answers for offline use without re-serialising them).
pub(crate) async fn get_text(url: &str) -> Result<String, ApiFailure> {
    let resp = Request::get(url)
        .send()
        .await
        .map_err(|e| ApiFailure::Network(e.to_string()))?;
    if resp.ok() {
        resp.text()
            .await
            .map_err(|e| ApiFailure::Network(e.to_string()))
    } else {
        read(resp).await
    }
}

pub(crate) async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiFailure> {
    let resp = Request::get(url)
        .send()
        .await
        .map_err(|e| ApiFailure::Network(e.to_string()))?;
    read(resp).await
}

pub(crate) async fn post<B: Serialize, T: DeserializeOwned>(
    url: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    send(Request::post(url), body).await
}

#[cfg(feature = "staff")]
pub(crate) async fn put<B: Serialize, T: DeserializeOwned>(
    url: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    send(Request::put(url), body).await
}

async fn send<B: Serialize, T: DeserializeOwned>(
    request: gloo_net::http::RequestBuilder,
    body: &B,
) -> Result<T, ApiFailure> {
    let resp = request
        .header(CSRF_HEADER, "1")
        .json(body)
        .map_err(|e| ApiFailure::Network(e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiFailure::Network(e.to_string()))?;
    read(resp).await
}

/// Sends a file as the request body (a photo), with the CSRF header; the server decides what
/// it is from the bytes, not from the name or type the browser gives.
pub(crate) async fn upload<T: DeserializeOwned>(
    url: &str,
    file: web_sys::File,
) -> Result<T, ApiFailure> {
    let resp = Request::post(url)
        .header(CSRF_HEADER, "1")
        .body(file)
        .map_err(|e| ApiFailure::Network(e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiFailure::Network(e.to_string()))?;
    read(resp).await
}

#[cfg(feature = "staff")]
/// The logged-in staff member as `GET /api/me` answers; also kept on the device, so an
/// offline reload knows who is working.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct Me {
    /// The staff id: the `actor` of the events this user records.
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) role: String,
    #[serde(default)]
    pub(crate) estates: Vec<anju_shared::site::EstateInfo>,
}

#[cfg(feature = "staff")]
impl Me {
    /// Whether the server takes this event from this user: the rule lives in `shared`, so a
    /// button is offered exactly when the server would accept what it records.
    pub(crate) fn may(&self, body: &EventBody) -> bool {
        Role::parse(&self.role).is_some_and(|r| body.may_be_recorded_by(r))
    }
}

#[cfg(feature = "staff")]
/// A colleague as `GET /api/estates/{id}/staff` lists them: who an order can be given to.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct Colleague {
    pub(crate) id: String,
    pub(crate) display_name: String,
    pub(crate) role: String,
}

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
}
