//! numpy arrays to codes and labels, through the CLI's own `.npy` interpretation
//! ([`codes_from_npy`], [`labels_from_npy`]) so that an array and a `.npy` file of
//! the same array give the same codes, the same labels and the same errors (with
//! the argument's name where the CLI names the file).
//!
//! Beyond the CLI, two conveniences for PyTorch users: signed-integer matrices
//! (`torch.sign(h).to(torch.int8)`) are sign matrices, and float 0/1 label
//! matrices (DeepHash-pytorch's one-hot `float32` labels) are multi-label.

use std::path::{Path, PathBuf};

use deephash_codes::npy::{NpyArray, NpyElem};
use deephash_codes::{CodeMatrix, CodesError, Labels, codes_from_npy, labels_from_npy};

use crate::Error;

/// A numpy array as the bindings hand it over: C-order little-endian bytes and its dtype.
#[derive(Clone, Copy, Debug)]
pub struct RawArray<'a> {
    /// The shape.
    pub shape: &'a [usize],
    /// numpy's dtype kind: `b` bool, `u` unsigned, `i` signed, `f` float (others are refused).
    pub kind: char,
    /// Bytes per element.
    pub itemsize: usize,
    /// The dtype as numpy spells it (`dtype.str`, e.g. `<f4`), for messages.
    pub descr: &'a str,
    /// The elements, C order, little-endian.
    pub data: &'a [u8],
}

/// The `.npy` element type of `raw`, if deephash reads that dtype at all.
fn elem(raw: &RawArray<'_>) -> Option<NpyElem> {
    match (raw.kind, raw.itemsize) {
        ('b', 1) => Some(NpyElem::Bool),
        ('u', w @ (1 | 2 | 4 | 8)) => Some(NpyElem::Uint(w)),
        ('i', w @ (1 | 2 | 4 | 8)) => Some(NpyElem::Int(w)),
        ('f', w @ (4 | 8)) => Some(NpyElem::Float(w)),
        _ => None,
    }
}

/// `raw` as an in-memory `.npy` array of element type `elem` (copies the data).
fn npy(raw: &RawArray<'_>, elem: NpyElem) -> NpyArray {
    NpyArray {
        shape: raw.shape.to_vec(),
        elem,
        descr: raw.descr.to_string(),
        data: raw.data.to_vec(),
    }
}

/// A bool array of `raw`'s shape: true where the integer value is positive.
fn positive_as_bool(raw: &RawArray<'_>, elem: NpyElem) -> NpyArray {
    let values = npy(raw, elem).to_i64();
    // u64 values above i64::MAX do not decode; they are positive.
    let data = match values {
        Some(v) => v.iter().map(|&x| u8::from(x > 0)).collect(),
        None => raw
            .data
            .chunks_exact(raw.itemsize)
            .map(|c| u8::from(c.iter().any(|&b| b != 0)))
            .collect(),
    };
    NpyArray {
        shape: raw.shape.to_vec(),
        elem: NpyElem::Bool,
        descr: "|b1".to_string(),
        data,
    }
}

/// The CLI's message for a dtype that is not codes.
fn not_codes(name: &str, descr: &str) -> Error {
    Error::Codes(CodesError::File {
        path: PathBuf::from(name),
        message: format!(
            "codes must be uint8 (packed), bool or float (embeddings), found dtype {descr}"
        ),
    })
}

/// Codes from the array named `name`: packed `uint8` of shape `(N, bits/8)`
/// (`numpy.packbits` order), or a sign matrix `(N, bits)` of bools, signed
/// integers (e.g. ±1) or floats, where a value `> 0` is bit 1.
pub fn codes(name: &str, raw: &RawArray<'_>) -> Result<CodeMatrix, Error> {
    match elem(raw) {
        Some(e @ NpyElem::Int(_)) => signs_of(name, &positive_as_bool(raw, e)),
        Some(e) => Ok(codes_from_npy(Path::new(name), &npy(raw, e))?),
        None => Err(not_codes(name, raw.descr)),
    }
}

/// Codes from a sign matrix `(N, bits)` of any numeric dtype, `uint8` included
/// (a `numpy.unpackbits` result): a value `> 0` is bit 1. What `deephash.pack` packs.
pub fn signs(name: &str, raw: &RawArray<'_>) -> Result<CodeMatrix, Error> {
    match elem(raw) {
        Some(e @ (NpyElem::Int(_) | NpyElem::Uint(_))) => signs_of(name, &positive_as_bool(raw, e)),
        Some(e) => Ok(codes_from_npy(Path::new(name), &npy(raw, e))?),
        None => Err(not_codes(name, raw.descr)),
    }
}

fn signs_of(name: &str, array: &NpyArray) -> Result<CodeMatrix, Error> {
    Ok(codes_from_npy(Path::new(name), array)?)
}

