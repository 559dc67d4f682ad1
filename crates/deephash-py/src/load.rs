//! Databases to search: built from codes, or loaded from the files `deephash
//! search --db` reads (an index file, a code database or a `.npy`), with its rules.

use std::path::Path;

use deephash_codes::CodeDb;
use deephash_index::index_file::write_index;
use deephash_index::{HammingIndex, IndexKind, build, choose, open_index};

use crate::Error;

/// A database ready to search: codes (with ids and labels when known) and an index.
pub struct Searchable {
    /// Codes, ids and labels.
    pub db: CodeDb,
    /// The kind of `index`.
    pub kind: IndexKind,
    /// The search structure.
    pub index: Box<dyn HammingIndex>,
}

/// Builds an index of `kind` (or [`choose`]'s when `None`) over `db`; `name`
/// names the database in the error for an empty one.
pub fn build_searchable(
    db: CodeDb,
    kind: Option<IndexKind>,
    name: &str,
) -> Result<Searchable, Error> {
    if db.codes.is_empty() {
        return Err(Error::argument(format!(
            "{name}: the database holds no codes"
        )));
    }
    db.validate()?;
    let kind = kind.unwrap_or_else(|| choose(db.codes.len(), db.codes.bits()));
    let index = build(kind, &db.codes)?;
    Ok(Searchable { db, kind, index })
}

/// Loads `path` as `deephash search --db` does (the index crate's [`open_index`]): an
/// index file keeps its own kind unless `kind` asks for another; codes and code
/// databases get `kind` or [`choose`]'s rule.
pub fn load(path: &Path, kind: Option<IndexKind>) -> Result<Searchable, Error> {
    let loaded = open_index(path, kind)?;
    Ok(Searchable {
        db: loaded.db,
        kind: loaded.kind,
        index: loaded.index,
    })
}

/// Writes `searchable` as an index file (what `deephash index build` writes).
pub fn save(searchable: &Searchable, path: &Path) -> Result<(), Error> {
    Ok(write_index(path, &searchable.db, searchable.kind)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use deephash_codes::{CodeMatrix, Labels, write_codes_npy};

    #[test]
    fn save_and_load_keep_codes_ids_labels_and_kind() {
        let dir = tempfile::tempdir().unwrap();
        let codes = CodeMatrix::from_packed(16, (0..64).collect()).unwrap();
        let mut db = CodeDb::new(codes.clone());
        db.ids = Some((0..32).map(|i| format!("img{i}.jpg")).collect());
        db.labels = Some(Labels::Single((0..32).map(|i| i % 3).collect()));
        let built = build_searchable(db.clone(), Some(IndexKind::Mih), "db").unwrap();
        let path = dir.path().join("x.dhi");
        save(&built, &path).unwrap();
        let loaded = load(&path, None).unwrap();
        assert_eq!((loaded.db, loaded.kind), (db.clone(), IndexKind::Mih));
        assert_eq!(
            load(&path, Some(IndexKind::Scan)).unwrap().kind,
            IndexKind::Scan
        );
        let npy = dir.path().join("c.npy");
        write_codes_npy(&npy, &codes).unwrap();
        let from_npy = load(&npy, None).unwrap();
        assert_eq!((from_npy.db.codes, from_npy.kind), (codes, IndexKind::Scan));
    }

    #[test]
    fn empty_and_missing_databases_are_errors() {
        let empty = CodeDb::new(CodeMatrix::from_packed(8, vec![]).unwrap());
        let err = build_searchable(empty, None, "db").err().unwrap();
        assert_eq!(err.to_string(), "db: the database holds no codes");
        let err = load(Path::new("/nonexistent/x.npy"), None).err().unwrap();
        assert!(err.to_string().starts_with("/nonexistent/x.npy: "), "{err}");
    }
}
