//! Criterion benchmarks: k-NN by linear scan (each kernel, 64- and 256-bit
//! codes) and by multi-index hashing, on uniform and clustered 64-bit codes. Run with
//! `cargo bench -p deephash-index --bench hamming`.

use criterion::{Criterion, criterion_group, criterion_main};
use deephash_codes::CodeMatrix;
use deephash_index::{HammingIndex, Kernel, LinearScan, MultiIndexHashing};

/// A small deterministic generator (xorshift64*), so benches need no extra crate.
fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed | 1;
    move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        s.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// `n` uniform random codes of `bits` bits (a multiple of 64).
fn uniform(n: usize, bits: usize, seed: u64) -> CodeMatrix {
    let mut r = rng(seed);
    let words = n * bits / 64;
    CodeMatrix::from_packed(bits, (0..words).flat_map(|_| r().to_le_bytes()).collect()).unwrap()
}

/// Codes around the same 1,000 random centres (for any seed) with about 4 of 64 bits flipped.
fn clustered(n: usize, seed: u64) -> CodeMatrix {
    let mut centre_rng = rng(99);
    let centres: Vec<u64> = (0..1000).map(|_| centre_rng()).collect();
    let mut r = rng(seed);
    let codes = (0..n).flat_map(|_| {
        let c = centres[(r() % 1000) as usize];
        let noise = r() & r() & r() & r();
        (c ^ noise).to_le_bytes()
    });
    CodeMatrix::from_packed(64, codes.collect()).unwrap()
}

fn bench_scan(c: &mut Criterion) {
    for bits in [64, 256] {
        let db = uniform(200_000, bits, 1);
        let queries = uniform(64, bits, 2);
        let mut group = c.benchmark_group(format!("scan_200k_{bits}bit_k100"));
        for kernel in Kernel::available() {
            let index = LinearScan::new(&db).unwrap().with_kernel(kernel);
            group.bench_function(kernel.name(), |b| {
                b.iter(|| index.knn(&queries, 100).unwrap())
            });
        }
        group.finish();
    }
}

fn bench_mih(c: &mut Criterion) {
    let db = clustered(200_000, 3);
    let queries = clustered(64, 4);
    let mut group = c.benchmark_group("clustered_200k_64bit_k100");
    let scan = LinearScan::new(&db).unwrap();
    let mih = MultiIndexHashing::new(&db).unwrap();
    group.bench_function("scan", |b| b.iter(|| scan.knn(&queries, 100).unwrap()));
    group.bench_function("mih", |b| b.iter(|| mih.knn(&queries, 100).unwrap()));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench_scan, bench_mih
}
criterion_main!(benches);
