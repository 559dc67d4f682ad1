//! Backbone features of an image source (eval mode), and their on-disk cache so that
//! repeated frozen-mode runs skip the backbone entirely.
//!
//! Cache file: a JSON header line `{"key":…,"rows":…,"dim":…}` followed by `rows * dim`
//! little-endian f32 values; a file whose header or size does not match is recomputed.

use std::io::Write;
use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};
use deephash_model::Backbone;
use deephash_model::feature_power::signed_power;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::TrainError;
use crate::atomic;
use crate::source::ImageSource;

/// A `rows x dim` matrix of features, row-major.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeatureTable {
    /// Feature width.
    pub dim: usize,
    /// Row-major values.
    pub values: Vec<f32>,
}

impl FeatureTable {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.values.len() / self.dim.max(1)
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.dim..(i + 1) * self.dim]
    }

    /// Every value mapped to `sign(x) |x|^power` ([`deephash_model::feature_power`]; the
    /// table as it is for power 1).
    pub fn signed_power(&self, power: f32) -> FeatureTable {
        FeatureTable {
            dim: self.dim,
            values: self
                .values
                .iter()
                .map(|&v| signed_power(v, power))
                .collect(),
        }
    }

    /// The rows `indices` as a `[n, dim]` tensor on `device`.
    pub fn gather(&self, indices: &[usize], device: &Device) -> Tensor<2> {
        let mut out = Vec::with_capacity(indices.len() * self.dim);
        for &i in indices {
            out.extend_from_slice(self.row(i));
        }
        Tensor::from_data(TensorData::new(out, [indices.len(), self.dim]), device)
    }
}

/// Features of every image of `source` through `backbone` in eval mode (its inference form,
/// built once for all batches), in batches of `batch`, with the augmentation of `augment`
/// when given.
pub fn extract_features(
    backbone: &Backbone,
    source: &dyn ImageSource,
    augment: Option<u64>,
    batch: usize,
    device: &Device,
    progress: &ProgressBar,
) -> Result<FeatureTable, TrainError> {
    let n = source.len();
    let backbone = backbone.inference();
    let mut table = FeatureTable::default();
    let indices: Vec<usize> = (0..n).collect();
    for (chunk_no, chunk) in indices.chunks(batch.max(1)).enumerate() {
        let seed = augment.map(|s| s ^ (chunk_no as u64).wrapping_mul(0x9E37_79B9));
        let (pixels, shape) = source.pixels(chunk, seed)?;
        let x = Tensor::<4>::from_data(TensorData::new(pixels, shape), device);
        let f = backbone.features(x);
        table.dim = f.dims()[1];
        let values = f
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| TrainError::Config(format!("reading features: {e:?}")))?;
        table.values.extend(values);
        progress.inc(chunk.len() as u64);
    }
    Ok(table)
}

/// A progress bar for feature extraction of `n` images (hidden when `quiet`).
pub fn feature_bar(n: usize, what: &str, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(n as u64);
    if quiet {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{msg} {pos}/{len} {bar:30} {per_sec} {eta}")
            .expect("valid template"),
    );
    bar.set_message(what.to_string());
    bar
}

/// Reads a cached table written with the same `key`; `None` when absent or stale.
pub fn read_cache(path: &Path, key: &str) -> Option<FeatureTable> {
    let bytes = std::fs::read(path).ok()?;
    let newline = bytes.iter().position(|&b| b == b'\n')?;
    let header: serde_json::Value = serde_json::from_slice(&bytes[..newline]).ok()?;
    if header["key"].as_str()? != key {
        return None;
    }
    let rows = header["rows"].as_u64()? as usize;
    let dim = header["dim"].as_u64()? as usize;
    let body = &bytes[newline + 1..];
    if body.len() != rows * dim * 4 {
        tracing::warn!(path = %path.display(), "feature cache has the wrong size; recomputing");
        return None;
    }
    let values = body
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Some(FeatureTable { dim, values })
}

/// Writes `table` to the cache file `path` (atomically) under `key`.
pub fn write_cache(path: &Path, key: &str, table: &FeatureTable) -> Result<(), TrainError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| TrainError::io(dir, e))?;
    }
    let header = serde_json::json!({"key": key, "rows": table.rows(), "dim": table.dim});
    let mut bytes = Vec::with_capacity(table.values.len() * 4 + 128);
    writeln!(bytes, "{header}").expect("write to vec");
    for v in &table.values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    atomic::write(path, &bytes)
}

/// Cached features: read `path` when it holds `key`, otherwise compute and store them.
pub fn cached_features(
    path: &Path,
    key: &str,
    compute: impl FnOnce() -> Result<FeatureTable, TrainError>,
) -> Result<FeatureTable, TrainError> {
    if let Some(table) = read_cache(path, key) {
        tracing::info!(path = %path.display(), "feature cache hit");
        return Ok(table);
    }
    let table = compute()?;
    write_cache(path, key, &table)?;
    Ok(table)
}
