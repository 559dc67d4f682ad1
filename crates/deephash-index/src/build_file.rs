//! `index build`: a code file (with optional labels) turned into an index file.

use std::path::Path;

use deephash_codes::CodeDb;

use crate::IndexError;
use crate::choose::{IndexKind, choose};
use crate::index_file::write_index;

/// What [`build_index_file`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltIndex {
    /// The index kind.
    pub kind: IndexKind,
    /// Codes indexed.
    pub codes: usize,
    /// Their length.
    pub bits: usize,
}

/// Reads `codes` (`.npy` codes or embeddings, or a code database keeping its ids and labels),
/// attaches the labels file `labels` when given (one label per code), and writes the index of
/// `kind` (default: [`choose`]'s pick) to `out` atomically. Empty code files are refused.
pub fn build_index_file(
    codes: &Path,
    labels: Option<&Path>,
    out: &Path,
    kind: Option<IndexKind>,
) -> Result<BuiltIndex, IndexError> {
    let mut db = CodeDb::read_any(codes)?;
    if db.codes.is_empty() {
        return Err(IndexError::NoCodes {
            path: codes.to_path_buf(),
        });
    }
    if let Some(path) = labels {
        let labels = deephash_codes::read_labels(path)?;
        if labels.len() != db.codes.len() {
            return Err(IndexError::LabelCount {
                path: path.to_path_buf(),
                labels: labels.len(),
                codes: db.codes.len(),
            });
        }
        db.labels = Some(labels);
    }
    let kind = kind.unwrap_or_else(|| choose(db.codes.len(), db.codes.bits()));
    write_index(out, &db, kind)?;
    Ok(BuiltIndex {
        kind,
        codes: db.codes.len(),
        bits: db.codes.bits(),
    })
}
