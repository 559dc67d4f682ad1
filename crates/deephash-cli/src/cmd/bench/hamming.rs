//! `deephash bench hamming`: queries per second of exact k-NN Hamming search.
//! Files are loaded and the index built before timing; one untimed warm-up run,
//! then the best of `--reps` timed runs of the whole query batch.

use std::path::PathBuf;

use deephash_index::batch::{best_knn_seconds, check_k, load_queries, thread_pool};
use deephash_index::{IndexKind, detected_kernel, open_index};

/// Arguments of `deephash bench hamming`.
#[derive(clap::Args)]
pub struct Args {
    /// Database codes (.npy packed uint8, code database or index file).
    #[arg(long)]
    db: PathBuf,
    /// Query codes (.npy packed uint8 or code database).
    #[arg(long)]
    queries: PathBuf,
    /// Neighbours per query.
    #[arg(short = 'k', long, default_value_t = 100)]
    k: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Index to time (default: scan, the like-for-like match for faiss IndexBinaryFlat).
    #[arg(long, value_enum, default_value = "scan")]
    index: IndexKind,
    /// Timed repetitions; the best one is reported.
    #[arg(long, default_value_t = 5)]
    reps: usize,
}

/// Runs the benchmark and prints `qps=<number>` last.
pub fn run(args: Args) -> anyhow::Result<()> {
    let database = open_index(&args.db, Some(args.index))?;
    let queries = load_queries(&args.queries, database.db.codes.bits())?;
    check_k(args.k, database.db.codes.len(), &args.db)?;
    if args.reps == 0 {
        anyhow::bail!("--reps 0 is invalid: use at least 1");
    }
    let pool = thread_pool(args.threads)?;
    let index = &database.index;
    let best = best_knn_seconds(index.as_ref(), &queries, args.k, args.reps, &pool)?;
    println!(
        "deephash N={} bits={} Q={} k={} threads={} index={} kernel={} best_s={best:.6}",
        database.db.codes.len(),
        database.db.codes.bits(),
        queries.len(),
        args.k,
        pool.current_num_threads(),
        index.name(),
        detected_kernel().name(),
    );
    println!("qps={:.1}", queries.len() as f64 / best);
    Ok(())
}
