//! `deephash search`: exact k-nearest-neighbour Hamming search of query codes in
//! a code database, on the CPU's fastest SIMD kernel and rayon threads.

use std::io::Write;
use std::path::PathBuf;

use deephash_index::batch::{check_k, load_queries, thread_pool};
use deephash_index::{IndexKind, open_index};

/// Arguments of `deephash search`.
#[derive(clap::Args)]
pub struct Args {
    /// Database: .npy packed uint8 codes (N × bits/8), float32 embeddings
    /// (binarised by sign), a code database (.dhc) or an index file (.dhi).
    #[arg(long)]
    pub db: PathBuf,
    /// Query codes, in any of the formats --db accepts except index files.
    #[arg(long)]
    pub queries: PathBuf,
    /// Neighbours per query (1 ≤ k ≤ database size).
    #[arg(short = 'k', long)]
    pub k: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Index: `scan` or `mih`. Default: MIH for ≥ 1,000,000 codes of ≤ 128 bits, else scan
    /// (an index file's own kind when --db is one). Both are exact.
    #[arg(long, value_enum)]
    pub index: Option<IndexKind>,
    /// Write neighbour ids as int64 .npy (queries × k) instead of printing.
    #[arg(long)]
    pub out_ids: Option<PathBuf>,
    /// Write neighbour distances as int32 .npy (queries × k) instead of printing.
    #[arg(long)]
    pub out_dist: Option<PathBuf>,
}

/// Runs `deephash search`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let database = open_index(&args.db, args.index)?;
    let queries = load_queries(&args.queries, database.db.codes.bits())?;
    check_k(args.k, database.db.codes.len(), &args.db)?;
    let pool = thread_pool(args.threads)?;
    let result = pool.install(|| database.index.knn(&queries, args.k))?;
    if args.out_ids.is_none() && args.out_dist.is_none() {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        result.write_table(&mut out, database.db.ids.as_deref())?;
        return Ok(out.flush()?);
    }
    Ok(result.write_npy(args.out_ids.as_deref(), args.out_dist.as_deref())?)
}
