//! The `deephash` binary: a thin command-line layer over the library crates.

mod allocator;
mod cmd;

use clap::{Parser, Subcommand};

/// Learned binary hash codes for image retrieval: train a deep hashing network,
/// encode images to short binary codes, search them by Hamming distance and
/// measure retrieval quality honestly.
#[derive(Parser)]
#[command(name = "deephash", version, about, long_about = None)]
struct Cli {
    /// More log output (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// k-nearest-neighbour Hamming search of query codes in a code database.
    Search(cmd::search::Args),
    /// Retrieval metrics (mAP, precision@k, radius precision/recall, PR curve).
    Eval(cmd::eval::Args),
    /// Benchmarks (Hamming search, model throughput, input pipeline).
    #[command(subcommand)]
    Bench(cmd::bench::BenchCommand),
    /// Download a data set or pretrained weights, verify and unpack them.
    Fetch(cmd::fetch::Args),
    /// Pooled backbone features of every image in a folder, as a float32 .npy.
    #[cfg(feature = "ml")]
    Features(cmd::features::Args),
    /// Train a hashing model into a run directory.
    #[cfg(feature = "ml")]
    Train(cmd::train::Args),
    /// Encode images of a data set or folder into binary codes with a trained run.
    #[cfg(feature = "ml")]
    Encode(cmd::encode::Args),
    /// Build a search index from a code database.
    #[command(subcommand)]
    Index(cmd::index::IndexCommand),
    /// Code-database tools (merge the shards of a sharded encode).
    #[command(subcommand)]
    Codes(cmd::codes::CodesCommand),
    /// Codes in a Milvus server: push a code database, search it.
    #[cfg(feature = "milvus")]
    #[command(subcommand)]
    Milvus(cmd::milvus::MilvusCommand),
    /// Export a code database for another system (Milvus bulk import).
    #[cfg(feature = "milvus")]
    Export(deephash_milvus::ExportRequest),
    /// Find the images most like a query image.
    #[cfg(feature = "ml")]
    Query(cmd::query::Args),
    /// Train and evaluate on the bundled Fashion-MNIST subset, then write a report.
    #[cfg(feature = "ml")]
    Demo(cmd::demo::Args),
    /// Run the seed's configuration on CUB-200-2011 or Stanford Dogs.
    #[cfg(feature = "ml")]
    Reproduce(cmd::reproduce::Args),
    /// Serve a trained model and its code database over HTTP.
    #[cfg(feature = "ml")]
    Serve(cmd::serve::Args),
}

fn main() -> std::process::ExitCode {
    allocator::keep_freed_memory();
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match run(cli.command) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", format_error(&err));
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Search(args) => cmd::search::run(args),
        Command::Eval(args) => cmd::eval::run(args),
        Command::Bench(command) => cmd::bench::run(command),
        Command::Fetch(args) => cmd::fetch::run(args),
        #[cfg(feature = "ml")]
        Command::Features(args) => cmd::features::run(args),
        #[cfg(feature = "ml")]
        Command::Train(args) => cmd::train::run(args),
        #[cfg(feature = "ml")]
        Command::Encode(args) => cmd::encode::run(args),
        Command::Index(command) => cmd::index::run(command),
        Command::Codes(command) => cmd::codes::run(command),
        #[cfg(feature = "milvus")]
        Command::Milvus(command) => cmd::milvus::run(command),
        #[cfg(feature = "milvus")]
        Command::Export(args) => cmd::export::run(args),
        #[cfg(feature = "ml")]
        Command::Query(args) => cmd::query::run(args),
        #[cfg(feature = "ml")]
        Command::Demo(args) => cmd::demo::run(args),
        #[cfg(feature = "ml")]
        Command::Reproduce(args) => cmd::reproduce::run(args),
        #[cfg(feature = "ml")]
        Command::Serve(args) => cmd::serve::run(args),
    }
}

/// One line: the error and its causes, joined by ": ".
fn format_error(err: &anyhow::Error) -> String {
    err.chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
