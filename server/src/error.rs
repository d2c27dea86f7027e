//! The API's one error type: every refusal is JSON that names the field or the reason; the
//! cause of a 500 goes to the log, never to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use anju_shared::lang::Lang;
use anju_shared::report::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad input in named fields (the report form): messages in both languages.
    #[error("invalid input")]
    Fields(Vec<FieldError>),
    /// Bad input in one field of another request, e.g. `orders[3].reported_at: …`.
    #[error("{field}: {message}")]
    BadField { field: String, message: String },
    /// Like `BadField`, with the message in Chinese too (`message_zh`), for forms that show the
    /// server's own words in the user's language rather than keep a copy of every message.
    #[error("{field}: {message}")]
    BadFieldZh {
        field: String,
        message: String,
        message_zh: String,
    },
    /// A body of a type the endpoint does not take (an upload that is not an image), 415.
    #[error("{field}: {message}")]
    UnsupportedMedia { field: String, message: String },
    #[error("not logged in")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("wrong username or password")]
    BadLogin,
    /// The right password of a disabled account.
    #[error("account disabled; ask an administrator")]
    Disabled,
    #[error("too many requests; try again in {retry_after_s} s")]
    TooManyRequests { retry_after_s: i64 },
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Fields(_) | ApiError::BadField { .. } | ApiError::BadFieldZh { .. } => {
                StatusCode::BAD_REQUEST
            }
            ApiError::UnsupportedMedia { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unauthenticated | ApiError::BadLogin => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::Disabled => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Database(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A refusal of a `shared` check (`anju_shared::arrival::Refusal`), answered 400 with the
/// field named in both languages: the one conversion every route uses, so the Chinese message
/// always names the field as the app's own check of the same rule does.
impl From<anju_shared::arrival::Refusal> for ApiError {
    fn from(r: anju_shared::arrival::Refusal) -> Self {
        ApiError::BadFieldZh {
            message_zh: r.message(Lang::Zh),
            field: r.field,
            message: r.en,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body = match &self {
            ApiError::Fields(errors) => {
                let first = errors.first();
                json!({
                    "error": first.map(|e| format!("{}: {}", e.field.key(), e.message(Lang::En))),
                    "field": first.map(|e| e.field.key()),
                    "errors": errors.iter().map(|e| {
                        // The error itself ({field, problem, max?}) plus its messages, so a
                        // client can show its own wording or ours.
                        let mut v = serde_json::to_value(e).unwrap_or_default();
                        v["message"] = json!(e.message(Lang::En));
                        v["message_zh"] = json!(e.message(Lang::Zh));
                        v
                    }).collect::<Vec<_>>(),
                })
            }
            ApiError::BadField { field, message }
            | ApiError::UnsupportedMedia { field, message } => {
                json!({ "error": format!("{field}: {message}"), "field": field })
            }
            ApiError::BadFieldZh {
                field,
                message,
                message_zh,
            } => json!({
                "error": format!("{field}: {message}"),
                "field": field,
                "message_zh": message_zh,
            }),
            ApiError::Database(cause) => {
                tracing::error!(error = %cause, "database error");
                json!({ "error": "internal error" })
            }
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause, "internal error");
                json!({ "error": "internal error" })
            }
            ApiError::Disabled => json!({
                "error": self.to_string(),
                "field": "username",
                "message_zh": "账号已停用,请联系管理员",
            }),
            ApiError::BadLogin => json!({
                "error": self.to_string(),
                "message_zh": "用户名或密码错误",
            }),
            other => json!({ "error": other.to_string() }),
        };
        let mut response = (status, Json(body)).into_response();
        if let ApiError::TooManyRequests { retry_after_s } = self
            && let Ok(v) = axum::http::HeaderValue::from_str(&retry_after_s.max(1).to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        response
    }
}
