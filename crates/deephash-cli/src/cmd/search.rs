//! `deephash search` (placeholder until its issue lands).

/// Arguments of `deephash search`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `deephash search`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`deephash search` is not available yet")
}
