//! `deephash encode` (placeholder until its issue lands).

/// Arguments of `deephash encode`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `deephash encode`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`deephash encode` is not available yet")
}
