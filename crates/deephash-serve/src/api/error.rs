use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::inference::InferenceError;
use crate::{DecodeError, EncodeError};

/// An error answered to the client as JSON: `{"error": code, "message": text}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// A stable machine-readable code (`bad_k`, `unsupported_media_type`, ...).
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
}

impl ApiError {
    /// An error with the given status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 Not Found.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// A failure to read the request body (too large, malformed form or JSON),
    /// keeping the status axum chose but answering in JSON.
    pub fn body(status: StatusCode, text: String) -> Self {
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            _ => "bad_body",
        };
        let status = if status.is_server_error() {
            StatusCode::BAD_REQUEST
        } else {
            status
        };
        Self::new(status, code, text)
    }

    /// 500 Internal Server Error.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: self.code,
            message: &self.message,
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<DecodeError> for ApiError {
    fn from(err: DecodeError) -> Self {
        let status = match err {
            DecodeError::Empty => StatusCode::BAD_REQUEST,
            DecodeError::UnknownFormat => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            DecodeError::TooManyPixels { .. } | DecodeError::OverLimit(_) => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            DecodeError::Corrupt(_) => StatusCode::UNPROCESSABLE_ENTITY,
            DecodeError::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let code = match err {
            DecodeError::Empty => "empty_body",
            DecodeError::UnknownFormat => "unsupported_image_format",
            DecodeError::TooManyPixels { .. } | DecodeError::OverLimit(_) => "image_too_large",
            DecodeError::Corrupt(_) => "corrupt_image",
            DecodeError::Io { .. } => "image_unreadable",
        };
        Self::new(status, code, err.to_string())
    }
}

impl From<InferenceError> for ApiError {
    fn from(err: InferenceError) -> Self {
        match err {
            InferenceError::QueueFull { .. } => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", err.to_string())
            }
            InferenceError::Encode(EncodeError::Decode(decode)) => decode.into(),
            InferenceError::Encode(EncodeError::Model(_)) | InferenceError::Task(_) => {
                tracing::error!("inference failed: {err}");
                Self::internal(err.to_string())
            }
        }
    }
}
