//! `deephash serve`: the search service and page over a trained run and its codes.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use deephash::data::ImageSource;
use deephash::{DeviceSpec, HashEncoder, Retriever, RetrieverOptions};
use deephash_serve::{
    Access, AppState, Catalog, DecodeError, EncodeError, ImageEncoder, Item, Limits, Origin, Token,
};

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
    #[cfg_attr(feature = "milvus", arg(required_unless_present = "milvus"))]
    #[cfg_attr(not(feature = "milvus"), arg(required = true))]
    pub index: Option<PathBuf>,
    /// Search in this Milvus server instead (`[http[s]://]host[:port]`), in --collection.
    #[cfg(feature = "milvus")]
    #[arg(long, value_name = "URI", requires = "collection")]
    pub milvus: Option<String>,
    /// The Milvus collection to search (filled by `deephash milvus push`).
    #[cfg(feature = "milvus")]
    #[arg(long, requires = "milvus", conflicts_with = "index")]
    pub collection: Option<String>,
    /// Address to listen on. Loopback by default; any other address needs a token
    /// (or --insecure-public).
    #[arg(long, default_value = deephash_serve::DEFAULT_ADDR)]
    pub addr: SocketAddr,
    /// File whose first line is the access token (at least 16 visible characters):
    /// every route but /health and the page's files then needs
    /// `Authorization: Bearer <token>`. The environment variable DEEPHASH_TOKEN
    /// gives the token directly instead.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Listen on a non-loopback address without a token: anyone who can reach the
    /// address can use the service.
    #[arg(long)]
    pub insecure_public: bool,
    /// Let pages of this origin (scheme://host[:port]) call the API from a browser
    /// (CORS). Off by default.
    #[arg(long, value_name = "ORIGIN")]
    pub cors_origin: Option<Origin>,
    /// Folder that relative image paths of the database are relative to.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub image_root: PathBuf,
    /// Compute device: cpu, cuda[:N] (NVIDIA) or wgpu[:N] (Vulkan, Metal, DX12).
    #[arg(long, default_value = "cpu")]
    pub device: DeviceSpec,
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
    let access = Access {
        token: token(args.token_file.as_deref())?,
        cors_origin: args.cors_origin.clone(),
        insecure_public: args.insecure_public,
    };
    access.check_bind(args.addr)?;
    let (catalog, encoder, source) = catalog_and_encoder(&args)?;
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
    let state = AppState::with_access(catalog, Arc::new(encoder), limits, access)
        .with_context(|| format!("{source} with run {}", args.run.display()))?;
    deephash_serve::run_blocking(args.addr, state, |addr| {
        println!("serving {items} items on http://{addr}/ (Ctrl-C stops)");
    })?;
    Ok(())
}

/// The access token of `--token-file` or `DEEPHASH_TOKEN` (not both), if any.
fn token(file: Option<&Path>) -> anyhow::Result<Option<Token>> {
    let from_env = std::env::var("DEEPHASH_TOKEN").ok();
    match (file, from_env) {
        (Some(_), Some(_)) => {
            anyhow::bail!("both --token-file and DEEPHASH_TOKEN give a token: unset one of them")
        }
        (Some(path), None) => Ok(Some(Token::from_file(path)?)),
        (None, Some(text)) => Ok(Some(Token::new(&text, "DEEPHASH_TOKEN")?)),
        (None, None) => Ok(None),
    }
}

/// The catalog (from the index file, or from the Milvus collection), the run's encoder, and
/// what the codes are (for errors).
fn catalog_and_encoder(args: &Args) -> anyhow::Result<(Catalog, RunEncoder, String)> {
    #[cfg(feature = "milvus")]
    if let (Some(uri), Some(name)) = (&args.milvus, &args.collection) {
        let catalog = Catalog::from_milvus(uri, name, &args.image_root)?;
        let encoder = RunEncoder::new(HashEncoder::open(&args.run, &args.device)?, args.max_pixels);
        return Ok((catalog, encoder, format!("collection `{name}` on {uri}")));
    }
    let index = args.index.clone().unwrap_or_default();
    let options = RetrieverOptions {
        device: args.device,
        image_root: args.image_root.clone(),
        kind: None,
    };
    let retriever = Retriever::open(&args.run, &index, &options)?;
    let (catalog, encoder) = service_parts(retriever, args.max_pixels)
        .with_context(|| format!("{}: cannot serve it", index.display()))?;
    Ok((catalog, encoder, index.display().to_string()))
}

/// The retriever's parts as the service's catalog (its items, codes and index) and encoder.
fn service_parts(retriever: Retriever, max_pixels: u64) -> anyhow::Result<(Catalog, RunEncoder)> {
    anyhow::ensure!(
        retriever.db().ids.is_some(),
        "the code database has no item ids (image paths): encode it with paths to serve it"
    );
    let (encoder, db, items, index) = retriever.into_parts();
    let items = items
        .into_iter()
        .map(|item| Item {
            pixels: pixels_of(&item.image),
            path: item.path,
            label: item.label,
        })
        .collect();
    let catalog = Catalog::with_index(db.codes, items, index)?;
    Ok((catalog, RunEncoder::new(encoder, max_pixels)))
}

/// The pixels of an item whose image lives in memory (a bundled data set's), for its
/// thumbnail; `None` for files, which the service reads itself.
fn pixels_of(source: &ImageSource) -> Option<Arc<image::RgbImage>> {
    let ImageSource::Memory(rgb) = source else {
        return None;
    };
    image::RgbImage::from_raw(rgb.width, rgb.height, rgb.pixels.clone()).map(Arc::new)
}

/// The run's encoder as the service's: decode with the pixel limit, then the library's
/// encoding (evaluation transform, forward pass, sign).
struct RunEncoder {
    encoder: Mutex<HashEncoder>,
    max_pixels: u64,
}

impl RunEncoder {
    fn new(encoder: HashEncoder, max_pixels: u64) -> Self {
        let encoder = Mutex::new(encoder);
        Self {
            encoder,
            max_pixels,
        }
    }
}

impl ImageEncoder for RunEncoder {
    fn bits(&self) -> usize {
        self.encoder.lock().map_or(0, |e| e.bits())
    }

    fn encode(&self, image_bytes: &[u8]) -> Result<Vec<u8>, EncodeError> {
        // The declared size first: a decompression bomb is a 413, not a corrupt image.
        deephash_serve::probe_image(image_bytes, self.max_pixels)?;
        let image = deephash::data::decode_bytes(image_bytes, Path::new("upload"), self.max_pixels)
            .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
        let encoder = self
            .encoder
            .lock()
            .map_err(|_| EncodeError::Model("model lock poisoned".into()))?;
        let code = encoder
            .encode_images(vec![image], 1)
            .map_err(|e| EncodeError::Model(error_chain(&e)))?;
        Ok(code.into_bytes())
    }
}

/// An error and its causes on one line.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}
