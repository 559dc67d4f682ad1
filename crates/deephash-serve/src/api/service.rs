use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;

use super::error::ApiError;
use crate::state::AppState;

/// Answer of `GET /health`.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `"ok"` while the service answers.
    pub status: &'static str,
    /// Items in the database.
    pub items: usize,
    /// Code length in bits.
    pub bits: usize,
    /// `k` used when a query names none.
    pub default_k: usize,
    /// Largest `k` a query may ask for.
    pub max_k: usize,
    /// Largest request body in bytes.
    pub max_upload_bytes: usize,
    /// Images being encoded or waiting.
    pub inference_in_flight: usize,
    /// Whether every other route needs `Authorization: Bearer <token>`.
    pub token_required: bool,
}

/// `GET /health`: liveness and the facts a client needs (sizes, limits).
pub async fn health(State(state): State<Arc<AppState>>) -> Json<Health> {
    Json(Health {
        status: "ok",
        items: state.catalog.len(),
        bits: state.catalog.bits(),
        default_k: state.limits.default_k.min(state.max_k()),
        max_k: state.max_k(),
        max_upload_bytes: state.limits.max_upload_bytes,
        inference_in_flight: state.queue.in_flight(),
        token_required: state.access.token.is_some(),
    })
}

/// `GET /metrics`: Prometheus metrics in the OpenMetrics text format.
pub async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    (
        [(header::CONTENT_TYPE, content_type)],
        state.metrics.encode(),
    )
}

/// Any path without a route: a JSON 404.
pub async fn fallback() -> ApiError {
    ApiError::not_found("no such route: see /openapi.json")
}
