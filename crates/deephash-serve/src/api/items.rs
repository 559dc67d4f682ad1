use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::ApiError;
use crate::code_text::format_hex;
use crate::state::AppState;
use crate::{DecodeError, Item};

/// Answer of `GET /items/{id}`.
#[derive(Debug, Serialize)]
pub struct ItemResponse {
    /// Item id (row in the code database).
    pub id: usize,
    /// Image path.
    pub path: String,
    /// Label, if known.
    pub label: Option<String>,
    /// Code in hexadecimal.
    pub code: String,
    /// URL of the thumbnail.
    pub thumbnail: String,
}

fn parse_id(state: &AppState, text: &str) -> Result<usize, ApiError> {
    let id = text.parse::<usize>().map_err(|_| {
        ApiError::bad_request("bad_id", format!("item id {text:?} is not a whole number"))
    })?;
    if id < state.catalog.len() {
        Ok(id)
    } else {
        Err(ApiError::not_found(format!(
            "no item {id}: ids run from 0 to {}",
            state.catalog.len() - 1
        )))
    }
}

/// `GET /items/{id}`: path, label and code of one item.
pub async fn item(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<ItemResponse>, ApiError> {
    let id = parse_id(&state, &id)?;
    let item = state
        .catalog
        .item(id)
        .ok_or_else(|| ApiError::not_found(format!("no item {id}")))?;
    Ok(Json(ItemResponse {
        id,
        path: item.path.display().to_string(),
        label: item.label.clone(),
        code: state.catalog.code(id).map(format_hex).unwrap_or_default(),
        thumbnail: format!("/items/{id}/thumbnail"),
    }))
}

/// `GET /items/{id}/thumbnail`: a JPEG thumbnail of the item's image, made on
/// first use and cached.
pub async fn thumbnail(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&state, &id)?;
    let task_state = state.clone();
    let made = state
        .compute
        .run(move || {
            let item = task_state.catalog.item(id).cloned();
            let item = item.unwrap_or_else(|| Item::file("", None));
            task_state.thumbnails.get_or_make(id, &item)
        })
        .await
        .map_err(|e| ApiError::internal(format!("thumbnail task failed: {e}")))?;
    let jpeg = made.map_err(|err| thumbnail_error(id, err))?;
    let headers = [
        (header::CONTENT_TYPE, "image/jpeg"),
        (header::CACHE_CONTROL, "public, max-age=3600"),
    ];
    Ok((headers, jpeg.as_ref().clone()).into_response())
}

fn thumbnail_error(id: usize, err: DecodeError) -> ApiError {
    match &err {
        DecodeError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            ApiError::not_found(format!("image of item {id} is missing: {err}"))
        }
        _ => {
            tracing::warn!("thumbnail of item {id}: {err}");
            ApiError::internal(format!("cannot make the thumbnail of item {id}: {err}"))
        }
    }
}
