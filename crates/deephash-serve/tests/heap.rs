//! The server holds no memory per request: after a warm-up, tens of thousands
//! more requests (image and code searches, item and thumbnail lookups, errors,
//! metrics) leave the live heap, counted by a global allocator and read when
//! no request is in flight, where it was. A leak of a few bytes a request (a
//! growing map, log, histogram or per-connection state kept after the
//! connection) fails it; allocator fragmentation does not show here, which is
//! the point: the soak test's resident memory mixes both.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fixtures::{Fixture, make_image, png_bytes};
use common::{FakeEncoder, TestServer, heap, http};
use deephash_codes::CodeMatrix;
use deephash_serve::{AppState, Catalog, Item, Limits, format_hex};

#[global_allocator]
static ALLOC: heap::Counting = heap::Counting;

const CLIENTS: usize = 4;

fn state(fixture: &Fixture) -> Arc<AppState> {
    let n = 64;
    let packed: Vec<u8> = (0..n * 8).map(|i| (i * 37 % 251) as u8).collect();
    let items = (0..n)
        .map(|i| Item::file(fixture.paths[i % fixture.paths.len()].clone(), None))
        .collect();
    let catalog = Catalog::new(CodeMatrix::from_packed(64, packed).unwrap(), items).unwrap();
    let limits = Limits::default();
    let (encoder, _gate) = FakeEncoder::new(limits.max_pixels);
    AppState::new(catalog, Arc::new(encoder), limits).unwrap()
}

/// `requests` requests from each of [`CLIENTS`] threads, each on its own
/// keep-alive connection (closed when the thread ends); every answer must be
/// the expected status.
fn load(server: &TestServer, requests: usize) {
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let base = server.url("");
            let png = png_bytes(&make_image(c % 5, c % 7));
            std::thread::spawn(move || {
                let agent = http::steady_agent();
                for i in 0..requests {
                    let id = (c * 31 + i) % 64;
                    let (status, expected) = match i % 6 {
                        0 => (
                            agent
                                .post(format!("{base}/search?k=10"))
                                .header("Content-Type", "image/png")
                                .send(&png[..]),
                            200,
                        ),
                        1 => (
                            agent
                                .post(format!("{base}/search/code"))
                                .header("Content-Type", "application/json")
                                .send(format!(
                                    r#"{{"code":"{}","k":5}}"#,
                                    format_hex(&[i as u8; 8])
                                )),
                            200,
                        ),
                        2 => (agent.get(format!("{base}/items/{id}")).call(), 200),
                        3 => (
                            agent.get(format!("{base}/items/{id}/thumbnail")).call(),
                            200,
                        ),
                        4 => (
                            agent
                                .post(format!("{base}/search/code"))
                                .header("Content-Type", "application/json")
                                .send(r#"{"code":"not hex"}"#),
                            400,
                        ),
                        _ => (agent.get(format!("{base}/metrics")).call(), 200),
                    };
                    let mut response = status.expect("transport error");
                    let _ = response.body_mut().read_to_vec();
                    assert_eq!(
                        response.status().as_u16(),
                        expected,
                        "request {i} of client {c}"
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// The live heap once the server has let go of the closed connections: the
/// smallest of samples taken over `settle`.
fn settled_live_bytes(settle: Duration) -> u64 {
    let start = Instant::now();
    let mut least = u64::MAX;
    while start.elapsed() < settle {
        std::thread::sleep(Duration::from_millis(50));
        least = least.min(heap::sample().live_bytes);
    }
    least
}

#[test]
fn requests_leave_the_live_heap_where_it_was() {
    let fixture = Fixture::new(6);
    let server = TestServer::spawn(state(&fixture));
    // Warm-up: thread pools, the thumbnail cache (every item), the metrics'
    // label sets and the allocator reach their working size.
    load(&server, 600);
    let before = settled_live_bytes(Duration::from_millis(500));
    let per_client = 6_000;
    load(&server, per_client);
    let after = settled_live_bytes(Duration::from_millis(500));
    let requests = (CLIENTS * per_client) as f64;
    let growth = after as f64 - before as f64;
    println!(
        "live heap {before} -> {after} bytes after {requests} requests ({:+.3} bytes a request)",
        growth / requests
    );
    // 2 bytes a request (the rate the soak's resident memory once crept at)
    // would be 48 kB here.
    assert!(
        growth < 32_768.0,
        "the live heap grew {growth} bytes over {requests} requests"
    );
}
