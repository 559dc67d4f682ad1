//! The server under abusive clients, on loopback, in bounded loops: slow and
//! idle connections are cut by the header timeout, oversized heads and targets
//! get 431/414, and decompression bombs are refused from their header.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::TestServer;
use common::fixtures::{Fixture, make_image, png_bytes};
use common::http::post;
use common::raw::{connect, exchange, read_reply, request, wait_closed};
use deephash_serve::Limits;

const HEADER_TIMEOUT: Duration = Duration::from_millis(800);

fn server() -> (Fixture, TestServer) {
    let fixture = Fixture::new(1);
    let limits = Limits {
        header_timeout: HEADER_TIMEOUT,
        ..Limits::default()
    };
    let (state, _gate) = fixture.state(limits);
    let server = TestServer::spawn(state);
    (fixture, server)
}

fn assert_healthy(server: &TestServer) {
    let reply = exchange(server.addr, &request("GET", "/health", &[], b""));
    assert_eq!(reply.status, 200);
}

#[test]
fn a_client_sending_its_header_a_byte_at_a_time_is_cut_off() {
    let (_fixture, server) = server();
    let mut stream = connect(server.addr);
    let head = request("GET", "/health", &[("X-Slow", &"a".repeat(200))], b"");
    let start = Instant::now();
    let mut cut = false;
    // One byte every 20 ms would take 5 s for the whole head: far past the timeout.
    for byte in &head {
        if stream.write_all(&[*byte]).is_err() {
            cut = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        if start.elapsed() > HEADER_TIMEOUT * 3 {
            break;
        }
    }
    let closed = cut || wait_closed(&mut stream, Duration::from_secs(5)).is_some();
    let elapsed = start.elapsed();
    assert!(closed, "the slow client was never cut off");
    assert!(
        elapsed >= HEADER_TIMEOUT && elapsed < HEADER_TIMEOUT * 4,
        "cut after {elapsed:?}, timeout {HEADER_TIMEOUT:?}"
    );
    assert_healthy(&server);
}

#[test]
fn idle_keep_alive_connections_are_closed_after_the_timeout() {
    let (_fixture, server) = server();
    let mut stream = connect(server.addr);
    // Keep-alive works: two requests on one connection.
    for _ in 0..2 {
        stream
            .write_all(&request("GET", "/health", &[], b""))
            .unwrap();
        assert_eq!(read_reply(&mut stream).unwrap().status, 200);
        std::thread::sleep(HEADER_TIMEOUT / 4);
    }
    // Then idle: the server closes it.
    let closed_after = wait_closed(&mut stream, Duration::from_secs(5)).expect("never closed");
    assert!(
        closed_after < HEADER_TIMEOUT * 3,
        "closed after {closed_after:?}"
    );
    // A connection that never sends anything is closed too.
    let mut silent = connect(server.addr);
    let closed_after = wait_closed(&mut silent, Duration::from_secs(5)).expect("never closed");
    assert!(closed_after >= HEADER_TIMEOUT / 2, "{closed_after:?}");
    assert_healthy(&server);
}

#[test]
fn many_slow_connections_at_once_do_not_starve_real_clients() {
    let (_fixture, server) = server();
    let mut idle: Vec<_> = (0..64).map(|_| connect(server.addr)).collect();
    for stream in &mut idle {
        let _ = stream.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n");
    }
    let start = Instant::now();
    for _ in 0..5 {
        assert_healthy(&server);
    }
    assert!(start.elapsed() < HEADER_TIMEOUT, "{:?}", start.elapsed());
    for stream in &mut idle {
        assert!(wait_closed(stream, Duration::from_secs(5)).is_some());
    }
    assert_healthy(&server);
}

#[test]
fn oversized_heads_get_431_and_long_targets_414() {
    let (_fixture, server) = server();
    let limits = Limits::default();
    let big = "a".repeat(limits.max_header_bytes + 1);
    let reply = exchange(
        server.addr,
        &request("GET", "/health", &[("X-Big", &big)], b""),
    );
    assert_eq!(reply.status, 431, "{reply:?}");
    let many: Vec<(String, String)> = (0..200).map(|i| (format!("X-H{i}"), "v".into())).collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let reply = exchange(server.addr, &request("GET", "/health", &many, b""));
    assert_eq!(reply.status, 431, "{reply:?}");
    // A head that never ends is cut at the limit, not buffered without bound.
    let mut stream = connect(server.addr);
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = stream.write_all(b"GET /health HTTP/1.1\r\nX-Endless: ");
    let chunk = vec![b'b'; 64 << 10];
    let mut sent = 0usize;
    let closed = loop {
        match stream.write_all(&chunk) {
            Ok(()) => sent += chunk.len(),
            Err(e) => {
                break matches!(
                    e.kind(),
                    std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
                );
            }
        }
        if sent >= 64 << 20 {
            break false;
        }
    };
    assert!(
        closed,
        "the server kept an endless head open ({sent} bytes sent)"
    );
    // Targets: over max_uri_bytes is 414 (JSON), beyond the head limit 431.
    let long = format!("/items/0?pad={}", "x".repeat(limits.max_uri_bytes));
    let reply = exchange(server.addr, &request("GET", &long, &[], b""));
    assert_eq!(reply.status, 414, "{reply:?}");
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(body["error"], "uri_too_long");
    let fits = format!("/items/0?pad={}", "x".repeat(limits.max_uri_bytes - 100));
    assert_eq!(
        exchange(server.addr, &request("GET", &fits, &[], b"")).status,
        200
    );
    let huge = format!("/items/0?pad={}", "x".repeat(limits.max_header_bytes));
    let reply = exchange(server.addr, &request("GET", &huge, &[], b""));
    assert_eq!(reply.status, 431, "{reply:?}");
    assert_healthy(&server);
}

/// A PNG whose header declares `width` x `height` pixels, followed by a tiny
/// (truncated) data stream: a decompression bomb as far as the header goes.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = png_bytes(&make_image(0, 0));
    // The IHDR chunk's data starts at byte 16: width, height (big-endian).
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A baseline JPEG whose frame header (SOF0) declares `width` x `height`.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    make_image(1, 0)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    let mut jpeg = out.into_inner();
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("no SOF0 marker");
    // FFC0, length (2), precision (1), height (2), width (2).
    jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    jpeg
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn png_and_jpeg_bombs_are_refused_from_their_header() {
    let (_fixture, server) = server();
    let url = server.url("/search?k=3");
    for (format, bytes) in [
        ("image/png", png_claiming(60_000, 60_000)),
        ("image/png", png_claiming(u32::MAX >> 1, 2)),
        ("image/jpeg", jpeg_claiming(65_000, 65_000)),
    ] {
        assert!(bytes.len() < 10_000);
        let start = Instant::now();
        let reply = post(&url, Some(format), &bytes);
        reply.assert_error(413, "image_too_large");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }
    // The same files at a size within the limit are decoded (and found broken or fine).
    let reply = post(&url, Some("image/jpeg"), &jpeg_claiming(64, 64));
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_healthy(&server);
}

#[test]
fn a_bomb_in_the_database_gives_no_thumbnail_and_no_crash() {
    let fixture = Fixture::new(1);
    std::fs::write(&fixture.paths[0], png_claiming(50_000, 50_000)).unwrap();
    let (state, _gate) = fixture.state(Limits::default());
    let server = TestServer::spawn(state);
    let reply = exchange(server.addr, &request("GET", "/items/0/thumbnail", &[], b""));
    assert_eq!(reply.status, 500, "{reply:?}");
    let message = String::from_utf8_lossy(&reply.body);
    assert!(message.contains("50000x50000"), "{message}");
    let reply = exchange(server.addr, &request("GET", "/items/1/thumbnail", &[], b""));
    assert_eq!(reply.status, 200);
}
