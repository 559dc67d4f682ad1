//! Cross-origin access: off unless an origin is named.

use std::time::Duration;

use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The CORS layer that lets pages of `origin` (and no other: other origins get
/// no `Access-Control-Allow-Origin` at all) call the API with the token header; preflight answers are cached by browsers for ten minutes.
pub(crate) fn cors_layer(origin: HeaderValue) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list([origin]))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600))
}
