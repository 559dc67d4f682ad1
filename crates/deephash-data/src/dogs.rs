//! Stanford Dogs: `Images/` plus the official `train_list.mat` / `test_list.mat`.

use std::path::{Path, PathBuf};

use crate::cub::check_files_exist;
use crate::dataset::{Dataset, ImageSource, Sample};
use crate::error::{DataError, Result};
use crate::mat5::{MatValue, read_mat};

/// Train and test counts and classes of the full data set.
pub const DOGS_COUNTS: (usize, usize, usize) = (12_000, 8_580, 120);

/// Loads Stanford Dogs from `dir` holding `Images/` and the lists (in `dir/lists/` or `dir`).
/// Labels in the files are 1-based; class names come from the folder names (`n02085620-Chihuahua`
/// -> `Chihuahua`). At full size the counts are verified.
pub fn load_dogs(dir: &Path) -> Result<Dataset> {
    let lists = if dir.join("lists").join("train_list.mat").is_file() {
        dir.join("lists")
    } else {
        dir.to_path_buf()
    };
    let mut missing = Vec::new();
    if !dir.join("Images").is_dir() {
        missing.push("Images/".to_string());
    }
    for f in ["train_list.mat", "test_list.mat"] {
        if !lists.join(f).is_file() {
            missing.push(format!("{f} (in lists/ or here)"));
        }
    }
    if !missing.is_empty() {
        return Err(DataError::layout(
            dir,
            format!(
                "Stanford Dogs: expected Images/ and lists/{{train_list,test_list}}.mat; missing: {}",
                missing.join(", ")
            ),
        ));
    }
    let images = dir.join("Images");
    let train = read_list(&lists.join("train_list.mat"), &images)?;
    let test = read_list(&lists.join("test_list.mat"), &images)?;
    let n_classes = train
        .iter()
        .chain(&test)
        .flat_map(|s| &s.labels)
        .max()
        .map_or(0, |&m| m as usize + 1);
    let mut class_names = vec![String::new(); n_classes];
    for s in train.iter().chain(&test) {
        let name = &mut class_names[s.labels[0] as usize];
        if name.is_empty() {
            let folder = s.name.split('/').next().unwrap_or("");
            *name = folder
                .split_once('-')
                .map_or(folder, |(_, n)| n)
                .replace('_', " ");
        }
    }
    check_files_exist(dir, train.iter().chain(&test))?;
    let (tr, te, nc) = DOGS_COUNTS;
    if train.len() + test.len() == tr + te && (train.len(), test.len(), n_classes) != DOGS_COUNTS {
        return Err(DataError::layout(
            dir,
            format!(
                "Stanford Dogs: expected {tr} train / {te} test / {nc} classes, found {} / {} / {n_classes}",
                train.len(),
                test.len()
            ),
        ));
    }
    Ok(Dataset {
        name: "dogs".into(),
        root: dir.to_path_buf(),
        class_names,
        train,
        test,
    })
}

/// `file_list` and `labels` of one list file as samples under `images`.
fn read_list(path: &Path, images: &Path) -> Result<Vec<Sample>> {
    let vars = read_mat(path)?;
    let get = |name: &str| {
        vars.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| {
                DataError::format(
                    path,
                    format!(
                        "variable `{name}` missing (found: {})",
                        vars.iter()
                            .map(|(n, _)| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    };
    let MatValue::Cell { items, .. } = get("file_list")? else {
        return Err(DataError::format(path, "`file_list` is not a cell array"));
    };
    let MatValue::Numeric { data: labels, .. } = get("labels")? else {
        return Err(DataError::format(path, "`labels` is not a numeric array"));
    };
    if items.len() != labels.len() {
        return Err(DataError::format(
            path,
            format!("{} files but {} labels", items.len(), labels.len()),
        ));
    }
    items
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (item, &label))| {
            let MatValue::Char { rows, .. } = item else {
                return Err(DataError::format(
                    path,
                    format!("file_list[{i}] is not a char array"),
                ));
            };
            let rel = rows.concat();
            if label < 1.0 || label.fract() != 0.0 {
                return Err(DataError::format(
                    path,
                    format!("labels[{i}] = {label}: expected an integer >= 1"),
                ));
            }
            let p: PathBuf = images.join(&rel);
            Ok(Sample {
                source: ImageSource::File(p),
                labels: vec![label as u32 - 1],
                name: rel,
            })
        })
        .collect()
}
