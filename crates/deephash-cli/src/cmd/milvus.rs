//! `deephash milvus push|search`: codes in a Milvus server, through `deephash-milvus`.

use deephash_milvus::{PushRequest, SearchRequest};

/// `deephash milvus` subcommands.
#[derive(clap::Subcommand)]
pub enum MilvusCommand {
    /// Put a code database (or .npy codes) into a collection; re-running completes an
    /// interrupted push without duplicates.
    #[command(after_help = "Examples:\n  \
        deephash milvus push --uri http://localhost:19530 --collection photos --codes photos.dhc\n  \
        deephash milvus push --uri milvus.example.com --collection big --codes big.dhc --index ivf --nlist 4096")]
    Push(PushRequest),
    /// k-NN search of query codes in a collection.
    #[command(after_help = "Example:\n  \
        deephash milvus search --uri localhost:19530 --collection photos --queries q.npy -k 10 --filter 'label == 3' --json")]
    Search(SearchRequest),
}

/// Runs a `deephash milvus` subcommand.
pub fn run(command: MilvusCommand) -> anyhow::Result<()> {
    match command {
        MilvusCommand::Push(request) => {
            let started = std::time::Instant::now();
            let report = request.run(true)?;
            let secs = started.elapsed().as_secs_f64();
            eprintln!("{report} (`{}`, {secs:.1} s)", request.collection);
        }
        MilvusCommand::Search(request) => print!("{}", request.run()?.unwrap_or_default()),
    }
    Ok(())
}
