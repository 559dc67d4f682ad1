//! Access control over HTTP: the bearer token on every route but the public
//! ones, CORS off unless an origin is named, and no open service beyond loopback.

mod common;

use common::TestServer;
use common::fixtures::{Fixture, make_image, png_bytes};
use common::raw::{RawReply, exchange, request};
use deephash_serve::{Access, Limits, ROUTES, ServeError, Token};

const TOKEN: &str = "s3cret-token-for-the-tests-0123";

fn guarded(cors_origin: Option<&str>) -> (Fixture, TestServer) {
    let fixture = Fixture::new(2);
    let access = Access {
        token: Some(Token::new(TOKEN, "test").unwrap()),
        cors_origin: cors_origin.map(|o| o.parse().unwrap()),
        insecure_public: false,
    };
    let (state, _gate) = fixture.state_with(Limits::default(), access);
    let server = TestServer::spawn(state);
    (fixture, server)
}

/// A request for `path` (with `{id}` as item 0) that succeeds when authorised.
fn call(server: &TestServer, method: &str, path: &str, auth: Option<&str>) -> RawReply {
    let target = path.replace("{id}", "0");
    let mut headers = Vec::new();
    let auth_line;
    if let Some(value) = auth {
        auth_line = value.to_owned();
        headers.push(("Authorization", auth_line.as_str()));
    }
    let (content_type, body) = match target.as_str() {
        "/search" => ("image/png", png_bytes(&make_image(0, 0))),
        "/search/code" => (
            "application/json",
            format!("{{\"code\": \"{}\"}}", "0".repeat(16)).into_bytes(),
        ),
        _ => ("text/plain", Vec::new()),
    };
    headers.push(("Content-Type", content_type));
    exchange(server.addr, &request(method, &target, &headers, &body))
}

fn assert_unauthorized(reply: &RawReply, what: &str) {
    assert_eq!(reply.status, 401, "{what}: {reply:?}");
    assert!(reply.body.is_empty(), "{what}: 401 with a body {reply:?}");
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"), "{what}");
    assert_eq!(reply.header("content-length"), Some("0"), "{what}");
}

#[test]
fn every_protected_route_needs_the_token_and_public_ones_do_not() {
    let (_fixture, server) = guarded(None);
    let good = format!("Bearer {TOKEN}");
    let wrong = format!("Bearer {}x", &TOKEN[..TOKEN.len() - 1]);
    let mut protected = 0;
    for route in ROUTES {
        let open = call(&server, route.method, route.path, None);
        let authorised = call(&server, route.method, route.path, Some(&good));
        assert_eq!(authorised.status, 200, "{} {}", route.method, route.path);
        if route.public {
            assert_eq!(open.status, 200, "{} {}", route.method, route.path);
            continue;
        }
        protected += 1;
        let what = format!("{} {}", route.method, route.path);
        assert_unauthorized(&open, &what);
        for bad in [
            wrong.as_str(),
            TOKEN,
            "Basic czNjcmV0",
            "Bearer",
            "Bearer ",
            &format!("Bearer {TOKEN}{TOKEN}"),
        ] {
            assert_unauthorized(&call(&server, route.method, route.path, Some(bad)), &what);
        }
    }
    assert_eq!(protected, 6, "routes that need the token");
    // The scheme is case-insensitive; unknown paths are not revealed as 404.
    let lower = call(
        &server,
        "GET",
        "/items/{id}",
        Some(&format!("bearer {TOKEN}")),
    );
    assert_eq!(lower.status, 200);
    assert_unauthorized(
        &call(&server, "GET", "/no/such/route", None),
        "unknown route",
    );
    assert_eq!(
        call(&server, "GET", "/no/such/route", Some(&good)).status,
        404
    );
}

#[test]
fn health_tells_the_page_that_a_token_is_needed() {
    let (_fixture, server) = guarded(None);
    let reply = call(&server, "GET", "/health", None);
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(body["token_required"], true, "{body}");
    let open = Fixture::new(1);
    let (state, _gate) = open.state(Limits::default());
    let open_server = TestServer::spawn(state);
    let reply = call(&open_server, "GET", "/health", None);
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(body["token_required"], false, "{body}");
    // Without a token every route answers without one.
    assert_eq!(call(&open_server, "GET", "/items/{id}", None).status, 200);
}

fn preflight(server: &TestServer, origin: &str) -> RawReply {
    let headers = [
        ("Origin", origin),
        ("Access-Control-Request-Method", "POST"),
        (
            "Access-Control-Request-Headers",
            "authorization, content-type",
        ),
    ];
    exchange(
        server.addr,
        &request("OPTIONS", "/search/code", &headers, b""),
    )
}

#[test]
fn cors_is_off_unless_an_origin_is_named() {
    let (_fixture, server) = guarded(None);
    let auth = format!("Bearer {TOKEN}");
    let headers = [("Origin", "http://evil.example"), ("Authorization", &auth)];
    let reply = exchange(server.addr, &request("GET", "/items/0", &headers, b""));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), None);
    let reply = preflight(&server, "http://evil.example");
    assert_eq!(
        reply.header("access-control-allow-origin"),
        None,
        "{reply:?}"
    );
}

#[test]
fn a_named_origin_gets_cors_headers_and_no_other_does() {
    let origin = "http://localhost:3000";
    let (_fixture, server) = guarded(Some(origin));
    // The preflight carries no token and must still be answered.
    let reply = preflight(&server, origin);
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
    let allowed = reply
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");
    let auth = format!("Bearer {TOKEN}");
    let headers = [("Origin", origin), ("Authorization", auth.as_str())];
    let reply = exchange(server.addr, &request("GET", "/items/0", &headers, b""));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
    // A request without the token is still refused, with nothing but the status.
    let reply = exchange(
        server.addr,
        &request("GET", "/items/0", &[("Origin", origin)], b""),
    );
    assert_unauthorized(&reply, "cross-origin without token");
    let other = preflight(&server, "http://evil.example");
    assert_eq!(
        other.header("access-control-allow-origin"),
        None,
        "{other:?}"
    );
}

#[test]
fn an_open_service_refuses_to_listen_beyond_loopback() {
    let fixture = Fixture::new(1);
    let (state, _gate) = fixture.state(Limits::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = runtime.block_on(async {
        // Bound but never accepting: serve must refuse before the first accept.
        let listener = deephash_serve::bind("0.0.0.0:0".parse().unwrap())
            .await
            .unwrap();
        deephash_serve::serve(listener, state, std::future::pending())
            .await
            .unwrap_err()
    });
    assert!(matches!(err, ServeError::InsecureBind { .. }), "{err}");
    assert!(err.to_string().contains("--insecure-public"), "{err}");
}
