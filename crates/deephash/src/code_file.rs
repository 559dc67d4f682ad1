//! Writing a code database to the file a user names: `.npy` files for numpy and faiss, the
//! own `.dhc` format for anything else.

use std::path::{Path, PathBuf};

use deephash_codes::{CodeDb, DbMeta, write_codes_npy, write_labels_npy};

use crate::{Error, Result};

/// Writes a code database: `.npy` (packed codes; labels in `STEM.labels.npy` and ids, one
/// per line, in `STEM.ids.txt` next to it; no metadata) or, for any other name, the own
/// `.dhc` format holding all of it and `meta`. Returns the files written.
pub fn write_code_file(out: &Path, db: &CodeDb, meta: &DbMeta) -> Result<Vec<PathBuf>> {
    let is_npy = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    if !is_npy {
        db.write_with(out, meta)?;
        return Ok(vec![out.to_path_buf()]);
    }
    write_codes_npy(out, &db.codes)?;
    let mut written = vec![out.to_path_buf()];
    if let Some(labels) = &db.labels {
        let path = out.with_extension("labels.npy");
        write_labels_npy(&path, labels)?;
        written.push(path);
    }
    if let Some(ids) = &db.ids {
        let path = out.with_extension("ids.txt");
        let text: String = ids.iter().map(|id| format!("{id}\n")).collect();
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

/// Ids must be one line each in `.ids.txt` files: refuses ids with line breaks.
pub fn check_ids(ids: &[String]) -> Result<()> {
    match ids.iter().find(|id| id.contains(['\n', '\r'])) {
        Some(bad) => Err(Error::BadId(bad.clone())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deephash_codes::{CodeMatrix, Labels};

    #[test]
    fn npy_output_writes_sibling_label_and_id_files() {
        let dir = tempfile::tempdir().unwrap();
        let codes = CodeMatrix::from_packed(8, vec![1, 2]).unwrap();
        let db = CodeDb {
            codes,
            ids: Some(vec!["a.jpg".into(), "b.jpg".into()]),
            labels: Some(Labels::Single(vec![0, 1])),
        };
        let meta = DbMeta {
            class_names: vec!["cat".into(), "dog".into()],
            ..DbMeta::default()
        };
        let written = write_code_file(&dir.path().join("codes.npy"), &db, &meta).unwrap();
        assert_eq!(written.len(), 3);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("codes.ids.txt")).unwrap(),
            "a.jpg\nb.jpg\n"
        );
        assert_eq!(
            deephash_codes::read_labels(&dir.path().join("codes.labels.npy")).unwrap(),
            Labels::Single(vec![0, 1])
        );
        let own = dir.path().join("codes.dhc");
        write_code_file(&own, &db, &meta).unwrap();
        assert_eq!(CodeDb::read_with_meta(&own).unwrap(), (db, meta));
        assert!(check_ids(&["a\nb".to_string()]).is_err());
    }
}