/// Labels from the array named `name`: 1-D (or `(N, 1)`) integer class ids, or a
/// 2-D 0/1 matrix (bool, integer, or float holding only 0 and 1) for multi-label data.
pub fn labels(name: &str, raw: &RawArray<'_>) -> Result<Labels, Error> {
    let path = Path::new(name);
    let Some(e) = elem(raw) else {
        return Err(Error::Codes(CodesError::File {
            path: path.to_path_buf(),
            message: format!(
                "labels must be integers or bools, found dtype {}",
                raw.descr
            ),
        }));
    };
    let array = npy(raw, e);
    if let (NpyElem::Float(_), [_, c]) = (e, raw.shape)
        && *c > 1
        && let Some(values) = array.to_f32()
        && values.iter().all(|&v| v == 0.0 || v == 1.0)
    {
        let data = values.iter().map(|&v| u8::from(v == 1.0)).collect();
        let one_hot = NpyArray {
            elem: NpyElem::Bool,
            descr: "|b1".to_string(),
            data,
            ..array
        };
        return Ok(labels_from_npy(path, &one_hot)?);
    }
    Ok(labels_from_npy(path, &array)?)
}

/// The bits of every code as 0/1 bytes, `(N, bits)` row-major: `numpy.unpackbits(codes, axis=1)`.
pub fn unpack(codes: &CodeMatrix) -> Vec<u8> {
    let mut out = Vec::with_capacity(codes.len() * codes.bits());
    for &byte in codes.as_bytes() {
        out.extend((0..8).map(|i| (byte >> (7 - i)) & 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>(
        shape: &'a [usize],
        kind: char,
        itemsize: usize,
        descr: &'a str,
        data: &'a [u8],
    ) -> RawArray<'a> {
        RawArray {
            shape,
            kind,
            itemsize,
            descr,
            data,
        }
    }

    #[test]
    fn packed_bool_int_and_float_signs_give_the_same_codes() {
        let bits: [u8; 16] = [1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0];
        let packed = codes("q", &raw(&[1, 2], 'u', 1, "|u1", &[0x81, 0x40])).unwrap();
        assert_eq!(packed.as_bytes(), &[0x81, 0x40]);
        let boolean = codes("q", &raw(&[1, 16], 'b', 1, "|b1", &bits)).unwrap();
        let pm1: Vec<u8> = bits
            .iter()
            .map(|&b| if b == 1 { 1 } else { 0xff })
            .collect();
        let int8 = codes("q", &raw(&[1, 16], 'i', 1, "|i1", &pm1)).unwrap();
        let floats: Vec<u8> = bits
            .iter()
            .flat_map(|&b| (if b == 1 { 0.5f32 } else { -2.0 }).to_le_bytes())
            .collect();
        let float = codes("q", &raw(&[1, 16], 'f', 4, "<f4", &floats)).unwrap();
        for other in [&boolean, &int8, &float] {
            assert_eq!(other, &packed);
        }
        let unpacked = signs("s", &raw(&[1, 16], 'u', 1, "|u1", &bits)).unwrap();
        assert_eq!(unpacked, packed);
        assert_eq!(unpack(&packed), bits.to_vec());
    }

    #[test]
    fn wrong_dtype_shape_and_bits_are_the_cli_messages_named_after_the_argument() {
        let err = codes("db", &raw(&[2, 2], 'u', 2, "<u2", &[0; 8])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "db: codes must be uint8 (packed), bool or float (embeddings), found dtype <u2"
        );
        let err = codes("db", &raw(&[2, 2], 'c', 8, "<c8", &[0; 32])).unwrap_err();
        assert!(err.to_string().ends_with("found dtype <c8"), "{err}");
        let err = codes("db", &raw(&[4], 'u', 1, "|u1", &[0; 4])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "db: codes must be a 2-D array, found shape [4]"
        );
        let err = codes("queries", &raw(&[1, 3], 'b', 1, "|b1", &[1; 3])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("queries: invalid code length 3 bits"),
            "{err}"
        );
    }

    #[test]
    fn labels_single_multi_and_float_one_hot() {
        let ids: Vec<u8> = [3i64, -1, 3].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(
            labels("l", &raw(&[3], 'i', 8, "<i8", &ids)).unwrap(),
            Labels::Single(vec![3, -1, 3])
        );
        let one_hot: Vec<u8> = [1.0f32, 0.0, 0.0, 1.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(
            labels("l", &raw(&[2, 2], 'f', 4, "<f4", &one_hot)).unwrap(),
            Labels::Multi {
                classes: 2,
                matrix: vec![true, false, false, true]
            }
        );
        let half: Vec<u8> = [0.5f32, 0.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let err = labels("db_labels", &raw(&[1, 2], 'f', 4, "<f4", &half)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "db_labels: labels must be integers or bools, found dtype <f4"
        );
    }
}
