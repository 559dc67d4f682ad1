//! The JSON API on loopback: searches, items, thumbnails, health, metrics and
//! the OpenAPI description, against a generated database and a fake encoder.

mod common;

use common::TestServer;
use common::fixtures::{CLASSES, Fixture, make_image, png_bytes};
use common::http::{get, multipart, post, post_json};
use deephash_serve::{Limits, ROUTES, format_hex};
use serde_json::json;

/// Differing bits of two packed codes: the oracle the service's answers are checked against.
fn hamming(a: &[u8], b: &[u8]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

fn server(per_class: usize) -> (Fixture, TestServer) {
    let fixture = Fixture::new(per_class);
    let (state, _gate) = fixture.state(Limits::default());
    let server = TestServer::spawn(state);
    (fixture, server)
}

/// Checks a result list: sorted by (distance, id), distances true to the codes.
fn assert_ranked(fixture: &Fixture, query: &[u8], results: &[serde_json::Value]) {
    let mut previous = (0u64, 0u64);
    for (i, r) in results.iter().enumerate() {
        let id = r["id"].as_u64().unwrap();
        let distance = r["distance"].as_u64().unwrap();
        assert_eq!(r["rank"].as_u64().unwrap(), i as u64 + 1);
        assert_eq!(
            distance,
            u64::from(hamming(query, &fixture.codes[id as usize])),
            "{r}"
        );
        assert_eq!(r["code"], format_hex(&fixture.codes[id as usize]));
        assert_eq!(r["label"], fixture.labels[id as usize]);
        assert_eq!(r["thumbnail"], format!("/items/{id}/thumbnail"));
        assert!(
            i == 0 || (distance, id) > previous,
            "results out of order at rank {}",
            i + 1
        );
        previous = (distance, id);
    }
}

#[test]
fn raw_upload_finds_the_image_itself_first_among_its_class() {
    let (fixture, server) = server(4);
    let id = 7; // class 2 ("checker"), variant 1
    let bytes = std::fs::read(&fixture.paths[id]).unwrap();
    let reply = post(&server.url("/search?k=5"), Some("image/png"), &bytes);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["bits"], 64);
    assert_eq!(body["k"], 5);
    assert_eq!(body["query_code"], format_hex(&fixture.codes[id]));
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert_ranked(&fixture, &fixture.codes[id], results);
    let zero: Vec<u64> = results
        .iter()
        .filter(|r| r["distance"] == 0)
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert!(
        zero.contains(&(id as u64)),
        "the image itself is not at distance 0: {results:?}"
    );
    assert_eq!(results[0]["label"], CLASSES[2]);
}

#[test]
fn multipart_upload_and_octet_stream_give_the_same_answer() {
    let (fixture, server) = server(3);
    let bytes = png_bytes(&make_image(3, 9));
    let (content_type, form) = multipart("image", "ring.png", &bytes);
    let from_form = post(&server.url("/search?k=4"), Some(&content_type), &form);
    let from_raw = post(
        &server.url("/search?k=4"),
        Some("application/octet-stream"),
        &bytes,
    );
    assert_eq!(from_form.status, 200, "{}", from_form.text());
    assert_eq!(from_form.json(), from_raw.json());
    let (content_type, form) = multipart("upload", "ring.png", &bytes);
    let any_file = post(&server.url("/search?k=4"), Some(&content_type), &form);
    assert_eq!(
        any_file.json(),
        from_raw.json(),
        "a lone file field is taken as the image"
    );
    let results = from_raw.json()["results"].as_array().unwrap().clone();
    let query = hex_to_bytes(from_raw.json()["query_code"].as_str().unwrap());
    assert_ranked(&fixture, &query, &results);
}

fn hex_to_bytes(hex: &str) -> Vec<u8> {
    deephash_serve::parse_code(hex, hex.len() * 4).unwrap()
}

