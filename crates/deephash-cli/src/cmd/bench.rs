//! `deephash bench …`: speed measurements. Each benchmark lives in its own
//! module under `bench/`; add a variant and a module to add one.

pub mod hamming;
#[cfg(feature = "ml")]
pub mod model;
pub mod pipeline;

/// The benchmarks.
#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Exact Hamming k-NN search speed on code files; last line `qps=<number>`.
    Hamming(hamming::Args),
    /// Input pipeline speed (decode, resize, crop, normalise); last line `img_per_s=<number>`.
    Pipeline(pipeline::Args),
    /// Network throughput (inference or one training step); last line `img_per_s=<number>`.
    #[cfg(feature = "ml")]
    Model(model::Args),
}

/// Runs one benchmark.
pub fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Hamming(args) => hamming::run(args),
        BenchCommand::Pipeline(args) => pipeline::run(args),
        #[cfg(feature = "ml")]
        BenchCommand::Model(args) => model::run(args),
    }
}
