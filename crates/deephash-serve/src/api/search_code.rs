use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{RawQuery, State};
use serde::Deserialize;

use super::error::ApiError;
use super::query::{SearchResponse, answer, check_k, k_from_query};
use crate::code_text::parse_code;
use crate::state::AppState;

/// Body of `POST /search/code`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeQuery {
    /// The code as hexadecimal (`bits / 4` digits) or bits (`bits` characters 0/1).
    pub code: String,
    /// Number of results; the `k` query parameter or the default when absent.
    pub k: Option<usize>,
}

/// `POST /search/code`: the k nearest items to a code given as text.
pub async fn search_code(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Result<Json<CodeQuery>, JsonRejection>,
) -> Result<Json<SearchResponse>, ApiError> {
    let Json(body) = body.map_err(|r| ApiError::body(r.status(), r.body_text()))?;
    let k = match body.k {
        Some(k) => check_k(&state, k)?,
        None => k_from_query(&state, query.as_deref())?,
    };
    let code = parse_code(&body.code, state.catalog.bits())
        .map_err(|e| ApiError::bad_request("bad_code", e.to_string()))?;
    Ok(Json(answer(state.clone(), code, k).await?))
}
