//! `deephash query`: the database images most like a query image, by Hamming distance.

use std::path::{Path, PathBuf};

use deephash::data::{DEFAULT_MAX_PIXELS, decode_file};
use deephash::{DeviceSpec, Hit, Retriever, RetrieverOptions};
use serde_json::json;

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
    let (hits, source) = match retriever.stored_row(&args.image) {
        Some(row) => {
            let code = retriever.db().codes.code(row);
            (retriever.search_code(code, args.k)?, "database")
        }
        None => {
            let image = decode_file(&args.image, DEFAULT_MAX_PIXELS)?;
            (retriever.search_image(image, args.k)?, "image")
        }
    };
    if args.json {
        println!("{}", to_json(&args, &retriever, source, &hits));
    } else {
        print!("{}", table(&args.image, &retriever, source, &hits));
    }
    Ok(())
}

fn table(image: &Path, retriever: &Retriever, source: &str, hits: &[Hit]) -> String {
    let mut out = format!(
        "query: {} (code from the {source})\nrank  distance  label  path\n",
        image.display()
    );
    for (rank, h) in hits.iter().enumerate() {
        let item = retriever.item(h.row);
        out.push_str(&format!(
            "{:>4}  {:>8}  {:>5}  {}\n",
            rank + 1,
            h.distance,
            item.label.as_deref().unwrap_or_default(),
            item.id
        ));
    }
    out
}

fn to_json(args: &Args, retriever: &Retriever, source: &str, hits: &[Hit]) -> serde_json::Value {
    let results: Vec<_> = hits
        .iter()
        .enumerate()
        .map(|(rank, h)| {
            let item = retriever.item(h.row);
            json!({"rank": rank + 1, "distance": h.distance, "path": item.id,
                   "label": item.label.as_deref().unwrap_or_default()})
        })
        .collect();
    json!({
        "query": args.image.display().to_string(),
        "code_from": source,
        "bits": retriever.bits(),
        "k": args.k,
        "results": results,
    })
}
