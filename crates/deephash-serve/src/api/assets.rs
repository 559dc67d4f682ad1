use axum::http::header;
use axum::response::IntoResponse;

/// The search page.
pub const INDEX_HTML: &str = include_str!("../../web/index.html");
/// The page's script.
pub const APP_JS: &str = include_str!("../../web/app.js");
/// The page's style sheet.
pub const STYLE_CSS: &str = include_str!("../../web/style.css");
/// The hand-written OpenAPI 3 description of every route.
pub const OPENAPI_JSON: &str = include_str!("../../web/openapi.json");

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

/// `GET /`: the search page.
pub async fn index() -> impl IntoResponse {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

/// `GET /app.js`.
pub async fn app_js() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", APP_JS)
}

/// `GET /style.css`.
pub async fn style_css() -> impl IntoResponse {
    asset("text/css; charset=utf-8", STYLE_CSS)
}

/// `GET /openapi.json`.
pub async fn openapi() -> impl IntoResponse {
    asset("application/json", OPENAPI_JSON)
}
