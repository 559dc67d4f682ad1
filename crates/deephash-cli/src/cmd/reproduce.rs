//! `deephash reproduce` (placeholder until its issue lands).

/// Arguments of `deephash reproduce`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `deephash reproduce`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`deephash reproduce` is not available yet")
}
