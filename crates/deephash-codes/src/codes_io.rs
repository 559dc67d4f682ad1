//! Reading and writing code matrices: `.npy` (packed `uint8` or float embeddings)
//! and the own code-database format, told apart by their magic bytes.

use std::path::Path;

use crate::db_format::{DB_MAGIC, read_db_bytes};
use crate::file_bytes::{file_error, read_file};
use crate::npy::{NPY_MAGIC, NpyArray, NpyElem, parse_npy, write_npy_u8};
use crate::{CodeMatrix, CodesError};

/// Reads codes from a `.npy` file or a deephash code database (detected by magic).
///
/// * `uint8` `.npy` of shape `(N, bits/8)`: packed codes in `numpy.packbits` order.
/// * `bool` `.npy` of shape `(N, bits)`: one bit per element.
/// * `float32`/`float64` `.npy` of shape `(N, bits)`: embeddings binarised by sign
///   (`x > 0` gives 1, anything else 0); NaN or infinite values are an error.
/// * a code database ([`crate::CodeDb`]): its codes (ids and labels are ignored).
pub fn read_codes(path: &Path) -> Result<CodeMatrix, CodesError> {
    let bytes = read_file(path)?;
    if bytes.starts_with(DB_MAGIC) {
        return Ok(read_db_bytes(path, &bytes)?.codes);
    }
    codes_from_bytes(path, &bytes)
}

/// Codes from the bytes of a `.npy` file (`path` names it in errors).
pub(crate) fn codes_from_bytes(path: &Path, bytes: &[u8]) -> Result<CodeMatrix, CodesError> {
    if !bytes.starts_with(NPY_MAGIC) {
        return Err(file_error(
            path,
            "wrong magic: neither a .npy file nor a deephash code database",
        ));
    }
    codes_from_npy(path, &parse_npy(path, bytes)?)
}

/// Interprets a parsed `.npy` array as codes (see [`read_codes`] for the accepted shapes).
pub fn codes_from_npy(path: &Path, array: &NpyArray) -> Result<CodeMatrix, CodesError> {
    if array.shape.len() != 2 {
        return Err(file_error(
            path,
            format!("codes must be a 2-D array, found shape {:?}", array.shape),
        ));
    }
    let cols = array.cols();
    let with_path = |e: CodesError| file_error(path, e.to_string());
    match array.elem {
        NpyElem::Uint(1) => {
            let bits = cols * 8;
            CodeMatrix::validate_bits(bits).map_err(|_| {
                file_error(
                    path,
                    format!("{cols} bytes per code = {bits} bits: codes must have 8 to 1024 bits"),
                )
            })?;
            CodeMatrix::from_packed(bits, array.data.clone()).map_err(with_path)
        }
        NpyElem::Bool => {
            let signs: Vec<f32> = array.data.iter().map(|&b| f32::from(b != 0)).collect();
            CodeMatrix::from_signs(&signs, cols).map_err(with_path)
        }
        NpyElem::Float(_) => {
            let values = array.to_f32().expect("float array decodes as f32");
            CodeMatrix::from_signs(&values, cols).map_err(with_path)
        }
        _ => Err(file_error(
            path,
            format!(
                "codes must be uint8 (packed), bool or float (embeddings), found dtype {}",
                array.descr
            ),
        )),
    }
}

/// Writes codes as a `uint8` `.npy` of shape `(N, bits/8)` (what numpy and faiss read), atomically.
pub fn write_codes_npy(path: &Path, codes: &CodeMatrix) -> Result<(), CodesError> {
    write_npy_u8(path, codes.len(), codes.bytes_per_code(), codes.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_roundtrip_keeps_codes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.npy");
        let codes = CodeMatrix::from_packed(24, (0..30).collect()).unwrap();
        write_codes_npy(&path, &codes).unwrap();
        assert_eq!(read_codes(&path).unwrap(), codes);
    }

    #[test]
    fn float_embeddings_are_binarised_and_nan_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("emb.npy");
        let mut emb: Vec<f32> = (0..16)
            .map(|i| if i % 3 == 0 { 1.0 } else { -0.5 })
            .collect();
        crate::npy::write_npy_rows(&path, &[2, 8], emb.iter().copied()).unwrap();
        let codes = read_codes(&path).unwrap();
        assert_eq!(codes, CodeMatrix::from_signs(&emb, 8).unwrap());
        emb[5] = f32::NAN;
        crate::npy::write_npy_rows(&path, &[2, 8], emb.iter().copied()).unwrap();
        let err = read_codes(&path).unwrap_err().to_string();
        assert!(err.contains("emb.npy") && err.contains("NaN"), "{err}");
    }

    #[test]
    fn bad_files_give_precise_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.npy");
        std::fs::write(&path, b"").unwrap();
        assert!(
            read_codes(&path)
                .unwrap_err()
                .to_string()
                .contains("empty file")
        );
        std::fs::write(&path, b"hello world").unwrap();
        assert!(
            read_codes(&path)
                .unwrap_err()
                .to_string()
                .contains("wrong magic")
        );
        let codes = CodeMatrix::from_packed(16, vec![1; 20]).unwrap();
        write_codes_npy(&path, &codes).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let err = read_codes(&path).unwrap_err().to_string();
        assert!(err.contains("truncated") && err.contains("x.npy"), "{err}");
        crate::npy::write_npy_u8(&path, 2, 129, &[0; 258]).unwrap();
        assert!(
            read_codes(&path)
                .unwrap_err()
                .to_string()
                .contains("1032 bits")
        );
        crate::npy::write_npy_rows(&path, &[4], [1i64, 2, 3, 4]).unwrap();
        assert!(read_codes(&path).unwrap_err().to_string().contains("2-D"));
    }
}
