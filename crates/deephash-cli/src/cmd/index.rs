//! `deephash index build`: persist a search index (codes, ids, labels and, for
//! multi-index hashing, its tables) so `search`, `query` and `serve` load it fast.

use std::path::PathBuf;

use deephash_codes::CodeDb;
use deephash_index::index_file::write_index;
use deephash_index::{IndexKind, choose};

/// Index commands.
#[derive(clap::Subcommand)]
pub enum IndexCommand {
    /// Build an index file from codes (.npy or code database).
    Build(BuildArgs),
}

/// Arguments of `deephash index build`.
#[derive(clap::Args)]
pub struct BuildArgs {
    /// Codes: .npy packed uint8, float32 embeddings, or a code database (keeps its ids and labels).
    #[arg(long)]
    codes: PathBuf,
    /// Labels .npy to store with .npy codes (optional).
    #[arg(long)]
    labels: Option<PathBuf>,
    /// The index file to write (atomically).
    #[arg(long)]
    out: PathBuf,
    /// `scan` or `mih`. Default: MIH for ≥ 1,000,000 codes of ≤ 128 bits, else scan.
    #[arg(long, value_enum)]
    index: Option<IndexKind>,
}

/// Runs one index command.
pub fn run(command: IndexCommand) -> anyhow::Result<()> {
    match command {
        IndexCommand::Build(args) => build(args),
    }
}

fn build(args: BuildArgs) -> anyhow::Result<()> {
    let mut db = CodeDb::read_any(&args.codes)?;
    if db.codes.is_empty() {
        anyhow::bail!("{}: holds no codes", args.codes.display());
    }
    if let Some(path) = &args.labels {
        let labels = deephash_codes::read_labels(path)?;
        if labels.len() != db.codes.len() {
            anyhow::bail!(
                "{}: {} labels for {} codes",
                path.display(),
                labels.len(),
                db.codes.len()
            );
        }
        db.labels = Some(labels);
    }
    let kind = args
        .index
        .unwrap_or_else(|| choose(db.codes.len(), db.codes.bits()));
    write_index(&args.out, &db, kind)?;
    eprintln!(
        "wrote {} ({} index over {} codes of {} bits)",
        args.out.display(),
        kind.name(),
        db.codes.len(),
        db.codes.bits()
    );
    Ok(())
}
