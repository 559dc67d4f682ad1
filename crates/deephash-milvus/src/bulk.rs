//! Files for Milvus's bulk import: one `.npy` per field, as its `LocalBulkWriter` writes them.

use std::path::{Path, PathBuf};

use deephash_codes::CodesError;
use deephash_codes::npy::{write_npy_rows, write_npy_u8};

use crate::schema::{CODE, ID, LABEL, PATH};
use crate::{MilvusError, PushItems};

/// Writes `id.npy` (int64), `code.npy` (uint8, N × bits/8), `label.npy` (int64) and
/// `path.npy` (unicode strings) into `dir` (created if missing) and returns their paths. A
/// bulk import of the folder into a collection made by `deephash milvus push` (or with the
/// same four fields) loads the same rows a push would.
pub fn export_bulk_npy(items: &PushItems, dir: &Path) -> Result<Vec<PathBuf>, MilvusError> {
    std::fs::create_dir_all(dir).map_err(|source| CodesError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let n = items.len();
    let file = |field: &str| dir.join(format!("{field}.npy"));
    write_npy_rows(&file(ID), &[n as u64], 0..n as i64)?;
    let codes = &items.codes;
    write_npy_u8(&file(CODE), n, codes.bytes_per_code(), codes.as_bytes())?;
    write_npy_rows(&file(LABEL), &[n as u64], items.labels.iter().copied())?;
    write_unicode_npy(&file(PATH), &items.paths)?;
    Ok([ID, CODE, LABEL, PATH].iter().map(|f| file(f)).collect())
}

/// A 1-D `<U{width}` array (fixed-width UTF-32), what numpy makes of a list of Python strings.
fn write_unicode_npy(path: &Path, strings: &[String]) -> Result<(), MilvusError> {
    let width = strings
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(1);
    let header = format!(
        "{{'descr': '<U{width}', 'fortran_order': False, 'shape': ({},), }}",
        strings.len()
    );
    let mut bytes = npy_preamble(&header);
    for s in strings {
        let mut count = 0;
        for c in s.chars() {
            bytes.extend_from_slice(&(c as u32).to_le_bytes());
            count += 1;
        }
        bytes.resize(bytes.len() + 4 * (width - count), 0);
    }
    deephash_codes::write_atomically(path, |f| std::io::Write::write_all(f, &bytes))?;
    Ok(())
}

/// The `.npy` version 1.0 magic, header length and header padded to 64 bytes.
fn npy_preamble(dict: &str) -> Vec<u8> {
    let unpadded = 10 + dict.len() + 1;
    let padded = unpadded.div_ceil(64) * 64;
    let mut header = dict.to_string();
    header.push_str(&" ".repeat(padded - unpadded));
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes
}
