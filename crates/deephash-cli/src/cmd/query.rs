//! `deephash query` (placeholder until its issue lands).

/// Arguments of `deephash query`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `deephash query`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`deephash query` is not available yet")
}
