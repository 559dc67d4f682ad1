//! CUB-200-2011 with its official train/test split.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::dataset::{Dataset, ImageSource, Sample};
use crate::error::{DataError, Result};

/// Image, train and test counts of the full data set.
pub const CUB_COUNTS: (usize, usize, usize) = (11_788, 5_994, 5_794);
const FILES: [&str; 4] = [
    "images.txt",
    "image_class_labels.txt",
    "train_test_split.txt",
    "classes.txt",
];

/// Loads CUB-200-2011 from `dir` (the `CUB_200_2011` folder or its parent). With all 11,788 images
/// listed, the counts (5,994 train, 5,794 test, 200 classes) are verified. Every listed image must
/// exist; the error names the first missing ones.
pub fn load_cub(dir: &Path) -> Result<Dataset> {
    let root = if dir.join("CUB_200_2011").is_dir() {
        dir.join("CUB_200_2011")
    } else {
        dir.to_path_buf()
    };
    let missing: Vec<&str> = FILES
        .iter()
        .copied()
        .filter(|f| !root.join(f).is_file())
        .collect();
    if !missing.is_empty() || !root.join("images").is_dir() {
        let mut m: Vec<String> = missing.iter().map(|s| s.to_string()).collect();
        if !root.join("images").is_dir() {
            m.push("images/".into());
        }
        return Err(DataError::layout(
            &root,
            format!(
                "CUB-200-2011: expected {} and images/; missing: {}",
                FILES.join(", "),
                m.join(", ")
            ),
        ));
    }
    let images = read_pairs(&root.join("images.txt"))?;
    let labels: HashMap<String, String> = read_pairs(&root.join("image_class_labels.txt"))?
        .into_iter()
        .collect();
    let split: HashMap<String, String> = read_pairs(&root.join("train_test_split.txt"))?
        .into_iter()
        .collect();
    let class_names: Vec<String> = read_pairs(&root.join("classes.txt"))?
        .into_iter()
        .map(|(_, name)| class_display(&name))
        .collect();
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (id, rel) in &images {
        let label = lookup(&labels, id, &root, "image_class_labels.txt")?;
        let label: u32 = label
            .parse::<u32>()
            .ok()
            .filter(|&l| l >= 1 && l as usize <= class_names.len())
            .ok_or_else(|| {
                DataError::format(
                    root.join("image_class_labels.txt"),
                    format!("image {id}: bad class id {label:?}"),
                )
            })?;
        let sample = Sample {
            source: ImageSource::File(root.join("images").join(rel)),
            labels: vec![label - 1],
            name: rel.clone(),
        };
        match lookup(&split, id, &root, "train_test_split.txt")?.as_str() {
            "1" => train.push(sample),
            "0" => test.push(sample),
            v => {
                return Err(DataError::format(
                    root.join("train_test_split.txt"),
                    format!("image {id}: value {v:?}, expected 1 or 0"),
                ));
            }
        }
    }
    check_files_exist(&root, train.iter().chain(&test))?;
    verify_counts(
        &root,
        images.len(),
        train.len(),
        test.len(),
        class_names.len(),
    )?;
    Ok(Dataset {
        name: "cub".into(),
        root,
        class_names,
        train,
        test,
    })
}

/// `001.Black_footed_Albatross` -> `Black footed Albatross`.
fn class_display(raw: &str) -> String {
    raw.split_once('.')
        .map_or(raw, |(_, n)| n)
        .replace('_', " ")
}

fn lookup(map: &HashMap<String, String>, id: &str, root: &Path, file: &str) -> Result<String> {
    map.get(id).cloned().ok_or_else(|| {
        DataError::format(
            root.join(file),
            format!("image id {id} (from images.txt) is missing"),
        )
    })
}

/// Lines `<id> <value>` of a CUB text file.
fn read_pairs(path: &Path) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            l.trim()
                .split_once(' ')
                .map(|(a, b)| (a.to_string(), b.trim().to_string()))
                .ok_or_else(|| {
                    DataError::format(
                        path,
                        format!("line {}: expected `<id> <value>`: {l:?}", i + 1),
                    )
                })
        })
        .collect()
}

/// Errors naming up to five missing image files (and how many are missing in all).
pub(crate) fn check_files_exist<'a>(
    root: &Path,
    samples: impl Iterator<Item = &'a Sample>,
) -> Result<()> {
    let missing: Vec<PathBuf> = samples
        .filter_map(|s| s.path())
        .filter(|p| !p.is_file())
        .map(Path::to_path_buf)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let first: Vec<String> = missing
        .iter()
        .take(5)
        .map(|p| p.display().to_string())
        .collect();
    Err(DataError::layout(
        root,
        format!(
            "{} listed image files are missing, e.g. {}",
            missing.len(),
            first.join(", ")
        ),
    ))
}

fn verify_counts(root: &Path, n: usize, train: usize, test: usize, classes: usize) -> Result<()> {
    let (n_full, train_full, test_full) = CUB_COUNTS;
    if n == n_full && (train, test, classes) != (train_full, test_full, 200) {
        return Err(DataError::layout(
            root,
            format!(
                "CUB-200-2011: expected {train_full} train / {test_full} test / 200 classes, found {train} / {test} / {classes}"
            ),
        ));
    }
    if n != n_full {
        tracing::warn!(
            "{}: {n} images listed, not the full {n_full}: a partial or look-alike CUB",
            root.display()
        );
    }
    Ok(())
}
