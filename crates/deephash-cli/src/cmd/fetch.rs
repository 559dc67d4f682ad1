//! `deephash fetch` (placeholder until its issue lands).

/// Arguments of `deephash fetch`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `deephash fetch`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`deephash fetch` is not available yet")
}
