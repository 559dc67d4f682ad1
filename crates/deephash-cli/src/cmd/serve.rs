//! `deephash serve` (placeholder until its issue lands).

/// Arguments of `deephash serve`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `deephash serve`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`deephash serve` is not available yet")
}
