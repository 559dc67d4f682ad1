//! Times `evaluate` alone (no process start, no file reading) on four .npy files:
//! `cargo run --release -p deephash-metrics --example eval_files -- QC QL DC DL [REPEATS]`.
//! A development aid for the kernel; the benchmark of record is scripts/bench_eval.sh.

use std::path::Path;
use std::time::Instant;

use deephash_codes::{read_codes, read_labels};
use deephash_metrics::{EvalConfig, evaluate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        return Err(
            "usage: eval_files QUERY_CODES QUERY_LABELS DB_CODES DB_LABELS [REPEATS]".into(),
        );
    }
    let q = read_codes(Path::new(&args[0]))?;
    let ql = read_labels(Path::new(&args[1]))?;
    let db = read_codes(Path::new(&args[2]))?;
    let dl = read_labels(Path::new(&args[3]))?;
    let repeats: usize = args.get(4).map_or(Ok(5), |r| r.parse())?;
    let mut best = f64::INFINITY;
    for _ in 0..repeats {
        let start = Instant::now();
        let report = evaluate(&q, &ql, &db, &dl, &EvalConfig::default())?;
        best = best.min(start.elapsed().as_secs_f64());
        println!(
            "map={:.6} map_tie_aware={:.6}",
            report.map, report.map_tie_aware
        );
    }
    println!(
        "best of {repeats}: {best:.4} s for {} x {} pairs",
        q.len(),
        db.len()
    );
    Ok(())
}
