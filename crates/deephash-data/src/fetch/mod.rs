//! `deephash fetch`: download a data set or pretrained weights, verify, unpack, check the layout.

pub mod assets;
#[cfg(feature = "fetch")]
pub mod download;
pub mod extract;
pub mod verify;

pub use assets::{Asset, Checksum, FetchTarget};
pub use extract::extract_tar;
pub use verify::verify_file;

/// Environment variable replacing the official servers: each file is fetched from
/// `$DEEPHASH_FETCH_BASE_URL/<file name>` (mirrors, and the tests' loopback server).
pub const BASE_URL_ENV: &str = "DEEPHASH_FETCH_BASE_URL";

/// Options of a fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Where files go (archives are unpacked here too).
    pub dir: std::path::PathBuf,
    /// Replaces the official servers (see [`BASE_URL_ENV`]).
    pub base_url: Option<String>,
    /// No progress bars.
    pub quiet: bool,
}

impl FetchOptions {
    /// The mirror to fetch from: `explicit` when given, else a non-empty [`BASE_URL_ENV`],
    /// else none (the official servers).
    pub fn base_url_or_env(explicit: Option<String>) -> Option<String> {
        explicit.or_else(|| std::env::var(BASE_URL_ENV).ok().filter(|s| !s.is_empty()))
    }
}

/// The address of `asset`: the official one, or `base/<file>`.
pub fn asset_url(asset: &Asset, base: Option<&str>) -> String {
    match base {
        Some(b) => format!("{}/{}", b.trim_end_matches('/'), asset.file),
        None => asset.url.to_string(),
    }
}

/// Downloads (resuming partial files), verifies and, for data sets, unpacks every file of `target`
/// into `opts.dir`, then checks the data set's layout by loading it. A file already present and
/// verified is not downloaded again. Returns the folder to pass as `--data-dir` (or the weights
/// file).
#[cfg(feature = "fetch")]
pub fn fetch(target: FetchTarget, opts: &FetchOptions) -> crate::Result<std::path::PathBuf> {
    let last = fetch_assets(&target.assets(), opts)?;
    match target {
        FetchTarget::Cub => crate::cub::load_cub(&opts.dir).map(|d| d.root),
        FetchTarget::Dogs => crate::dogs::load_dogs(&opts.dir).map(|d| d.root),
        FetchTarget::Resnet18 | FetchTarget::Resnet50 => Ok(last),
    }
}

/// Downloads, verifies and unpacks `assets` into `opts.dir` (see [`fetch`]); returns the path of the
/// last file. A file that fails verification is deleted, so the next run starts it afresh.
#[cfg(feature = "fetch")]
pub fn fetch_assets(assets: &[Asset], opts: &FetchOptions) -> crate::Result<std::path::PathBuf> {
    use crate::error::DataError;
    let dir = &opts.dir;
    std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    let mut last = dir.clone();
    for asset in assets {
        let dest = dir.join(asset.file);
        if !(dest.is_file() && verify_file(&dest, asset.size, asset.checksum).is_ok()) {
            let part = dir.join(format!("{}.part", asset.file));
            let url = asset_url(asset, opts.base_url.as_deref());
            tracing::info!("downloading {url}");
            download::download(&url, &part, asset.size, opts.quiet)?;
            if let Err(e) = verify_file(&part, asset.size, asset.checksum) {
                let _ = std::fs::remove_file(&part);
                return Err(DataError::Download {
                    url,
                    message: format!("{e}; the partial file was deleted, run again"),
                });
            }
            std::fs::rename(&part, &dest).map_err(|e| DataError::io(&dest, e))?;
        }
        if asset.archive {
            tracing::info!("unpacking {}", dest.display());
            extract_tar(&dest, dir)?;
        }
        last = dest;
    }
    Ok(last)
}
