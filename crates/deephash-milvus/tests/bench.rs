//! Figures for docs/scale.md (ignored: run by hand):
//!
//! ```sh
//! scripts/milvus-server.sh
//! cargo test --release -p deephash-milvus --test bench -- --ignored --nocapture
//! ```
//!
//! Pushes `DEEPHASH_MILVUS_BENCH_N` (default 1,000,000) random 64-bit codes into a local Milvus
//! Lite server (`BIN_FLAT`), then times single-query and batched k-NN at k = 10 and 100 in
//! Milvus and with deephash's own exact scan on the same codes (one thread and the rayon
//! pool), checking that the distances agree.

mod common;

use std::time::Instant;

use common::{Server, random_codes};
use deephash_codes::CodeMatrix;
use deephash_index::{HammingIndex, LinearScan};
use deephash_milvus::{MilvusClient, PushItems, PushOptions, SearchOptions};

fn median_ms(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2] * 1e3
}

#[test]
#[ignore = "benchmark: minutes; run by hand for docs/scale.md"]
fn insert_rate_and_query_latency_beside_the_own_scan() {
    let n: usize = std::env::var("DEEPHASH_MILVUS_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let server = Server::start();
    let client = MilvusClient::connect(&server.uri()).unwrap();
    let codes = random_codes(n, 64, 11);
    let items = PushItems::new(codes.clone());
    let t = Instant::now();
    client
        .push("bench", &items, &PushOptions::default())
        .unwrap();
    let push_s = t.elapsed().as_secs_f64();
    println!(
        "N = {n} 64-bit codes: push {push_s:.1} s = {:.0} codes/s",
        n as f64 / push_s
    );

    let queries = random_codes(200, 64, 12);
    let scan = LinearScan::new(&codes).unwrap();
    let pool1 = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let opts = SearchOptions::default();
    for k in [10, 100] {
        let mut milvus_single = Vec::new();
        let mut scan_single = Vec::new();
        for q in 0..100 {
            let one = CodeMatrix::from_packed(64, queries.code(q).to_vec()).unwrap();
            let t = Instant::now();
            let got = client.search("bench", &one, k, &opts).unwrap();
            milvus_single.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let want = pool1.install(|| scan.knn(&one, k).unwrap());
            scan_single.push(t.elapsed().as_secs_f64());
            let got_d: Vec<u16> = got[0].iter().map(|h| h.distance as u16).collect();
            assert_eq!(got_d, want.distances_of(0), "query {q}, k {k}");
        }
        let t = Instant::now();
        client.search("bench", &queries, k, &opts).unwrap();
        let milvus_batch = t.elapsed().as_secs_f64();
        let t = Instant::now();
        pool1.install(|| scan.knn(&queries, k).unwrap());
        let scan_batch = t.elapsed().as_secs_f64();
        println!(
            "k = {k}: one query per call, median: Milvus {:.2} ms, deephash scan (1 thread) {:.2} ms; \
             200 queries in one call: Milvus {:.0} qps, deephash scan (1 thread) {:.0} qps",
            median_ms(milvus_single),
            median_ms(scan_single),
            200.0 / milvus_batch,
            200.0 / scan_batch
        );
    }
}
