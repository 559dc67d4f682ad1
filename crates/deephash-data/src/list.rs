//! List files: one `path label[,label…]` per line, multi-label allowed.

use std::path::Path;

use crate::dataset::{Dataset, ImageSource, Sample};
use crate::error::{DataError, Result};
use crate::split::stratified_split;

/// Loads a list data set. `path` is either a folder holding `train.txt` and `test.txt` (and
/// optionally `classes.txt`, one class name per line, line `i` naming label `i`), or one list file
/// whose lines are split by `test_fraction` with `seed`. Each line is `image-path labels`, the path
/// relative to the list file's folder (or absolute), the labels 0-based integers separated by commas,
/// after the last run of whitespace. Blank lines and lines starting with `#` are skipped.
pub fn load_list(path: &Path, test_fraction: f64, seed: u64) -> Result<Dataset> {
    let (root, train, test) = if path.is_dir() {
        let (tr, te) = (path.join("train.txt"), path.join("test.txt"));
        let missing: Vec<&str> = [("train.txt", &tr), ("test.txt", &te)]
            .iter()
            .filter(|(_, p)| !p.is_file())
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            return Err(DataError::layout(
                path,
                format!(
                    "list data set: expected train.txt and test.txt here; missing: {}",
                    missing.join(", ")
                ),
            ));
        }
        (path.to_path_buf(), read_list(&tr)?, read_list(&te)?)
    } else {
        let all = read_list(path)?;
        let (train, test) = stratified_split(all, test_fraction, seed)?;
        (
            path.parent().unwrap_or(Path::new(".")).to_path_buf(),
            train,
            test,
        )
    };
    let max = train
        .iter()
        .chain(&test)
        .flat_map(|s| s.labels.iter())
        .max()
        .copied();
    let Some(max) = max else {
        return Err(DataError::layout(
            path,
            "list data set: no image lines found",
        ));
    };
    let class_names = class_names(&root, max as usize + 1)?;
    Ok(Dataset {
        name: "list".into(),
        root,
        class_names,
        train,
        test,
    })
}

fn class_names(root: &Path, n: usize) -> Result<Vec<String>> {
    let file = root.join("classes.txt");
    if !file.is_file() {
        return Ok((0..n).map(|i| i.to_string()).collect());
    }
    let text = std::fs::read_to_string(&file).map_err(|e| DataError::io(&file, e))?;
    let names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if names.len() < n {
        return Err(DataError::format(
            &file,
            format!("{} class names, but labels go up to {}", names.len(), n - 1),
        ));
    }
    Ok(names)
}

/// Reads one list file into samples (paths resolved against its folder).
pub fn read_list(file: &Path) -> Result<Vec<Sample>> {
    let text = std::fs::read_to_string(file).map_err(|e| DataError::io(file, e))?;
    let base = file.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |m: &str| DataError::format(file, format!("line {}: {m}: {line:?}", i + 1));
        let (rel, labels) = line
            .rsplit_once(char::is_whitespace)
            .ok_or_else(|| bad("expected `path label[,label…]`"))?;
        let labels: Vec<u32> = labels
            .split(',')
            .map(|l| l.trim().parse::<u32>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| bad("labels must be non-negative integers separated by commas"))?;
        let rel = rel.trim_end();
        out.push(Sample {
            source: ImageSource::File(base.join(rel)),
            labels,
            name: rel.to_string(),
        });
    }
    Ok(out)
}
