//! The IDX file format of (Fashion-)MNIST, gzip-compressed or plain.

use std::io::Read;
use std::path::Path;

use crate::error::{DataError, Result};

/// An IDX array of unsigned bytes: its dimensions and data (row-major).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Dimensions, outermost first.
    pub dims: Vec<u32>,
    /// `dims.iter().product()` bytes.
    pub data: Vec<u8>,
}

/// Reads an IDX file of `u8` elements (type code 0x08), gunzipping when the name ends in `.gz`.
/// Errors name the file and say what is wrong (magic, element type, size).
pub fn read_idx(path: &Path) -> Result<IdxArray> {
    let file = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut bytes = Vec::new();
    let is_gz = path.extension().is_some_and(|e| e == "gz");
    let read = if is_gz {
        flate2::read::GzDecoder::new(file).read_to_end(&mut bytes)
    } else {
        std::io::BufReader::new(file).read_to_end(&mut bytes)
    };
    read.map_err(|e| DataError::format(path, format!("cannot read: {e}")))?;
    parse_idx(&bytes).map_err(|m| DataError::format(path, m))
}

/// Parses IDX bytes (already decompressed).
pub fn parse_idx(bytes: &[u8]) -> std::result::Result<IdxArray, String> {
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err("not an IDX file (magic must start with two zero bytes)".into());
    }
    if bytes[2] != 0x08 {
        return Err(format!(
            "element type 0x{:02x} unsupported (expected 0x08, unsigned byte)",
            bytes[2]
        ));
    }
    let ndim = bytes[3] as usize;
    let header = 4 + 4 * ndim;
    if bytes.len() < header {
        return Err(format!(
            "header truncated: {ndim} dimensions need {header} bytes"
        ));
    }
    let dims: Vec<u32> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let n: u64 = dims.iter().map(|&d| u64::from(d)).product();
    let have = (bytes.len() - header) as u64;
    if have != n {
        return Err(format!(
            "dimensions {dims:?} need {n} data bytes, the file has {have}"
        ));
    }
    Ok(IdxArray {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Encodes an IDX array of bytes (for tests and tools).
pub fn encode_idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let a = parse_idx(&encode_idx(&[2, 3], &[1, 2, 3, 4, 5, 6])).unwrap();
        assert_eq!(a.dims, [2, 3]);
        assert_eq!(a.data, [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn rejects_bad_magic_type_and_size() {
        assert!(
            parse_idx(b"\x01\x00\x08\x01")
                .unwrap_err()
                .contains("magic")
        );
        assert!(
            parse_idx(&[0, 0, 0x0d, 1, 0, 0, 0, 0])
                .unwrap_err()
                .contains("element type")
        );
        let mut short = encode_idx(&[4], &[1, 2, 3, 4]);
        short.pop();
        assert!(parse_idx(&short).unwrap_err().contains("need 4 data bytes"));
        assert!(
            parse_idx(&[0, 0, 8, 3, 0])
                .unwrap_err()
                .contains("truncated")
        );
    }
}
