//! `deephash index build`: persist a search index (codes, ids, labels and, for
//! multi-index hashing, its tables) so `search`, `query` and `serve` load it fast.

use std::path::PathBuf;

use deephash_index::{IndexKind, build_index_file};

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
    let labels = args.labels.as_deref();
    let built = build_index_file(&args.codes, labels, &args.out, args.index)?;
    eprintln!(
        "wrote {} ({} index over {} codes of {} bits)",
        args.out.display(),
        built.kind.name(),
        built.codes,
        built.bits
    );
    Ok(())
}
