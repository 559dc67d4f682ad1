//! `deephash demo` (placeholder until its issue lands).

/// Arguments of `deephash demo`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `deephash demo`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`deephash demo` is not available yet")
}
