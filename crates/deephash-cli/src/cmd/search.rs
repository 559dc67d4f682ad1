//! `deephash search`: exact k-nearest-neighbour Hamming search of query codes in
//! a code database, on the CPU's fastest SIMD kernel and rayon threads.

use std::io::Write;
use std::path::{Path, PathBuf};

use deephash_codes::CodeMatrix;
use deephash_index::{IndexKind, Neighbors, open_index};

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

/// Reads query codes and checks they are non-empty and as long as the database's.
pub fn load_queries(path: &Path, db_bits: usize) -> anyhow::Result<CodeMatrix> {
    let queries = deephash_codes::read_codes(path)?;
    if queries.is_empty() {
        anyhow::bail!("{}: holds no query codes", path.display());
    }
    if queries.bits() != db_bits {
        anyhow::bail!(
            "{}: queries have {} bits but the database has {db_bits} bits",
            path.display(),
            queries.bits()
        );
    }
    Ok(queries)
}

/// Checks `1 <= k <= n` with a message naming the database file.
pub fn check_k(k: usize, n: usize, db: &Path) -> anyhow::Result<()> {
    if k == 0 || k > n {
        anyhow::bail!(
            "-k {k} is invalid: {} holds {n} codes, so k must be between 1 and {n}",
            db.display()
        );
    }
    Ok(())
}

/// A rayon pool with `threads` workers (all cores when `None`).
pub fn thread_pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    if threads == Some(0) {
        anyhow::bail!("--threads 0 is invalid: use at least 1");
    }
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()?)
}

/// Runs `deephash search`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let database = open_index(&args.db, args.index)?;
    let queries = load_queries(&args.queries, database.db.codes.bits())?;
    check_k(args.k, database.db.codes.len(), &args.db)?;
    let pool = thread_pool(args.threads)?;
    let result = pool.install(|| database.index.knn(&queries, args.k))?;
    if args.out_ids.is_none() && args.out_dist.is_none() {
        return print_table(&result, database.db.ids.as_deref());
    }
    write_outputs(&args, &result)
}

fn write_outputs(args: &Args, result: &Neighbors) -> anyhow::Result<()> {
    let shape = [result.queries() as u64, result.k as u64];
    if let Some(path) = &args.out_ids {
        deephash_codes::npy::write_npy_rows(
            path,
            &shape,
            result.ids.iter().map(|&i| i64::from(i)),
        )?;
    }
    if let Some(path) = &args.out_dist {
        deephash_codes::npy::write_npy_rows(
            path,
            &shape,
            result.distances.iter().map(|&d| i32::from(d)),
        )?;
    }
    Ok(())
}

fn print_table(result: &Neighbors, names: Option<&[String]>) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(
        out,
        "query\trank\tid\tdistance{}",
        if names.is_some() { "\tname" } else { "" }
    )?;
    for q in 0..result.queries() {
        for (rank, (&id, &d)) in result
            .ids_of(q)
            .iter()
            .zip(result.distances_of(q))
            .enumerate()
        {
            write!(out, "{q}\t{rank}\t{id}\t{d}")?;
            if let Some(names) = names {
                write!(out, "\t{}", names[id as usize])?;
            }
            writeln!(out)?;
        }
    }
    Ok(out.flush()?)
}
