//! The request-target length limit (414 URI Too Long).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::error::ApiError;
use crate::state::AppState;

/// Answers 414 to a request whose path and query exceed `max_uri_bytes`.
pub(crate) async fn limit_uri(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let length = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    let max = state.limits.max_uri_bytes;
    if length > max {
        let message = format!("the request target has {length} bytes, more than {max}");
        return ApiError::new(StatusCode::URI_TOO_LONG, "uri_too_long", message).into_response();
    }
    next.run(request).await
}
