//! `deephash serve`: the search service and page over a trained run and its codes.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use deephash_codes::{CodeDb, CodeMatrix};
use deephash_index::index_file::{is_index_file, read_index};
use deephash_index::{build, choose};
use deephash_serve::{
    AppState, Catalog, DecodeError, EncodeError, ImageEncoder, IndexSearcher, Limits, items_of,
};
use deephash_train::TrainedModel;

use super::workflow::{embed_images, load_model};

/// Arguments of `deephash serve`.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  deephash serve --run runs/fashion64 --index codes/train.dhdb\n  \
    then open http://127.0.0.1:8080/ (API: /openapi.json)"
)]
pub struct Args {
    /// The trained run that encoded the database (its model encodes uploaded images).
    #[arg(long, value_name = "RUN")]
    pub run: PathBuf,
    /// An index file (`deephash index build`) or a code database (`deephash encode`)
    /// with item ids (image paths).
    #[arg(long, value_name = "INDEX")]
    pub index: PathBuf,
    /// Address to listen on. Loopback by default; the service has no authentication.
    #[arg(long, default_value = deephash_serve::DEFAULT_ADDR)]
    pub addr: SocketAddr,
    /// Folder that relative image paths of the database are relative to.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub image_root: PathBuf,
    /// Compute device: cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Largest upload in MiB.
    #[arg(long, default_value_t = 16)]
    pub max_upload_mib: usize,
    /// Largest image in pixels (decompression-bomb guard).
    #[arg(long, default_value_t = 40_000_000)]
    pub max_pixels: u64,
    /// Uploaded images waiting for the model beyond those being encoded; more get 503.
    #[arg(long, default_value_t = 64)]
    pub queue: usize,
    /// Request deadline in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout_s: u64,
    /// Largest k a query may ask for.
    #[arg(long, default_value_t = 1000)]
    pub max_k: usize,
}

/// Runs `deephash serve`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let catalog = open_catalog(&args.index, &args.image_root)?;
    let model = load_model(&args.run, &args.device)?;
    let encoder = ModelEncoder {
        model: Mutex::new(model),
        max_pixels: args.max_pixels,
    };
    let limits = Limits {
        max_upload_bytes: args.max_upload_mib << 20,
        max_pixels: args.max_pixels,
        // The model runs one image at a time (it holds a lock); burn uses the cores.
        max_concurrent_inference: 1,
        max_queued_inference: args.queue,
        request_timeout: Duration::from_secs(args.timeout_s),
        max_k: args.max_k,
        ..Limits::default()
    };
    let items = catalog.len();
    let state = AppState::new(catalog, Arc::new(encoder), limits)
        .with_context(|| format!("{} with run {}", args.index.display(), args.run.display()))?;
    deephash_serve::run_blocking(args.addr, state, |addr| {
        println!("serving {items} items on http://{addr}/ (Ctrl-C stops)");
    })?;
    Ok(())
}

/// The database, its items and a search structure from an index file or a code database.
fn open_catalog(path: &Path, image_root: &Path) -> anyhow::Result<Catalog> {
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(path)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 16), &mut head))
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let catalog = if is_index_file(&head) {
        Catalog::from_index(read_index(path)?, image_root, None)
    } else {
        let db = CodeDb::read(path)?;
        anyhow::ensure!(
            !db.codes.is_empty(),
            "{}: the code database is empty",
            path.display()
        );
        let index = build(choose(db.codes.len(), db.codes.bits()), &db.codes)?;
        let items = items_of(&db, image_root, None)?;
        Catalog::with_searcher(
            Arc::new(db.codes),
            items,
            Box::new(IndexSearcher::new(index)),
        )
    };
    catalog.with_context(|| format!("{}: cannot serve it", path.display()))
}

/// The trained model as the service's encoder: decode with the pixel limit,
/// evaluation transform, forward pass, sign.
struct ModelEncoder {
    model: Mutex<TrainedModel>,
    max_pixels: u64,
}

impl ImageEncoder for ModelEncoder {
    fn bits(&self) -> usize {
        self.model.lock().map_or(0, |m| m.bits())
    }

    fn encode(&self, image_bytes: &[u8]) -> Result<Vec<u8>, EncodeError> {
        let image = deephash_data::decode_bytes(image_bytes, Path::new("upload"), self.max_pixels)
            .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
        let model = self
            .model
            .lock()
            .map_err(|_| EncodeError::Model("model lock poisoned".into()))?;
        let values = embed_images(&model, vec![image], 1)
            .map_err(|e| EncodeError::Model(format!("{e:#}")))?;
        let code = CodeMatrix::from_signs(&values, model.bits())
            .map_err(|e| EncodeError::Model(e.to_string()))?;
        Ok(code.into_bytes())
    }
}
