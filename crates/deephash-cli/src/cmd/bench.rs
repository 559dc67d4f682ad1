//! `deephash bench …`: speed measurements. Each subcommand lives in its own module.

/// The benchmarks.
#[derive(clap::Subcommand)]
pub enum BenchCommand {}

/// Runs one benchmark.
pub fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {}
}
