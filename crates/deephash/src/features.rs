//! Pooled backbone features of image files (what `deephash features` writes): a pretrained
//! backbone, its evaluation transform, no hash head.

use std::io::Write;
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

/// Writes the features of `files` as a float32 `(N, D)` `.npy` file at `out` and their relative
/// paths, one per line in row order, beside it with the extension `.txt` (both atomically).
pub fn write_features(out: &Path, files: &[PathBuf], table: &FeatureTable) -> Result<()> {
    let shape = [files.len() as u64, table.dim as u64];
    deephash_codes::npy::write_npy_rows(out, &shape, table.values.iter().copied())?;
    let mut text = String::new();
    for file in files {
        text.push_str(&format!("{}\n", file.display()));
    }
    let paths = out.with_extension("txt");
    deephash_codes::write_atomically(&paths, |f| f.write_all(text.as_bytes()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_and_their_paths_are_written_side_by_side_in_row_order() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("feat.npy");
        let files = vec![PathBuf::from("b/1.png"), PathBuf::from("a/2.jpg")];
        let table = FeatureTable {
            dim: 3,
            values: (0..6).map(|v| v as f32).collect(),
        };
        write_features(&out, &files, &table).unwrap();
        let array = deephash_codes::npy::read_npy(&out).unwrap();
        assert_eq!((array.rows(), array.cols()), (2, 3));
        assert_eq!(array.to_f32().unwrap(), table.values);
        let paths = std::fs::read_to_string(dir.path().join("feat.txt")).unwrap();
        assert_eq!(paths, "b/1.png\na/2.jpg\n");
    }
}
