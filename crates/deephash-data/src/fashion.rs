//! Fashion-MNIST from its IDX files: the bundled subset by default, or the full set.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::dataset::{Dataset, ImageSource, Sample};
use crate::error::{DataError, Result};
use crate::idx::read_idx;
use crate::rgb::RgbImage;

/// The ten class names, label 0 to 9.
pub const FASHION_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Environment variable naming the folder of the bundled subset (overrides the search).
pub const FASHION_DIR_ENV: &str = "DEEPHASH_FASHION_DIR";

/// Folder of the subset inside the repository.
const SUBSET_REL: &str = "data/fashion-mnist-subset";

/// Finds the bundled subset: `$DEEPHASH_FASHION_DIR`; else `data/fashion-mnist-subset` in the current
/// folder or any folder above it or above the running binary; else the repository this crate was
/// compiled from. `None` when none of these holds the training images.
pub fn default_fashion_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(FASHION_DIR_ENV) {
        return Some(PathBuf::from(dir));
    }
    let compiled = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(SUBSET_REL);
    let starts = [std::env::current_dir().ok(), std::env::current_exe().ok()];
    starts
        .into_iter()
        .flatten()
        .flat_map(|s| {
            s.ancestors()
                .map(|a| a.join(SUBSET_REL))
                .collect::<Vec<_>>()
        })
        .chain(std::iter::once(compiled))
        .find(|d| d.join("train-images-idx3-ubyte.gz").is_file())
}

/// Loads Fashion-MNIST from `dir` holding `{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]`
/// (the bundled subset or the Debian package folder `/usr/share/datasets/fashion-mnist`). Images are
/// kept in memory as RGB (grey copied to three channels).
pub fn load_fashion_mnist(dir: &Path) -> Result<Dataset> {
    let train = load_split(dir, "train")?;
    let test = load_split(dir, "t10k")?;
    Ok(Dataset {
        name: "fashion-mnist".into(),
        root: dir.to_path_buf(),
        class_names: FASHION_CLASSES.iter().map(|s| s.to_string()).collect(),
        train,
        test,
    })
}

fn find_file(dir: &Path, stem: &str) -> Result<PathBuf> {
    let candidates = [dir.join(format!("{stem}.gz")), dir.join(stem)];
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| {
            DataError::layout(
                dir,
                format!(
                    "Fashion-MNIST: expected {stem}.gz (or {stem}) here; it is missing \
                 (install `dataset-fashion-mnist` or point --data-dir at the bundled subset)"
                ),
            )
        })
}

fn load_split(dir: &Path, prefix: &str) -> Result<Vec<Sample>> {
    let images_path = find_file(dir, &format!("{prefix}-images-idx3-ubyte"))?;
    let labels_path = find_file(dir, &format!("{prefix}-labels-idx1-ubyte"))?;
    let images = read_idx(&images_path)?;
    let labels = read_idx(&labels_path)?;
    let [n, h, w] = images.dims[..] else {
        return Err(DataError::format(
            &images_path,
            format!("expected 3 dimensions, found {:?}", images.dims),
        ));
    };
    if labels.dims != [n] {
        return Err(DataError::format(
            &labels_path,
            format!(
                "expected {n} labels to match {}, found dimensions {:?}",
                images_path.display(),
                labels.dims
            ),
        ));
    }
    if let Some(bad) = labels
        .data
        .iter()
        .find(|&&l| l as usize >= FASHION_CLASSES.len())
    {
        return Err(DataError::format(
            &labels_path,
            format!("label {bad} out of range 0..=9"),
        ));
    }
    let size = (h * w) as usize;
    let split = if prefix == "train" { "train" } else { "test" };
    Ok(images
        .data
        .chunks_exact(size)
        .zip(&labels.data)
        .enumerate()
        .map(|(i, (px, &label))| Sample {
            source: ImageSource::Memory(Arc::new(
                RgbImage::from_grey(w, h, px).expect("size checked"),
            )),
            labels: vec![u32::from(label)],
            name: format!("{split}/{i:05}"),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::Split;

    #[test]
    fn bundled_subset_is_class_balanced() {
        let dir = default_fashion_dir().expect("bundled subset not found");
        let ds = load_fashion_mnist(&dir).unwrap();
        assert_eq!((ds.train.len(), ds.test.len()), (10_000, 2_000));
        assert_eq!(ds.class_counts(Split::Train), vec![1000; 10]);
        assert_eq!(ds.class_counts(Split::Test), vec![200; 10]);
        let img = ds.train[0].load(u64::MAX).unwrap();
        assert_eq!((img.width, img.height), (28, 28));
        assert!(img.pixels.iter().any(|&p| p > 100), "image is blank");
    }

    #[test]
    fn missing_files_say_what_is_expected() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_fashion_mnist(dir.path()).unwrap_err().to_string();
        assert!(err.contains("train-images-idx3-ubyte.gz"), "{err}");
    }

    #[test]
    fn label_count_mismatch_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let w = |name: &str, bytes: Vec<u8>| std::fs::write(dir.path().join(name), bytes).unwrap();
        for p in ["train", "t10k"] {
            w(
                &format!("{p}-images-idx3-ubyte"),
                crate::idx::encode_idx(&[2, 2, 2], &[7; 8]),
            );
            w(
                &format!("{p}-labels-idx1-ubyte"),
                crate::idx::encode_idx(&[3], &[0, 1, 2]),
            );
        }
        let err = load_fashion_mnist(dir.path()).unwrap_err().to_string();
        assert!(err.contains("expected 2 labels"), "{err}");
    }
}
