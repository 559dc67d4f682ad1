//! A bounded load test on loopback: a fixed number of requests from a fixed
//! number of client threads against an in-process server, with a time limit.
//! Prints p50/p99 latency and throughput per scenario (recorded in
//! docs/serve.md). Ignored by default: run it with
//! `scripts/serve_load.sh` or
//! `cargo test -p deephash-serve --test load -- --ignored --nocapture`.
//! Knobs: `LOAD_REQUESTS` (per scenario, default 2000), `LOAD_CLIENTS`
//! (default 4), `LOAD_ITEMS` (database size, default 10000).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fixtures::{Fixture, make_image, png_bytes};
use common::http::agent;
use common::{FakeEncoder, TestServer};
use deephash_codes::CodeMatrix;
use deephash_serve::{AppState, Catalog, Item, Limits, format_hex};

const TIME_LIMIT: Duration = Duration::from_secs(120);

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A database of `n` pseudo-random 64-bit codes whose items reuse the fixture's images.
fn big_state(fixture: &Fixture, n: usize) -> Arc<AppState> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut packed = Vec::with_capacity(n * 8);
    for _ in 0..n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        packed.extend_from_slice(&state.to_be_bytes());
    }
    let items = (0..n)
        .map(|i| {
            let path = fixture.paths[i % fixture.paths.len()].clone();
            Item::file(path, Some(format!("class {}", i % 50)))
        })
        .collect();
    let catalog = Catalog::new(CodeMatrix::from_packed(64, packed).unwrap(), items).unwrap();
    let (encoder, _gate) = FakeEncoder::new(Limits::default().max_pixels);
    AppState::new(catalog, Arc::new(encoder), Limits::default()).unwrap()
}

enum Kind {
    Code(String),
    Image(Vec<u8>),
    Get(String),
}

struct Stats {
    latencies: Vec<Duration>,
    wall: Duration,
    failures: usize,
}

fn run(server: &TestServer, kind: &Kind, requests: usize, clients: usize) -> Stats {
    let start = Instant::now();
    let per_client = requests / clients;
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let url_code = server.url("/search/code");
            let url_image = server.url("/search?k=10");
            let base = server.url("");
            let kind = match kind {
                Kind::Code(c) => Kind::Code(c.clone()),
                Kind::Image(b) => Kind::Image(b.clone()),
                Kind::Get(p) => Kind::Get(p.clone()),
            };
            std::thread::spawn(move || {
                let agent = agent();
                let mut latencies = Vec::with_capacity(per_client);
                let mut failures = 0;
                for _ in 0..per_client {
                    if start.elapsed() > TIME_LIMIT {
                        break;
                    }
                    let t = Instant::now();
                    let result = match &kind {
                        Kind::Code(code) => agent
                            .post(&url_code)
                            .header("Content-Type", "application/json")
                            .send(format!(r#"{{"code":"{code}","k":10}}"#)),
                        Kind::Image(bytes) => agent
                            .post(&url_image)
                            .header("Content-Type", "image/png")
                            .send(&bytes[..]),
                        Kind::Get(path) => agent.get(&format!("{base}{path}")).call(),
                    };
                    let ok = match result {
                        Ok(mut r) => r.status() == 200 && r.body_mut().read_to_vec().is_ok(),
                        Err(_) => false,
                    };
                    latencies.push(t.elapsed());
                    failures += usize::from(!ok);
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut stats = Stats {
        latencies: Vec::new(),
        wall: Duration::ZERO,
        failures: 0,
    };
    for t in threads {
        let (l, f) = t.join().unwrap();
        stats.latencies.extend(l);
        stats.failures += f;
    }
    stats.wall = start.elapsed();
    stats.latencies.sort();
    stats
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Ignored: a benchmark. Needs nothing but loopback; takes about a minute.
#[test]
#[ignore]
fn load_p50_p99_and_throughput() {
    let requests = env_or("LOAD_REQUESTS", 2000);
    let clients = env_or("LOAD_CLIENTS", 4);
    let items = env_or("LOAD_ITEMS", 10_000);
    let fixture = Fixture::new(6);
    let server = TestServer::spawn(big_state(&fixture, items));
    let query = png_bytes(&make_image(3, 2));
    let scenarios = [
        (
            "POST /search/code",
            Kind::Code(format_hex(&fixture.codes[5])),
        ),
        ("POST /search (64x64 PNG)", Kind::Image(query)),
        (
            "GET /items/{id}/thumbnail",
            Kind::Get("/items/7/thumbnail".into()),
        ),
        ("GET /health", Kind::Get("/health".into())),
    ];
    println!(
        "load: {items} items, 64 bits, {requests} requests per scenario, {clients} clients, loopback"
    );
    println!("| scenario | requests | p50 ms | p99 ms | requests/s |");
    println!("|---|---:|---:|---:|---:|");
    for (name, kind) in &scenarios {
        run(&server, kind, clients * 10, clients); // warm-up
        let stats = run(&server, kind, requests, clients);
        let done = stats.latencies.len();
        assert!(
            done > 0 && stats.failures == 0,
            "{name}: {} of {done} failed",
            stats.failures
        );
        assert_eq!(
            done,
            requests / clients * clients,
            "{name}: did not finish within {TIME_LIMIT:?}"
        );
        println!(
            "| {name} | {done} | {:.2} | {:.2} | {:.0} |",
            percentile(&stats.latencies, 50.0).as_secs_f64() * 1e3,
            percentile(&stats.latencies, 99.0).as_secs_f64() * 1e3,
            done as f64 / stats.wall.as_secs_f64()
        );
    }
}
