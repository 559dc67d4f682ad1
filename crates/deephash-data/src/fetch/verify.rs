//! Checking a downloaded file's size and checksum.

use std::io::Read;
use std::path::Path;

use md5::Md5;
use sha2::{Digest, Sha256};

use super::assets::Checksum;
use crate::error::{DataError, Result};

/// Hex digest of the file at `path` with hasher `D`.
fn digest<D: Digest>(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut h = D::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| DataError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Errors unless the file has `size` bytes (when given) and matches `checksum`; the message names the
/// file with the expected and actual values.
pub fn verify_file(path: &Path, size: Option<u64>, checksum: Checksum) -> Result<()> {
    let actual = std::fs::metadata(path)
        .map_err(|e| DataError::io(path, e))?
        .len();
    if let Some(expected) = size.filter(|&s| s != actual) {
        return Err(DataError::format(
            path,
            format!("size {actual} bytes, expected {expected}"),
        ));
    }
    let (name, expected, got) = match checksum {
        Checksum::Sha256(e) => ("SHA-256", e, digest::<Sha256>(path)?),
        Checksum::Md5(e) => ("MD5", e, digest::<Md5>(path)?),
        Checksum::Sha256Prefix(e) => {
            let got = digest::<Sha256>(path)?;
            (
                "SHA-256 prefix",
                e,
                got[..e.len().min(got.len())].to_string(),
            )
        }
    };
    if got != expected {
        return Err(DataError::format(
            path,
            format!("{name} is {got}, expected {expected}"),
        ));
    }
    Ok(())
}
