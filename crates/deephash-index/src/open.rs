//! Opening something to search, in one place: an index file, a code database (`.dhc`) or
//! `.npy` codes, each with the search structure the caller asked for or the file's own.

use std::io::Read;
use std::path::Path;

use deephash_codes::{CodeDb, DB_MAGIC, DbMeta};

use crate::IndexError;
use crate::choose::{IndexKind, build, choose};
use crate::index_file::{LoadedIndex, is_index_file, read_index};

/// Opens `path` ready to search: an index file keeps its own kind unless `kind` asks for
/// another (then that is built over its codes); a code database or `.npy` codes (float
/// embeddings are binarised by sign) get `kind`, or [`choose`]'s pick when `None`.
/// An empty database is refused.
pub fn open_index(path: &Path, kind: Option<IndexKind>) -> Result<LoadedIndex, IndexError> {
    if is_index_file(&head(path)) {
        let loaded = read_index(path)?;
        return match kind {
            Some(kind) if kind != loaded.kind => {
                let index = build(kind, &loaded.db.codes).map_err(|e| in_file(path, e))?;
                Ok(LoadedIndex {
                    kind,
                    index,
                    ..loaded
                })
            }
            _ => Ok(loaded),
        };
    }
    let (db, meta) = read_db_or_codes(path)?;
    if db.codes.is_empty() {
        return Err(IndexError::File {
            path: path.to_path_buf(),
            message: "the code database is empty".into(),
        });
    }
    let kind = kind.unwrap_or_else(|| choose(db.codes.len(), db.codes.bits()));
    let index = build(kind, &db.codes).map_err(|e| in_file(path, e))?;
    tracing::info!(path = %path.display(), codes = db.codes.len(), bits = db.codes.bits(), index = index.name(), "database loaded");
    Ok(LoadedIndex {
        db,
        meta,
        kind,
        index,
    })
}

/// A code database with its metadata, or `.npy` codes (no ids, labels or metadata).
fn read_db_or_codes(path: &Path) -> Result<(CodeDb, DbMeta), IndexError> {
    if head(path).starts_with(DB_MAGIC) {
        return Ok(CodeDb::read_with_meta(path)?);
    }
    Ok((CodeDb::read_any(path)?, DbMeta::default()))
}

/// The first bytes of `path` (empty when it cannot be read: the reader then names the problem).
fn head(path: &Path) -> Vec<u8> {
    let mut head = Vec::with_capacity(8);
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(8).read_to_end(&mut head);
    }
    head
}

fn in_file(path: &Path, err: IndexError) -> IndexError {
    IndexError::File {
        path: path.to_path_buf(),
        message: err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index_file::write_index;
    use deephash_codes::{CodeMatrix, Labels, write_codes_npy};

    fn db() -> CodeDb {
        CodeDb {
            codes: CodeMatrix::from_packed(8, vec![0b1000_0000, 0, 0xFF]).unwrap(),
            ids: Some(vec!["a".into(), "b".into(), "c".into()]),
            labels: Some(Labels::Single(vec![0, 1, 1])),
        }
    }

    #[test]
    fn opens_index_files_databases_and_npy_codes_alike() {
        let dir = tempfile::tempdir().unwrap();
        let (idx, dhc, npy) = (
            dir.path().join("x.idx"),
            dir.path().join("x.dhc"),
            dir.path().join("x.npy"),
        );
        write_index(&idx, &db(), IndexKind::Mih).unwrap();
        db().write(&dhc).unwrap();
        write_codes_npy(&npy, &db().codes).unwrap();
        let query = CodeMatrix::from_packed(8, vec![0]).unwrap();
        for (path, kind, want) in [
            (&idx, None, IndexKind::Mih),
            (&idx, Some(IndexKind::Scan), IndexKind::Scan),
            (&dhc, None, IndexKind::Scan),
            (&npy, Some(IndexKind::Mih), IndexKind::Mih),
        ] {
            let loaded = open_index(path, kind).unwrap();
            assert_eq!(loaded.kind, want, "{}", path.display());
            assert_eq!(loaded.index.name(), want.name());
            assert_eq!(loaded.index.knn(&query, 2).unwrap().ids_of(0), [1, 0]);
        }
        assert_eq!(open_index(&dhc, None).unwrap().db, db());
        assert_eq!(open_index(&npy, None).unwrap().db.ids, None);
        let meta = DbMeta {
            class_names: vec!["cat".into(), "dog".into()],
            ..DbMeta::default()
        };
        crate::index_file::write_index_with(&idx, &db(), &meta, IndexKind::Scan).unwrap();
        db().write_with(&dhc, &meta).unwrap();
        assert_eq!(open_index(&idx, None).unwrap().meta, meta);
        assert_eq!(open_index(&dhc, None).unwrap().meta, meta);
        assert_eq!(open_index(&npy, None).unwrap().meta, DbMeta::default());
    }

    #[test]
    fn empty_and_missing_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.dhc");
        CodeDb::new(CodeMatrix::from_packed(8, vec![]).unwrap())
            .write(&empty)
            .unwrap();
        let err = open_index(&empty, None).err().unwrap().to_string();
        assert!(err.contains("empty.dhc") && err.contains("empty"), "{err}");
        let err = open_index(&dir.path().join("nope.dhc"), None)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("nope.dhc"), "{err}");
    }
}
