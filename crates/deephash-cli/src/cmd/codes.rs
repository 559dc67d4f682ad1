//! `deephash codes merge`: one code database from the shards of a sharded encode.

use std::path::PathBuf;

/// `deephash codes` subcommands.
#[derive(clap::Subcommand)]
pub enum CodesCommand {
    /// Concatenate code databases (shards 0/N .. N-1/N of `deephash encode --shard`, in that
    /// order) into one: the file one unsharded encode writes.
    #[command(after_help = "Example:\n  \
        deephash codes merge --out photos.dhc photos-0.dhc photos-1.dhc photos-2.dhc")]
    Merge {
        /// The merged code database.
        #[arg(long, value_name = "OUT.dhc")]
        out: PathBuf,
        /// The code databases, in shard order.
        #[arg(required = true, value_name = "SHARD.dhc")]
        inputs: Vec<PathBuf>,
    },
}

/// Runs a `deephash codes` subcommand.
pub fn run(command: CodesCommand) -> anyhow::Result<()> {
    let CodesCommand::Merge { out, inputs } = command;
    let n = deephash_codes::merge_db_files_into(&inputs, &out)?;
    eprintln!(
        "merged {} files: {n} codes in {}",
        inputs.len(),
        out.display()
    );
    Ok(())
}