#[test]
fn code_search_accepts_hex_and_bits_and_matches_a_scan() {
    let (fixture, server) = server(4);
    let code = &fixture.codes[12];
    let bits: String = code.iter().map(|b| format!("{b:08b}")).collect();
    let by_hex = post_json(
        &server.url("/search/code"),
        &json!({"code": format_hex(code), "k": 20}),
    );
    let by_bits = post_json(&server.url("/search/code?k=20"), &json!({"code": bits}));
    assert_eq!(by_hex.status, 200, "{}", by_hex.text());
    assert_eq!(by_hex.json(), by_bits.json());
    let results = by_hex.json()["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 20);
    assert_ranked(&fixture, code, &results);
    // Brute force: the 20th distance bounds every item left out.
    let last = results[19]["distance"].as_u64().unwrap();
    let returned: Vec<u64> = results.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    for (id, other) in fixture.codes.iter().enumerate() {
        if !returned.contains(&(id as u64)) {
            assert!(
                u64::from(hamming(code, other)) >= last,
                "item {id} should have been returned"
            );
        }
    }
}

#[test]
fn default_k_and_k_capped_by_database_size() {
    let (_fixture, server) = server(4);
    let bytes = png_bytes(&make_image(0, 0));
    let body = post(&server.url("/search"), Some("image/png"), &bytes).json();
    assert_eq!(body["k"], 10);
    assert_eq!(body["results"].as_array().unwrap().len(), 10);
    let all = post(&server.url("/search?k=20"), Some("image/png"), &bytes);
    assert_eq!(all.json()["results"].as_array().unwrap().len(), 20);
    post(&server.url("/search?k=21"), Some("image/png"), &bytes).assert_error(400, "bad_k");
}

#[test]
fn items_and_thumbnails() {
    let (fixture, server) = server(2);
    let item = get(&server.url("/items/3"));
    assert_eq!(item.status, 200);
    let body = item.json();
    assert_eq!(body["id"], 3);
    assert_eq!(body["path"], fixture.paths[3].display().to_string());
    assert_eq!(body["label"], fixture.labels[3]);
    assert_eq!(body["code"], format_hex(&fixture.codes[3]));
    let thumb = get(&server.url("/items/3/thumbnail"));
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.content_type, "image/jpeg");
    let image = image::load_from_memory(&thumb.body).unwrap();
    assert!(image.width() <= 160 && image.height() <= 160 && image.width() > 0);
    assert_eq!(server.state.thumbnails.len(), 1, "the thumbnail is cached");
    // The cache answers even when the file is gone; an uncached missing file is a 404.
    std::fs::remove_file(&fixture.paths[3]).unwrap();
    std::fs::remove_file(&fixture.paths[4]).unwrap();
    assert_eq!(get(&server.url("/items/3/thumbnail")).body, thumb.body);
    get(&server.url("/items/4/thumbnail")).assert_error(404, "not_found");
    get(&server.url("/items/10")).assert_error(404, "not_found");
    get(&server.url("/items/abc")).assert_error(400, "bad_id");
    get(&server.url("/items/-1/thumbnail")).assert_error(400, "bad_id");
}

#[test]
fn health_reports_size_and_limits() {
    let (_fixture, server) = server(2);
    let body = get(&server.url("/health")).json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["items"], 10);
    assert_eq!(body["bits"], 64);
    assert_eq!(body["max_k"], 10);
    assert_eq!(body["default_k"], 10);
}

#[test]
fn metrics_count_requests_errors_and_latency() {
    let (_fixture, server) = server(2);
    get(&server.url("/health"));
    get(&server.url("/health"));
    post(&server.url("/search"), Some("image/png"), b"").assert_error(400, "empty_body");
    get(&server.url("/items/99"));
    let metrics = get(&server.url("/metrics"));
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .content_type
            .starts_with("application/openmetrics-text")
    );
    let text = metrics.text();
    for line in [
        r#"deephash_http_requests_total{method="GET",route="/health",status="200"} 2"#,
        r#"deephash_http_requests_total{method="POST",route="/search",status="400"} 1"#,
        r#"deephash_http_errors_total{method="POST",route="/search",status="400"} 1"#,
        r#"deephash_http_errors_total{method="GET",route="/items/{id}",status="404"} 1"#,
        r#"deephash_http_request_duration_seconds_count{route="/health"} 2"#,
        r#"deephash_http_request_duration_seconds_bucket{le="+Inf",route="/health"} 2"#,
    ] {
        assert!(text.contains(line), "missing {line} in\n{text}");
    }
    assert!(
        !text.contains(r#"deephash_http_errors_total{method="GET",route="/health""#),
        "{text}"
    );
}

#[test]
fn openapi_describes_exactly_the_routes_served() {
    let (_fixture, server) = server(2);
    let reply = get(&server.url("/openapi.json"));
    assert_eq!(reply.status, 200);
    let doc = reply.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for route in ROUTES {
        let op = &paths
            .get(route.path)
            .unwrap_or_else(|| panic!("{} missing from openapi.json", route.path))
            [route.method.to_ascii_lowercase()];
        assert!(
            op.is_object(),
            "{} {} missing from openapi.json",
            route.method,
            route.path
        );
        assert_eq!(
            op["summary"], route.summary,
            "{} {}",
            route.method, route.path
        );
    }
    let described: usize = paths
        .values()
        .map(|ops| ops.as_object().unwrap().len())
        .sum();
    assert_eq!(
        described,
        ROUTES.len(),
        "openapi.json describes routes the server does not have"
    );
    // Every listed route is really served (not the JSON 404 fallback).
    for route in ROUTES.iter().filter(|r| r.method == "GET") {
        let path = route.path.replace("{id}", "0");
        assert_eq!(get(&server.url(&path)).status, 200, "GET {path}");
    }
    get(&server.url("/nope")).assert_error(404, "not_found");
}

#[test]
fn page_and_assets_are_embedded_and_self_contained() {
    let (_fixture, server) = server(1);
    let page = get(&server.url("/"));
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    let html = page.text();
    assert!(html.contains(r#"<input id="file" type="file""#));
    assert!(html.contains(r#"id="results""#));
    for asset in ["/app.js", "/style.css"] {
        let reply = get(&server.url(asset));
        assert_eq!(reply.status, 200, "{asset}");
        for text in [&html, &reply.text()] {
            assert!(
                !text.contains("http://") && !text.contains("https://"),
                "{asset}: external resource"
            );
        }
    }
}
