//! Calls to the server's JSON API: one place that adds the CSRF header and turns failures into
//! something a page can show.

use gloo_net::http::{Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The header the server requires on every state-changing request (see server `web.rs`).
const CSRF_HEADER: &str = "x-anju-csrf";

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiFailure {
    /// The server answered with an error status and (usually) a JSON body.
    Status(u16, serde_json::Value),
    /// No answer: offline, or the server is down.
    Network(String),
}

async fn read<T: DeserializeOwned>(resp: Response) -> Result<T, ApiFailure> {
    if resp.ok() {
        resp.json::<T>()
            .await
            .map_err(|e| ApiFailure::Network(e.to_string()))
    } else {
        let status = resp.status();
        let body = resp.json::<serde_json::Value>().await.unwrap_or_default();
        Err(ApiFailure::Status(status, body))
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
    let resp = Request::post(url)
        .header(CSRF_HEADER, "1")
        .json(body)
        .map_err(|e| ApiFailure::Network(e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiFailure::Network(e.to_string()))?;
    read(resp).await
}
