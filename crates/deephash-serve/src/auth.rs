//! The bearer-token check in front of every route but the public ones.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::routes::ROUTES;
use crate::state::AppState;

/// Lets a request through when the service has no token, when its route is
/// public, or when it carries `Authorization: Bearer <token>`; answers anything
/// else with 401, `WWW-Authenticate: Bearer` and an empty body.
pub(crate) async fn require_token(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(token) = &state.access.token else {
        return next.run(request).await;
    };
    let granted = is_public(&request) || bearer(&request).is_some_and(|t| token.matches(t));
    if granted {
        next.run(request).await
    } else {
        unauthorized()
    }
}

/// Whether the request's route is one of the public ones.
fn is_public(request: &Request) -> bool {
    let Some(matched) = request.extensions().get::<MatchedPath>() else {
        return false;
    };
    ROUTES
        .iter()
        .any(|route| route.public && route.path == matched.as_str())
}

/// The token of an `Authorization: Bearer <token>` header (scheme in any case).
fn bearer(request: &Request) -> Option<&[u8]> {
    let value = request.headers().get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, rest) = value.split_at_checked(7)?;
    if !scheme.eq_ignore_ascii_case(b"bearer ") {
        return None;
    }
    Some(rest.trim_ascii())
}

fn unauthorized() -> Response {
    let mut response = StatusCode::UNAUTHORIZED.into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}
