use std::sync::Arc;

use axum::routing::{MethodRouter, get, post};

use crate::api::{assets, items, search_code, search_image, service};
use crate::state::AppState;

/// One route of the service: its method, its path template and what it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// HTTP method (`GET`, `POST`).
    pub method: &'static str,
    /// Path template in axum and OpenAPI syntax (`/items/{id}`).
    pub path: &'static str,
    /// One line on what it answers.
    pub summary: &'static str,
    /// Answered without the access token: `/health` and the page's own files,
    /// which hold no data (the page asks for the token itself).
    pub public: bool,
}

/// Every route the service answers. The router is built from this list, and a
/// test checks that `/openapi.json` describes exactly these routes.
pub const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/",
        summary: "The search page",
        public: true,
    },
    Route {
        method: "GET",
        path: "/app.js",
        summary: "The search page's script",
        public: true,
    },
    Route {
        method: "GET",
        path: "/style.css",
        summary: "The search page's style sheet",
        public: true,
    },
    Route {
        method: "GET",
        path: "/openapi.json",
        summary: "This API description",
        public: false,
    },
    Route {
        method: "GET",
        path: "/health",
        summary: "Liveness, database size and limits",
        public: true,
    },
    Route {
        method: "GET",
        path: "/metrics",
        summary: "Prometheus metrics",
        public: false,
    },
    Route {
        method: "POST",
        path: "/search",
        summary: "k nearest items to an uploaded image",
        public: false,
    },
    Route {
        method: "POST",
        path: "/search/code",
        summary: "k nearest items to a code",
        public: false,
    },
    Route {
        method: "GET",
        path: "/items/{id}",
        summary: "Path, label and code of an item",
        public: false,
    },
    Route {
        method: "GET",
        path: "/items/{id}/thumbnail",
        summary: "JPEG thumbnail of an item's image",
        public: false,
    },
];

/// The handler of `route`.
pub(crate) fn endpoint(route: &Route) -> MethodRouter<Arc<AppState>> {
    match (route.method, route.path) {
        ("GET", "/") => get(assets::index),
        ("GET", "/app.js") => get(assets::app_js),
        ("GET", "/style.css") => get(assets::style_css),
        ("GET", "/openapi.json") => get(assets::openapi),
        ("GET", "/health") => get(service::health),
        ("GET", "/metrics") => get(service::metrics),
        ("POST", "/search") => post(search_image::search_image),
        ("POST", "/search/code") => post(search_code::search_code),
        ("GET", "/items/{id}") => get(items::item),
        ("GET", "/items/{id}/thumbnail") => get(items::thumbnail),
        _ => unreachable!(
            "route {} {} in ROUTES has no handler",
            route.method, route.path
        ),
    }
}
