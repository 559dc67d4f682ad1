//! Multipart uploads through the service's real router (in process, no socket).

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use deephash_codes::CodeMatrix;
use deephash_serve::{AppState, Catalog, EncodeError, ImageEncoder, Item, Limits, decode_image};
use tower::ServiceExt;

use super::formats::MAX_PIXELS;
use crate::seeds::BOUNDARY;

/// Decodes like a real model would, then answers a constant code.
struct DecodingEncoder;

impl ImageEncoder for DecodingEncoder {
    fn bits(&self) -> usize {
        64
    }

    fn encode(&self, image_bytes: &[u8]) -> Result<Vec<u8>, EncodeError> {
        decode_image(image_bytes, MAX_PIXELS)?;
        Ok(vec![0x5A; 8])
    }
}

fn router() -> &'static (tokio::runtime::Runtime, Router) {
    static SERVICE: OnceLock<(tokio::runtime::Runtime, Router)> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let codes = CodeMatrix::from_packed(64, (0..32).collect()).expect("codes");
        let items = (0..4)
            .map(|i| Item::file(format!("{i}.png"), None))
            .collect();
        let catalog = Catalog::new(codes, items).expect("catalog");
        let limits = Limits {
            max_pixels: MAX_PIXELS,
            ..Limits::default()
        };
        let state = AppState::new(catalog, Arc::new(DecodingEncoder), limits).expect("state");
        (runtime, deephash_serve::router(state))
    })
}

/// `POST /search` with the input as a multipart body: any answer but a server
/// error (5xx) is right.
pub fn multipart(bytes: &[u8]) -> Result<(), String> {
    let (runtime, router) = router();
    let request = Request::post("/search?k=2")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(bytes.to_vec()))
        .map_err(|e| e.to_string())?;
    let response = runtime
        .block_on(router.clone().oneshot(request))
        .map_err(|e| format!("router failed: {e}"))?;
    let status = response.status();
    if status.is_server_error() {
        return Err(format!("answered {status} to a client's upload"));
    }
    Ok(())
}
