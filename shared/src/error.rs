//! The one error type of the crate's loaders: a message that names the offending field,
//! so bad input stops at the edge with a line a person can act on.

/// An input rejected at one field, shown as one line: `orders[3].reported_at: not an
/// RFC 3339 time`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The path of the field, in JSON terms (`orders[3].reported_at`, `policy`).
    pub field: String,
    /// What is wrong with it; never contains a newline.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        // The message is shown as one line on stderr and in HTTP 400 bodies.
        let message = message.into().replace(['\n', '\r'], " ");
        FieldError {
            field: field.into(),
            message,
        }
    }

    /// Places the error inside an enclosing document: `dispatch.minutes` inside
    /// `policy` becomes `policy.dispatch.minutes`.
    pub fn within(mut self, prefix: &str) -> Self {
        if prefix.is_empty() {
            return self;
        }
        self.field = if self.field.is_empty() {
            prefix.to_string()
        } else if self.field.starts_with('[') {
            format!("{prefix}{}", self.field)
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}
