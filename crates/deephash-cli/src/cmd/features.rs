//! `deephash features` (placeholder until its issue lands).

/// Arguments of `deephash features`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `deephash features`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`deephash features` is not available yet")
}
