//! `deephash index …` (placeholder until its issue lands).

/// Index commands.
#[derive(clap::Subcommand)]
pub enum IndexCommand {}

/// Runs one index command.
pub fn run(command: IndexCommand) -> anyhow::Result<()> {
    match command {}
}
