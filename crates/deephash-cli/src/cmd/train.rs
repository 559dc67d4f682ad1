//! `deephash train` (placeholder until its issue lands).

/// Arguments of `deephash train`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `deephash train`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`deephash train` is not available yet")
}
