//! The rows a push sends: codes with the label and path of each.

use std::path::Path;

use deephash_codes::db_format::read_db_bytes_with_meta;
use deephash_codes::npy::parse_npy;
use deephash_codes::{
    CodeDb, CodeMatrix, CodesError, DB_MAGIC, Labels, codes_from_npy, read_labels,
};

use crate::MilvusError;
use crate::schema::NO_LABEL;

/// Codes and, per code, a label (or [`NO_LABEL`]) and a path (or ""); row `i` gets id `i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushItems {
    /// The packed codes.
    pub codes: CodeMatrix,
    /// One label per code.
    pub labels: Vec<i64>,
    /// One path (item id) per code.
    pub paths: Vec<String>,
    /// Names of the label classes (empty: unknown).
    pub class_names: Vec<String>,
}

impl PushItems {
    /// Codes alone: no labels, empty paths.
    pub fn new(codes: CodeMatrix) -> Self {
        let n = codes.len();
        Self {
            codes,
            labels: vec![NO_LABEL; n],
            paths: vec![String::new(); n],
            class_names: Vec::new(),
        }
    }

    /// A code database's codes, ids (as paths) and labels.
    pub fn from_db(db: CodeDb, class_names: Vec<String>) -> Self {
        let mut items = Self::new(db.codes);
        if let Some(labels) = &db.labels {
            items.labels = label_column(labels);
        }
        if let Some(ids) = db.ids {
            items.paths = ids;
        }
        items.class_names = class_names;
        items
    }

    /// Reads a `.dhc` code database (ids, labels, class names go along) or a `.npy` code matrix;
    /// `labels` (a `.npy` label file) replaces the database's labels.
    pub fn read(codes: &Path, labels: Option<&Path>) -> Result<Self, MilvusError> {
        let bytes = std::fs::read(codes).map_err(|source| CodesError::Io {
            path: codes.to_path_buf(),
            source,
        })?;
        let mut items = if bytes.starts_with(DB_MAGIC) {
            let (db, meta) = read_db_bytes_with_meta(codes, &bytes)?;
            Self::from_db(db, meta.class_names)
        } else {
            Self::new(codes_from_npy(codes, &parse_npy(codes, &bytes)?)?)
        };
        if let Some(path) = labels {
            items.set_labels(&read_labels(path)?, path)?;
        }
        Ok(items)
    }

    /// Replaces the labels; `source` names their file in the error when the count differs.
    pub fn set_labels(&mut self, labels: &Labels, source: &Path) -> Result<(), MilvusError> {
        if labels.len() != self.codes.len() {
            return Err(MilvusError::Invalid(format!(
                "{}: {} labels for {} codes",
                source.display(),
                labels.len(),
                self.codes.len()
            )));
        }
        self.labels = label_column(labels);
        Ok(())
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// One int64 per item: the class of single labels, the lowest class of multi-labels
/// ([`NO_LABEL`] for an item without any).
fn label_column(labels: &Labels) -> Vec<i64> {
    match labels {
        Labels::Single(v) => v.clone(),
        Labels::Multi { classes, matrix } => matrix
            .chunks(*classes)
            .map(|row| row.iter().position(|&b| b).map_or(NO_LABEL, |c| c as i64))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_labels_become_their_lowest_class() {
        let m = Labels::Multi {
            classes: 3,
            matrix: vec![false, true, true, false, false, false],
        };
        assert_eq!(label_column(&m), vec![1, NO_LABEL]);
        assert_eq!(label_column(&Labels::Single(vec![4, 2])), vec![4, 2]);
    }

    #[test]
    fn labels_of_another_length_are_refused() {
        let codes = CodeMatrix::from_packed(8, vec![1, 2, 3]).unwrap();
        let mut items = PushItems::new(codes);
        let e = items
            .set_labels(&Labels::Single(vec![1]), Path::new("l.npy"))
            .unwrap_err();
        assert_eq!(e.to_string(), "l.npy: 1 labels for 3 codes");
    }
}
