use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

use crate::ServeError;
use crate::api::error::ApiError;
use crate::api::service::fallback;
use crate::auth::require_token;
use crate::connection::accept_loop;
use crate::cors::cors_layer;
use crate::routes::{ROUTES, endpoint};
use crate::state::AppState;
use crate::uri_limit::limit_uri;

/// Where `deephash serve` listens unless told otherwise: loopback only.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// The service's router: every route of [`ROUTES`], a JSON 404 for the rest,
/// the token check, the body-size and URI limits, the request deadline, the
/// metrics and, when an origin is named, CORS.
pub fn router(state: Arc<AppState>) -> Router {
    let routes = ROUTES.iter().fold(Router::new(), |r, route| {
        r.route(route.path, endpoint(route))
    });
    let router = routes
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(state.clone(), require_token))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn_with_state(state.clone(), limit_uri))
        .layer(DefaultBodyLimit::max(state.limits.max_upload_bytes));
    let router = match &state.access.cors_origin {
        Some(origin) => router.layer(cors_layer(origin.header_value().clone())),
        None => router,
    };
    router.with_state(state)
}

/// Applies the request deadline and records the request in the metrics.
async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let deadline = state.limits.request_timeout;
    let response = match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => timeout_error(deadline).into_response(),
    };
    state
        .metrics
        .record(&method, &route, response.status().as_u16(), start.elapsed());
    response
}

fn timeout_error(deadline: std::time::Duration) -> ApiError {
    ApiError::new(
        StatusCode::GATEWAY_TIMEOUT,
        "timeout",
        format!("the request took longer than {deadline:?}"),
    )
}

/// Opens a listening socket on `addr` (port 0 picks a free port).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })
}

/// Serves `state` on `listener` until `shutdown` completes, then finishes the
/// requests in progress. Refuses a non-loopback listener when the service has
/// no token (see [`crate::Access::check_bind`]).
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr = listener.local_addr().map_err(ServeError::Server)?;
    state.access.check_bind(addr)?;
    tracing::info!("serving {} items on http://{addr}/", state.catalog.len());
    let limits = state.limits.clone();
    accept_loop(listener, router(state), &limits, shutdown).await;
    Ok(())
}
