//! Pooled backbone features of image files (what `deephash features` writes): a pretrained
//! backbone, its evaluation transform, no hash head.

use std::path::{Path, PathBuf};

use deephash_data::{DEFAULT_MAX_PIXELS, RgbImage, decode_file, list_images};
use deephash_model::{BackboneKind, DeviceSpec, backbone_from_weights};
use deephash_train::features::{FeatureTable, extract_features};
use deephash_train::memory_source::{MemorySource, transforms_for};
use rayon::prelude::*;

use crate::encoder::ENCODE_CHUNK;
use crate::progress::progress;
use crate::{Error, Result};

/// Features of every image under `dir` (sorted by relative path, as returned) through the
/// backbone `kind` with the weights in `weights`, `batch` images per forward pass.
pub fn folder_features(
    kind: BackboneKind,
    weights: &Path,
    dir: &Path,
    batch: usize,
    device: &DeviceSpec,
) -> Result<(Vec<PathBuf>, FeatureTable)> {
    let device = device.device()?;
    let backbone = backbone_from_weights(kind, weights, &device)?;
    let files = list_images(dir)?;
    if files.is_empty() {
        return Err(Error::NoImages(dir.to_path_buf()));
    }
    let (train, eval) = transforms_for(kind);
    let bar = progress(files.len(), "features");
    let mut table = FeatureTable::default();
    for chunk in files.chunks(ENCODE_CHUNK) {
        let images = chunk
            .par_iter()
            .map(|p| decode_file(&dir.join(p), DEFAULT_MAX_PIXELS).map_err(Error::from))
            .collect::<Result<Vec<RgbImage>>>()?;
        let labels = vec![Vec::new(); images.len()];
        let source = MemorySource::new(images, labels, train, eval, "features".into())?;
        let part = extract_features(&backbone, &source, None, batch, &device, &bar)?;
        table.dim = part.dim;
        table.values.extend(part.values);
    }
    bar.finish_and_clear();
    Ok((files, table))
}
