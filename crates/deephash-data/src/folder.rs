//! Your own images as class folders: `DIR/train/<class>/*` and `DIR/test/<class>/*`, or one tree
//! `DIR/<class>/*` split by a seeded test fraction.

use std::path::{Path, PathBuf};

use crate::dataset::{Dataset, ImageSource, Sample};
use crate::error::{DataError, Result};
use crate::files::list_images;
use crate::split::stratified_split;

/// Loads class folders. With `DIR/train` and `DIR/test` present, their sub-folders are the classes
/// (the union of both, sorted by name; a class may be empty in one split). Otherwise the
/// sub-folders of `DIR` are the classes and `test_fraction` of each goes to the test split
/// ([`stratified_split`] with `seed`).
pub fn load_folder(dir: &Path, test_fraction: f64, seed: u64) -> Result<Dataset> {
    let (train_dir, test_dir) = (dir.join("train"), dir.join("test"));
    let (class_names, train, test) = if train_dir.is_dir() || test_dir.is_dir() {
        let missing: Vec<&str> = [("train", &train_dir), ("test", &test_dir)]
            .iter()
            .filter(|(_, d)| !d.is_dir())
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            return Err(DataError::layout(
                dir,
                format!(
                    "folder data set: expected train/<class>/ and test/<class>/; missing: {}",
                    missing.join(", ")
                ),
            ));
        }
        let mut names = class_dirs(&train_dir)?;
        names.extend(class_dirs(&test_dir)?);
        names.sort();
        names.dedup();
        let train = samples(&train_dir, &names, "train/")?;
        let test = samples(&test_dir, &names, "test/")?;
        (names, train, test)
    } else {
        let names = class_dirs(dir)?;
        let all = samples(dir, &names, "")?;
        let (train, test) = stratified_split(all, test_fraction, seed)?;
        (names, train, test)
    };
    if class_names.is_empty() || train.is_empty() {
        return Err(DataError::layout(
            dir,
            "folder data set: expected class sub-folders holding .jpg/.jpeg/.png images \
             (DIR/train/<class>/, DIR/test/<class>/, or DIR/<class>/); found no images",
        ));
    }
    Ok(Dataset {
        name: "folder".into(),
        root: dir.to_path_buf(),
        class_names,
        train,
        test,
    })
}

/// Names of the sub-folders of `dir`, sorted by bytes, hidden ones skipped.
fn class_dirs(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| DataError::io(dir, e))? {
        let entry = entry.map_err(|e| DataError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && entry.path().is_dir() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn samples(dir: &Path, classes: &[String], prefix: &str) -> Result<Vec<Sample>> {
    let mut out = Vec::new();
    for (label, class) in classes.iter().enumerate() {
        let class_dir = dir.join(class);
        if !class_dir.is_dir() {
            continue;
        }
        for rel in list_images(&class_dir)? {
            let path: PathBuf = class_dir.join(&rel);
            out.push(Sample {
                source: ImageSource::File(path),
                labels: vec![label as u32],
                name: format!("{prefix}{class}/{}", rel.display()),
            });
        }
    }
    Ok(out)
}
