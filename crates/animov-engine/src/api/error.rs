//! One error type for every handler, mapped once to `{error: {code, message, field?}}`.

use animov_api::{ErrorBody, ErrorDetail};
use animov_store::StoreError;
use axum::{
    Json,
    extract::rejection::{JsonRejection, QueryRejection},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: &'static str,
    /// Message for a person.
    pub message: String,
    /// Offending field.
    pub field: Option<String>,
    /// Seconds to wait (429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    /// Names the field to blame.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 400 for a bad query parameter.
    pub fn bad_param(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_parameter", message).field(field)
    }

    /// 401.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 500 that hides the cause (logged instead).
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred; the engine log has the details",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::UsernameTaken => {
                Self::new(StatusCode::CONFLICT, "username_taken", e.to_string())
            }
            StoreError::SourceTaken => {
                Self::new(StatusCode::CONFLICT, "source_taken", e.to_string())
            }
            StoreError::NotFound(what) => Self::not_found(format!("{what} not found")),
            StoreError::Conflict(why) => Self::new(StatusCode::CONFLICT, "conflict", why),
            e if is_unavailable(&e) => {
                tracing::error!(error = %e, "database unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the database is not reachable right now; nothing was written. Try again shortly",
                )
            }
            e => Self::internal(&e),
        }
    }
}

fn is_unavailable(e: &StoreError) -> bool {
    match e {
        StoreError::Connect { .. } => true,
        StoreError::Db(d) => {
            let s = d.to_string();
            s.contains("pool timed out") || s.contains("Connection refused") || s.contains("closed")
        }
        _ => false,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                field: self.field,
            },
        };
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// Pulls `frames[0].lying` out of serde_path_to_error's message.
fn field_of(msg: &str) -> Option<String> {
    let rest = msg
        .split_once("target type: ")
        .map(|(_, r)| r)
        .unwrap_or(msg);
    let (path, _) = rest.split_once(": ")?;
    (!path.contains(' ') && path != ".").then(|| path.to_string())
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let text = r.body_text();
        match r {
            JsonRejection::JsonDataError(_) => {
                let mut e = Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_field",
                    format!(
                        "the JSON body does not have the expected shape: {}",
                        text.trim_start_matches(
                            "Failed to deserialize the JSON body into the target type: "
                        )
                    ),
                );
                e.field = field_of(&text);
                e
            }
            JsonRejection::JsonSyntaxError(_) => Self::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!(
                    "the body is not valid JSON: {}",
                    text.trim_start_matches("Failed to parse the request body as JSON: ")
                ),
            ),
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with the header `Content-Type: application/json`",
            ),
            other => {
                let status = other.status();
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    Self::new(
                        status,
                        "body_too_large",
                        "the request body is too large: send fewer frames per request",
                    )
                } else {
                    Self::new(status, "bad_body", text)
                }
            }
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_parameter", r.body_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_field_in_serde_messages() {
        let m = "Failed to deserialize the JSON body into the target type: frames[0].lying: invalid value: integer `-1`, expected u32 at line 1 column 60";
        assert_eq!(field_of(m).as_deref(), Some("frames[0].lying"));
        assert_eq!(
            field_of(
                "Failed to deserialize the JSON body into the target type: missing field `source` at line 1 column 2"
            ),
            None
        );
    }
}
