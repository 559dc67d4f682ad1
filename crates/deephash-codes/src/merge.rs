//! One code database from several: the shards of a sharded encode, concatenated in order.

use std::path::{Path, PathBuf};

use crate::file_bytes::file_error;
use crate::{CodeDb, CodeMatrix, CodesError, DbMeta, Labels};

/// Reads the code databases `inputs` (shards `0/N` .. `N-1/N` of one encode, in that order)
/// and concatenates them: codes, ids and labels in input order, the metadata of the first.
/// Every input must have the same code length, the same model and class names, and ids and
/// labels in all or none; the error names the first file that differs.
pub fn merge_db_files(inputs: &[PathBuf]) -> Result<(CodeDb, DbMeta), CodesError> {
    let Some(first) = inputs.first() else {
        return Err(CodesError::Mismatch {
            what: "no code databases to merge".into(),
        });
    };
    let (mut db, meta) = CodeDb::read_with_meta(first)?;
    for path in &inputs[1..] {
        let (part, part_meta) = CodeDb::read_with_meta(path)?;
        check_compatible(&meta, &part_meta, path)?;
        db = append(db, part, path)?;
    }
    Ok((db, meta))
}

/// [`merge_db_files`], written to `out` (atomically); returns the number of codes.
pub fn merge_db_files_into(inputs: &[PathBuf], out: &Path) -> Result<usize, CodesError> {
    let (db, meta) = merge_db_files(inputs)?;
    db.write_with(out, &meta)?;
    Ok(db.codes.len())
}

fn check_compatible(first: &DbMeta, part: &DbMeta, path: &Path) -> Result<(), CodesError> {
    let same_model = match (&first.model, &part.model) {
        (Some(a), Some(b)) => a.same_model(b),
        (None, None) => true,
        _ => false,
    };
    if !same_model {
        return Err(file_error(
            path,
            "made by another model than the first file",
        ));
    }
    if first.class_names != part.class_names {
        return Err(file_error(path, "names other classes than the first file"));
    }
    Ok(())
}

fn append(db: CodeDb, part: CodeDb, path: &Path) -> Result<CodeDb, CodesError> {
    if part.codes.bits() != db.codes.bits() {
        return Err(file_error(
            path,
            format!(
                "{}-bit codes, the first file's are {}-bit",
                part.codes.bits(),
                db.codes.bits()
            ),
        ));
    }
    let ids = match (db.ids, part.ids) {
        (Some(mut a), Some(b)) => {
            a.extend(b);
            Some(a)
        }
        (None, None) => None,
        _ => return Err(file_error(path, "ids in one of the files only")),
    };
    let labels = match (db.labels, part.labels) {
        (Some(a), Some(b)) => Some(append_labels(a, b).ok_or_else(|| {
            file_error(
                path,
                "labels of another kind or class count than the first file's",
            )
        })?),
        (None, None) => None,
        _ => return Err(file_error(path, "labels in one of the files only")),
    };
    let mut bytes = db.codes.into_bytes();
    bytes.extend_from_slice(part.codes.as_bytes());
    let codes = CodeMatrix::from_packed(part.codes.bits(), bytes)?;
    Ok(CodeDb { codes, ids, labels })
}

fn append_labels(a: Labels, b: Labels) -> Option<Labels> {
    match (a, b) {
        (Labels::Single(mut a), Labels::Single(b)) => {
            a.extend(b);
            Some(Labels::Single(a))
        }
        (
            Labels::Multi {
                classes,
                mut matrix,
            },
            Labels::Multi {
                classes: c2,
                matrix: m2,
            },
        ) if classes == c2 => {
            matrix.extend(m2);
            Some(Labels::Multi { classes, matrix })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(codes: &[u8], first_id: usize, labels: Option<Labels>) -> CodeDb {
        let ids = (first_id..first_id + codes.len())
            .map(|i| format!("img{i}.png"))
            .collect();
        CodeDb {
            codes: CodeMatrix::from_packed(8, codes.to_vec()).unwrap(),
            ids: Some(ids),
            labels,
        }
    }

    #[test]
    fn shards_merge_back_into_the_whole_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let meta = DbMeta {
            class_names: vec!["a".into(), "b".into()],
            ..DbMeta::default()
        };
        let whole = db(
            &[1, 2, 3, 4, 5],
            0,
            Some(Labels::Single(vec![0, 1, 1, 0, 1])),
        );
        let parts = [
            db(&[1, 2], 0, Some(Labels::Single(vec![0, 1]))),
            db(&[3], 2, Some(Labels::Single(vec![1]))),
            db(&[4, 5], 3, Some(Labels::Single(vec![0, 1]))),
        ];
        let paths: Vec<PathBuf> = (0..3)
            .map(|i| dir.path().join(format!("{i}.dhc")))
            .collect();
        for (p, d) in paths.iter().zip(&parts) {
            d.write_with(p, &meta).unwrap();
        }
        let (merged, merged_meta) = merge_db_files(&paths).unwrap();
        assert_eq!(merged, whole);
        assert_eq!(merged_meta, meta);
    }

    #[test]
    fn incompatible_parts_are_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.dhc");
        let b = dir.path().join("b.dhc");
        db(&[1], 0, None).write(&a).unwrap();
        let wide = CodeDb::new(CodeMatrix::from_packed(16, vec![1, 2]).unwrap());
        wide.write(&b).unwrap();
        let e = merge_db_files(&[a.clone(), b.clone()])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(&b.display().to_string()) && e.contains("16-bit"),
            "{e}"
        );
        db(&[1], 0, Some(Labels::Single(vec![1])))
            .write(&b)
            .unwrap();
        let e = merge_db_files(&[a.clone(), b.clone()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("labels in one of the files only"), "{e}");
        let named = DbMeta {
            class_names: vec!["x".into()],
            ..DbMeta::default()
        };
        db(&[1], 0, None).write_with(&b, &named).unwrap();
        let e = merge_db_files(&[a, b]).unwrap_err().to_string();
        assert!(e.contains("other classes"), "{e}");
        assert!(merge_db_files(&[]).is_err());
    }
}
