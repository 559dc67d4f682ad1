use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, RawQuery, Request, State};
use axum::http::{StatusCode, header};

use super::error::ApiError;
use super::query::{SearchResponse, answer, k_from_query};
use crate::inference::InferenceError;
use crate::probe_image;
use crate::state::AppState;

/// `POST /search?k=K`: encodes the uploaded image and returns its k nearest
/// items. The image is the raw body (`image/*` or `application/octet-stream`)
/// or the `image` field (else the first file) of a `multipart/form-data` form.
pub async fn search_image(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Result<Json<SearchResponse>, ApiError> {
    let k = k_from_query(&state, query.as_deref())?;
    let image = read_image(request).await?;
    probe_image(&image, state.limits.max_pixels)?;
    state.metrics.set_in_flight(state.queue.in_flight() + 1);
    let encoded = state.queue.encode(image).await;
    state.metrics.set_in_flight(state.queue.in_flight());
    if let Err(InferenceError::QueueFull { .. }) = &encoded {
        state.metrics.record_rejected();
    }
    Ok(Json(answer(state.clone(), encoded?, k).await?))
}

/// The image bytes of a request, by its content type.
async fn read_image(request: Request) -> Result<Bytes, ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let bytes = match content_type.as_deref() {
        Some("multipart/form-data") => read_multipart(request).await?,
        None | Some("application/octet-stream") => read_body(request).await?,
        Some(t) if t.starts_with("image/") => read_body(request).await?,
        Some(other) => return Err(unsupported(other)),
    };
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "empty_body",
            "the request carries no image",
        ));
    }
    Ok(bytes)
}

fn unsupported(content_type: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!(
            "content type {content_type:?}: send image/*, application/octet-stream or multipart/form-data"
        ),
    )
}

async fn read_body(request: Request) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, &())
        .await
        .map_err(|r| ApiError::body(r.status(), r.body_text()))
}

async fn read_multipart(request: Request) -> Result<Bytes, ApiError> {
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|r| ApiError::body(r.status(), r.body_text()))?;
    let mut fallback = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::body(e.status(), e.body_text()))?
    {
        let is_image = field.name() == Some("image");
        let is_file = field.file_name().is_some();
        if is_image || (is_file && fallback.is_none()) {
            let bytes = field
                .bytes()
                .await
                .map_err(|e| ApiError::body(e.status(), e.body_text()))?;
            if is_image {
                return Ok(bytes);
            }
            fallback = Some(bytes);
        }
    }
    fallback.ok_or_else(|| {
        ApiError::bad_request(
            "no_image_field",
            "the form has no `image` field and no file",
        )
    })
}
