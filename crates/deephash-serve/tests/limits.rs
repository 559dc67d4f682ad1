//! Bad input and resource limits: every case is a 4xx/5xx JSON error and the
//! server keeps answering afterwards.

mod common;

use std::time::Duration;

use common::TestServer;
use common::fixtures::{Fixture, make_image, png_bytes};
use common::http::{get, multipart, post, post_json};
use deephash_serve::Limits;
use image::DynamicImage;
use serde_json::json;

fn server_with(limits: Limits) -> (Fixture, TestServer, std::sync::Arc<common::Gate>) {
    let fixture = Fixture::new(2);
    let (state, gate) = fixture.state(limits);
    let server = TestServer::spawn(state);
    (fixture, server, gate)
}

fn assert_still_serving(server: &TestServer) {
    let reply = post(
        &server.url("/search?k=3"),
        Some("image/png"),
        &png_bytes(&make_image(1, 1)),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[test]
fn bad_uploads_are_4xx_json_errors() {
    let (_fixture, server, _gate) = server_with(Limits::default());
    let png = png_bytes(&make_image(0, 0));
    let url = server.url("/search");
    post(&url, Some("image/png"), b"").assert_error(400, "empty_body");
    post(&url, Some("application/json"), b"{}").assert_error(415, "unsupported_media_type");
    post(&url, Some("text/plain"), &png).assert_error(415, "unsupported_media_type");
    post(&url, Some("image/png"), b"this is not an image at all")
        .assert_error(415, "unsupported_image_format");
    post(&url, Some("image/png"), &png[..png.len() / 2]).assert_error(422, "corrupt_image");
    let mut scrambled = png.clone();
    for b in scrambled.iter_mut().skip(60) {
        *b ^= 0x5a;
    }
    let reply = post(&url, Some("image/png"), &scrambled);
    assert!(matches!(reply.status, 415 | 422), "{}", reply.text());
    post(&url, Some("multipart/form-data"), &png).assert_error(400, "bad_body");
    let (content_type, form) = multipart("image", "empty.png", b"");
    post(&url, Some(&content_type), &form).assert_error(400, "empty_body");
    let form = b"--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--b--\r\n";
    post(&url, Some("multipart/form-data; boundary=b"), form).assert_error(400, "no_image_field");
    assert_still_serving(&server);
}

#[test]
fn k_out_of_range_is_400() {
    let (_fixture, server, _gate) = server_with(Limits::default());
    let png = png_bytes(&make_image(0, 0));
    for query in [
        "k=0",
        "k=11",
        "k=-3",
        "k=ten",
        "k=",
        "k=99999999999999999999999",
    ] {
        post(
            &server.url(&format!("/search?{query}")),
            Some("image/png"),
            &png,
        )
        .assert_error(400, "bad_k");
    }
    let code = "00".repeat(8);
    post_json(&server.url("/search/code"), &json!({"code": code, "k": 0}))
        .assert_error(400, "bad_k");
    post_json(&server.url("/search/code?k=11"), &json!({"code": code})).assert_error(400, "bad_k");
}

#[test]
fn bad_codes_are_400() {
    let (_fixture, server, _gate) = server_with(Limits::default());
    let url = server.url("/search/code");
    post_json(&url, &json!({"code": "abc"})).assert_error(400, "bad_code");
    post_json(&url, &json!({"code": "zz".repeat(8)})).assert_error(400, "bad_code");
    post_json(&url, &json!({"code": "2".repeat(64)})).assert_error(400, "bad_code");
    post_json(&url, &json!({"code": 17})).assert_error(422, "bad_body");
    post_json(&url, &json!({"kode": "00"})).assert_error(422, "bad_body");
    post(&url, Some("application/json"), b"{not json").assert_error(400, "bad_body");
    post(&url, Some("text/plain"), b"{}").assert_error(415, "unsupported_media_type");
    post(&url, Some("application/json"), b"").assert_error(400, "bad_body");
}

#[test]
fn oversized_bodies_are_413() {
    let limits = Limits {
        max_upload_bytes: 4096,
        ..Limits::default()
    };
    let (_fixture, server, _gate) = server_with(limits);
    let big = vec![0x89u8; 10_000];
    post(&server.url("/search"), Some("image/png"), &big).assert_error(413, "body_too_large");
    let (content_type, form) = multipart("image", "big.png", &big);
    post(&server.url("/search"), Some(&content_type), &form).assert_error(413, "body_too_large");
    let code = "0".repeat(9000);
    post_json(&server.url("/search/code"), &json!({ "code": code }))
        .assert_error(413, "body_too_large");
    assert_still_serving(&server);
}

#[test]
fn decompression_bombs_are_refused_before_decoding() {
    let limits = Limits {
        max_pixels: 100_000,
        ..Limits::default()
    };
    let (_fixture, server, _gate) = server_with(limits);
    // 2000 x 2000 of one colour: a few kB of PNG, 4 million pixels.
    let bomb = png_bytes(&DynamicImage::new_luma8(2000, 2000));
    assert!(bomb.len() < 50_000, "{}", bomb.len());
    post(&server.url("/search"), Some("image/png"), &bomb).assert_error(413, "image_too_large");
    assert_still_serving(&server);
}

/// Waits until the service reports `n` images in the encoder queue.
fn wait_in_flight(server: &TestServer, n: u64) {
    for _ in 0..400 {
        if get(&server.url("/health")).json()["inference_in_flight"] == n {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the queue never held {n} images");
}

#[test]
fn a_full_encoder_queue_answers_503_and_recovers() {
    let limits = Limits {
        max_concurrent_inference: 1,
        max_queued_inference: 1,
        ..Limits::default()
    };
    let (_fixture, server, gate) = server_with(limits);
    gate.close();
    let url = server.url("/search?k=2");
    let png = png_bytes(&make_image(2, 0));
    let spawn =
        |png: Vec<u8>, url: String| std::thread::spawn(move || post(&url, Some("image/png"), &png));
    let running = spawn(png.clone(), url.clone());
    wait_in_flight(&server, 1);
    let waiting = spawn(png.clone(), url.clone());
    wait_in_flight(&server, 2);
    let refused = post(&url, Some("image/png"), &png);
    refused.assert_error(503, "busy");
    assert_eq!(refused.header("retry-after"), Some("1"));
    gate.open();
    assert_eq!(running.join().unwrap().status, 200);
    assert_eq!(waiting.join().unwrap().status, 200);
    let metrics = get(&server.url("/metrics")).text();
    assert!(
        metrics.contains("deephash_inference_rejected_total 1"),
        "{metrics}"
    );
    assert_still_serving(&server);
}

#[test]
fn a_slow_request_times_out_with_504_and_frees_its_slot() {
    let limits = Limits {
        request_timeout: Duration::from_millis(300),
        max_concurrent_inference: 1,
        max_queued_inference: 0,
        ..Limits::default()
    };
    let (_fixture, server, gate) = server_with(limits);
    gate.close();
    let png = png_bytes(&make_image(4, 1));
    post(&server.url("/search"), Some("image/png"), &png).assert_error(504, "timeout");
    // The encode still runs (it holds the only slot) until the gate opens.
    post(&server.url("/search"), Some("image/png"), &png).assert_error(503, "busy");
    gate.open();
    wait_in_flight(&server, 0);
    assert_still_serving(&server);
}

#[test]
fn unusable_limits_and_mismatched_bits_are_refused_at_start() {
    let fixture = Fixture::new(1);
    let (encoder, _gate) = common::FakeEncoder::new(1000);
    let bad = Limits {
        max_k: 0,
        ..Limits::default()
    };
    let err = deephash_serve::AppState::new(fixture.catalog(), std::sync::Arc::new(encoder), bad)
        .unwrap_err();
    assert!(err.to_string().contains("max_k"), "{err}");
    struct Wide;
    impl deephash_serve::ImageEncoder for Wide {
        fn bits(&self) -> usize {
            128
        }
        fn encode(&self, _: &[u8]) -> Result<Vec<u8>, deephash_serve::EncodeError> {
            Ok(vec![0; 16])
        }
    }
    let err = deephash_serve::AppState::new(
        fixture.catalog(),
        std::sync::Arc::new(Wide),
        Limits::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("128"), "{err}");
}
