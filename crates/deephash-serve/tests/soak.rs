//! A soak test at saturation on loopback: client threads mix image and code
//! searches as fast as the service answers, for a fixed time, against an
//! in-process server with a stand-in encoder. Reports p50/p99 latency,
//! throughput, errors (503s counted apart: they are the queue's deliberate
//! answer) and the process's resident memory after warm-up and at the end.
//! Ignored by default: `scripts/soak_serve.sh` (10 minutes) or
//! `SOAK_SECONDS=60 cargo test -p deephash-serve --test soak -- --ignored --nocapture`.
//! Knobs: `SOAK_SECONDS` (default 600), `SOAK_CLIENTS` (default 8), `SOAK_ITEMS`
//! (default 10000), `SOAK_WARMUP_SECONDS` (default 30, not measured). Goal:
//! memory growth at most 10 % from after the warm-up to the end, no error but 503s.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::fixtures::{Fixture, make_image, png_bytes};
use common::{FakeEncoder, TestServer, heap, http};
use deephash_codes::CodeMatrix;
use deephash_serve::{AppState, Catalog, Item, Limits, format_hex};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[global_allocator]
static ALLOC: heap::Counting = heap::Counting;

/// Memory of this process (server and clients) at one moment, and the TCP
/// sockets to the server's port (a client that opened a connection per request
/// would leave thousands in TIME_WAIT).
#[derive(Clone, Copy, Debug)]
struct Sample {
    rss_kib: u64,
    heap: heap::HeapSample,
    malloc: Option<heap::MallocSample>,
    sockets: usize,
    threads: usize,
}

fn sample(port: u16) -> Sample {
    Sample {
        rss_kib: heap::rss_kib(),
        heap: heap::sample(),
        malloc: heap::malloc_sample(),
        sockets: sockets_on(port),
        threads: std::fs::read_dir("/proc/self/task").map_or(0, Iterator::count),
    }
}

/// TCP sockets (IPv4, any state) with `port` at either end.
fn sockets_on(port: u16) -> usize {
    let hex = format!(":{port:04X} ");
    std::fs::read_to_string("/proc/net/tcp")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(&hex))
        .count()
}

fn print_sample(second: u64, s: &Sample) {
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    let malloc = s.malloc.map_or(String::from("-"), |m| {
        format!(
            "arena {:.1} free {:.1} mapped {:.1}",
            mib(m.arena),
            mib(m.free),
            mib(m.mapped)
        )
    });
    println!(
        "t={second:>4} s  RSS {:.1} MiB  live heap {:.2} MiB in {} blocks  allocations {}  malloc: {malloc}  sockets {}  threads {}",
        s.rss_kib as f64 / 1024.0,
        mib(s.heap.live_bytes),
        s.heap.live_blocks,
        s.heap.allocations,
        s.sockets,
        s.threads,
    );
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

/// Latencies counted in fixed buckets (10 µs wide up to 20 ms, 1 ms wide up to
/// 20 s), so that recording them takes no memory per request: a growing list
/// of latencies would itself look like a leak in a soak test.
struct Histogram {
    counts: Vec<u64>,
}

const FINE: u64 = 2_000; // 10 µs buckets below 20 ms
const COARSE: u64 = 20_000; // 1 ms buckets below 20 s

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: vec![0; (FINE + COARSE + 1) as usize],
        }
    }
}

impl Histogram {
    fn record(&mut self, latency: Duration) {
        let us = latency.as_micros() as u64;
        let bucket = if us < FINE * 10 {
            us / 10
        } else {
            (FINE + us / 1000 - 20).min(FINE + COARSE)
        };
        self.counts[bucket as usize] += 1;
    }

    fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    fn len(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The upper edge of the bucket holding the `p`-th percentile, in ms.
    fn percentile_ms(&self, p: f64) -> f64 {
        let rank = ((p / 100.0) * self.len() as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (bucket, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let b = bucket as u64;
                return if b < FINE {
                    (b + 1) as f64 * 0.01
                } else {
                    (b - FINE + 21) as f64
                };
            }
        }
        f64::INFINITY
    }
}

#[derive(Default)]
struct Tally {
    latencies: Histogram,
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
        let agent = http::steady_agent();
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
                        200 if read => tally.latencies.record(start.elapsed()),
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

/// Runs the clients for `duration`, sampling memory every 10 s (and printing
/// each sample as it is taken); all answers merged, and the samples.
fn saturate(
    server: &TestServer,
    clients: u64,
    duration: Duration,
) -> (Tally, Duration, Vec<Sample>) {
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let threads: Vec<_> = (0..clients as usize)
        .map(|seed| client(server, seed, stop.clone()))
        .collect();
    let port = server.addr.port();
    let mut samples = vec![sample(port)];
    print_sample(0, &samples[0]);
    while start.elapsed() < duration {
        let left = duration.saturating_sub(start.elapsed());
        std::thread::sleep(left.min(Duration::from_secs(10)));
        samples.push(sample(port));
        print_sample(start.elapsed().as_secs(), samples.last().unwrap());
    }
    stop.store(true, Ordering::Relaxed);
    let mut all = Tally::default();
    for t in threads {
        let tally = t.join().unwrap();
        all.latencies.merge(&tally.latencies);
        all.busy += tally.busy;
        all.errors += tally.errors;
    }
    (all, start.elapsed(), samples)
}

#[test]
#[ignore]
fn soak_at_saturation_holds_memory_and_answers() {
    let seconds = env_or("SOAK_SECONDS", 600);
    let clients = env_or("SOAK_CLIENTS", 8);
    let items = env_or("SOAK_ITEMS", 10_000) as usize;
    let fixture = Fixture::new(6);
    let server = TestServer::spawn(state(&fixture, items));
    // One continuous run; the first `warm_up` seconds are not measured for memory:
    // thread pools, connection pools and the allocator's per-thread arenas reach
    // their working size in them.
    let warm_up = env_or("SOAK_WARMUP_SECONDS", 30).div_ceil(10) * 10;
    let (tally, wall, samples) = saturate(&server, clients, Duration::from_secs(warm_up + seconds));
    let measured = &samples[(warm_up / 10) as usize..];
    let (rss_start, rss_end) = (measured[0].rss_kib, measured.last().unwrap().rss_kib);
    let mib: Vec<String> = measured
        .iter()
        .map(|s| format!("{:.1}", s.rss_kib as f64 / 1024.0))
        .collect();
    println!(
        "RSS every 10 s after a {warm_up} s warm-up (MiB): {}",
        mib.join(" ")
    );
    let done = tally.latencies.len();
    let growth = (rss_end as f64 / rss_start.max(1) as f64 - 1.0) * 100.0;
    println!(
        "soak: {warm_up} s warm-up + {seconds} s, {clients} clients, {items} items, image and code \
         searches alternating (latencies and throughput over the whole run)"
    );
    println!(
        "| answered 200 | 503 (queue full) | errors | p50 ms | p99 ms | requests/s | RSS start MiB | RSS end MiB | growth |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {done} | {} | {} | {:.2} | {:.2} | {:.0} | {:.1} | {:.1} | {growth:+.1} % |",
        tally.busy,
        tally.errors,
        tally.latencies.percentile_ms(50.0),
        tally.latencies.percentile_ms(99.0),
        done as f64 / wall.as_secs_f64(),
        rss_start as f64 / 1024.0,
        rss_end as f64 / 1024.0,
    );
    assert!(done > 0, "no request answered");
    assert_eq!(tally.errors, 0, "errors other than 503");
    assert!(growth <= 10.0, "resident memory grew {growth:.1} %");
}
