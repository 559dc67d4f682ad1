//! A soak test at saturation on loopback: client threads mix image and code
//! searches as fast as the service answers, for a fixed time, against an
//! in-process server with a stand-in encoder. Reports p50/p99 latency,
//! throughput, errors (503s counted apart: they are the queue's deliberate
//! answer) and the process's resident memory after warm-up and at the end.
//! Ignored by default: `scripts/soak_serve.sh` (10 minutes) or
//! `SOAK_SECONDS=60 cargo test -p deephash-serve --test soak -- --ignored --nocapture`.
//! Knobs: `SOAK_SECONDS` (default 600), `SOAK_CLIENTS` (default 8), `SOAK_ITEMS`
//! (default 10000). Goal: memory growth at most 10 %, no error but 503s.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::fixtures::{Fixture, make_image, png_bytes};
use common::http::agent;
use common::{FakeEncoder, TestServer};
use deephash_codes::CodeMatrix;
use deephash_serve::{AppState, Catalog, Item, Limits, format_hex};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Resident memory of this process (server and clients), in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn state(fixture: &Fixture, n: usize) -> Arc<AppState> {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut packed = Vec::with_capacity(n * 8);
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        packed.extend_from_slice(&x.to_be_bytes());
    }
    let items = (0..n)
        .map(|i| Item::file(fixture.paths[i % fixture.paths.len()].clone(), None))
        .collect();
    let catalog = Catalog::new(CodeMatrix::from_packed(64, packed).unwrap(), items).unwrap();
    let limits = Limits {
        max_concurrent_inference: 2,
        max_queued_inference: 8,
        ..Limits::default()
    };
    let (encoder, _gate) = FakeEncoder::new(limits.max_pixels);
    AppState::new(catalog, Arc::new(encoder), limits).unwrap()
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    busy: u64,
    errors: u64,
}

/// One client: alternates image and code searches until `stop`.
fn client(
    server: &TestServer,
    seed: usize,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Tally> {
    let image_url = server.url("/search?k=10");
    let code_url = server.url("/search/code");
    let png = png_bytes(&make_image(seed % 5, seed % 7));
    let code = format_hex(&[seed as u8; 8]);
    std::thread::spawn(move || {
        let agent = agent();
        let mut tally = Tally::default();
        let mut i = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let start = Instant::now();
            let result = if i.is_multiple_of(2) {
                agent
                    .post(&image_url)
                    .header("Content-Type", "image/png")
                    .send(&png[..])
            } else {
                agent
                    .post(&code_url)
                    .header("Content-Type", "application/json")
                    .send(format!(r#"{{"code":"{code}","k":10}}"#))
            };
            match result {
                Ok(mut r) => {
                    let read = r.body_mut().read_to_vec().is_ok();
                    match r.status().as_u16() {
                        200 if read => tally.latencies.push(start.elapsed()),
                        503 => tally.busy += 1,
                        _ => tally.errors += 1,
                    }
                }
                Err(_) => tally.errors += 1,
            }
            i += 1;
        }
        tally
    })
}

/// Runs the clients for `duration`; all answers merged.
fn saturate(server: &TestServer, clients: u64, duration: Duration) -> (Tally, Duration) {
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let threads: Vec<_> = (0..clients as usize)
        .map(|seed| client(server, seed, stop.clone()))
        .collect();
    std::thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    let mut all = Tally::default();
    for t in threads {
        let tally = t.join().unwrap();
        all.latencies.extend(tally.latencies);
        all.busy += tally.busy;
        all.errors += tally.errors;
    }
    all.latencies.sort();
    (all, start.elapsed())
}

fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1e3
}

#[test]
#[ignore]
fn soak_at_saturation_holds_memory_and_answers() {
    let seconds = env_or("SOAK_SECONDS", 600);
    let clients = env_or("SOAK_CLIENTS", 8);
    let items = env_or("SOAK_ITEMS", 10_000) as usize;
    let fixture = Fixture::new(6);
    let server = TestServer::spawn(state(&fixture, items));
    saturate(&server, clients, Duration::from_secs(5)); // warm-up: caches, pools
    let rss_start = rss_kib();
    let (tally, wall) = saturate(&server, clients, Duration::from_secs(seconds));
    let rss_end = rss_kib();
    let done = tally.latencies.len();
    let growth = (rss_end as f64 / rss_start.max(1) as f64 - 1.0) * 100.0;
    println!(
        "soak: {seconds} s, {clients} clients, {items} items, image and code searches alternating"
    );
    println!(
        "| answered 200 | 503 (queue full) | errors | p50 ms | p99 ms | requests/s | RSS start MiB | RSS end MiB | growth |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {done} | {} | {} | {:.2} | {:.2} | {:.0} | {:.1} | {:.1} | {growth:+.1} % |",
        tally.busy,
        tally.errors,
        percentile_ms(&tally.latencies, 50.0),
        percentile_ms(&tally.latencies, 99.0),
        done as f64 / wall.as_secs_f64(),
        rss_start as f64 / 1024.0,
        rss_end as f64 / 1024.0,
    );
    assert!(done > 0, "no request answered");
    assert_eq!(tally.errors, 0, "errors other than 503");
    assert!(growth <= 10.0, "resident memory grew {growth:.1} %");
}
