//! `deephash query`: the database images most like a query image, by Hamming distance.

use std::path::PathBuf;

use deephash::{DeviceSpec, Retriever, RetrieverOptions};

/// Arguments of `deephash query`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    deephash index build --codes photos.dhc --out photos.idx\n  \
    deephash query --run runs/fmnist-64 --index photos.idx --image my-photo.jpg -k 10\n  \
    deephash query --run runs/fmnist-64 --index photos.dhc --image photos/cat.png --json\n\n\
    When --image names an image of the database (its path as stored, e.g. relative to the\n\
    encoded folder), its stored code is used directly.")]
pub struct Args {
    /// The trained run that encoded the database.
    #[arg(long, value_name = "RUN")]
    pub run: PathBuf,
    /// An index file (`deephash index build`) or a code database (`deephash encode`).
    #[arg(long, value_name = "INDEX")]
    pub index: PathBuf,
    /// The query image (JPEG or PNG).
    #[arg(long, value_name = "PHOTO")]
    pub image: PathBuf,
    /// Number of results.
    #[arg(short, long, default_value_t = 10)]
    pub k: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Compute device: cpu, cuda[:N] (NVIDIA) or wgpu[:N] (Vulkan, Metal, DX12).
    #[arg(long, default_value = "cpu")]
    pub device: DeviceSpec,
}

/// Runs `deephash query`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let options = RetrieverOptions {
        device: args.device,
        ..RetrieverOptions::default()
    };
    let retriever = Retriever::open(&args.run, &args.index, &options)?;
    let answer = retriever.query_file(&args.image, args.k)?;
    if args.json {
        println!("{}", answer.to_json(retriever.items()));
    } else {
        print!("{}", answer.table(retriever.items()));
    }
    Ok(())
}
