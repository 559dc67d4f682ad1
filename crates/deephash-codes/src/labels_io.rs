//! Reading and writing labels as `.npy`: 1-D integer class ids (single-label) or a
//! 2-D 0/1 matrix (multi-label); or the labels stored in a code database.

use std::path::Path;

use crate::db_format::{DB_MAGIC, read_db_bytes};
use crate::file_bytes::{file_error, read_file};
use crate::npy::{NPY_MAGIC, NpyArray, NpyElem, parse_npy, write_npy_rows};
use crate::{CodesError, Labels};

/// Reads labels.
///
/// * 1-D integer `.npy` (`int64`, `int32`, any int/uint) of shape `(N,)`, or `(N, 1)`:
///   one class id per item.
/// * 2-D `bool` or integer `.npy` of shape `(N, C)` with `C > 1` and only 0/1 values:
///   multi-label, item `i` has class `c` where the entry is 1.
/// * a code database with labels.
pub fn read_labels(path: &Path) -> Result<Labels, CodesError> {
    let bytes = read_file(path)?;
    if bytes.starts_with(DB_MAGIC) {
        return read_db_bytes(path, &bytes)?
            .labels
            .ok_or_else(|| file_error(path, "code database holds no labels"));
    }
    if !bytes.starts_with(NPY_MAGIC) {
        return Err(file_error(
            path,
            "wrong magic: neither a .npy file nor a deephash code database",
        ));
    }
    labels_from_npy(path, &parse_npy(path, &bytes)?)
}

/// Interprets a parsed `.npy` array as labels (see [`read_labels`] for the
/// accepted shapes); `path` only names the source in errors. Public so that
/// arrays from elsewhere (the Python bindings' numpy arrays) get exactly the
/// checks and messages of a file.
pub fn labels_from_npy(path: &Path, array: &NpyArray) -> Result<Labels, CodesError> {
    if matches!(array.elem, NpyElem::Float(_)) {
        return Err(file_error(
            path,
            format!(
                "labels must be integers or bools, found dtype {}",
                array.descr
            ),
        ));
    }
    let values = array
        .to_i64()
        .ok_or_else(|| file_error(path, "label value does not fit in int64"))?;
    match array.shape.as_slice() {
        [_] | [_, 1] => Ok(Labels::Single(values)),
        [_, classes] => multi_labels(path, *classes, &values),
        shape => Err(file_error(
            path,
            format!("labels must be 1-D or 2-D, found shape {shape:?}"),
        )),
    }
}

fn multi_labels(path: &Path, classes: usize, values: &[i64]) -> Result<Labels, CodesError> {
    if let Some(pos) = values.iter().position(|&v| v != 0 && v != 1) {
        return Err(file_error(
            path,
            format!(
                "multi-label matrix entry ({}, {}) is {}: only 0 and 1 are allowed",
                pos / classes,
                pos % classes,
                values[pos]
            ),
        ));
    }
    Ok(Labels::Multi {
        classes,
        matrix: values.iter().map(|&v| v == 1).collect(),
    })
}

/// Writes labels as `.npy` atomically: `int64` `(N,)` for single-label,
/// `bool` `(N, C)` for multi-label.
pub fn write_labels_npy(path: &Path, labels: &Labels) -> Result<(), CodesError> {
    match labels {
        Labels::Single(ids) => write_npy_rows(path, &[ids.len() as u64], ids.iter().copied()),
        Labels::Multi { classes, matrix } => write_npy_rows(
            path,
            &[labels.len() as u64, *classes as u64],
            matrix.iter().copied(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::write_npy_u8;

    #[test]
    fn single_and_multi_roundtrip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.npy");
        let single = Labels::Single(vec![3, -1, 7]);
        write_labels_npy(&path, &single).unwrap();
        assert_eq!(read_labels(&path).unwrap(), single);
        let multi = Labels::Multi {
            classes: 2,
            matrix: vec![true, false, false, true],
        };
        write_labels_npy(&path, &multi).unwrap();
        assert_eq!(read_labels(&path).unwrap(), multi);
    }

    #[test]
    fn int32_and_uint8_matrices_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.npy");
        write_npy_rows(&path, &[3], [5i32, -2, 9]).unwrap();
        assert_eq!(read_labels(&path).unwrap(), Labels::Single(vec![5, -2, 9]));
        write_npy_u8(&path, 2, 3, &[1, 0, 1, 0, 1, 0]).unwrap();
        let want = Labels::Multi {
            classes: 3,
            matrix: vec![true, false, true, false, true, false],
        };
        assert_eq!(read_labels(&path).unwrap(), want);
        write_npy_u8(&path, 2, 3, &[1, 0, 2, 0, 1, 0]).unwrap();
        let err = read_labels(&path).unwrap_err().to_string();
        assert!(err.contains("(0, 2) is 2"), "{err}");
        write_npy_rows(&path, &[2], [0.5f32, 1.0]).unwrap();
        assert!(read_labels(&path).unwrap_err().to_string().contains("<f4"));
    }
}
