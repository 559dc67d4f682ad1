//! `deephash eval` (placeholder until its issue lands).

/// Arguments of `deephash eval`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `deephash eval`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`deephash eval` is not available yet")
}
