//! Reading and writing `.npy` arrays (NumPy's own file format) with precise errors.

use std::io::Write;
use std::path::Path;

use npyz::{DType, Endianness, Order, TypeChar, WriterBuilder};

use crate::CodesError;
use crate::atomic::write_atomically;
use crate::file_bytes::{file_error, read_file};

/// The magic bytes every `.npy` file starts with.
pub const NPY_MAGIC: &[u8; 6] = b"\x93NUMPY";

/// The element type of a `.npy` array, as far as deephash reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NpyElem {
    /// `bool` (one byte, 0 or 1).
    Bool,
    /// Unsigned integer of the given width in bytes.
    Uint(usize),
    /// Signed integer of the given width in bytes.
    Int(usize),
    /// IEEE float of the given width in bytes (4 or 8).
    Float(usize),
}

/// A `.npy` array held in memory: its shape, element type and raw little-endian data.
#[derive(Debug)]
pub struct NpyArray {
    /// The shape as written in the file.
    pub shape: Vec<usize>,
    /// The element type.
    pub elem: NpyElem,
    /// The element type as NumPy spells it (e.g. `<f4`), for messages.
    pub descr: String,
    /// The raw data, C order, converted to little-endian.
    pub data: Vec<u8>,
}

impl NpyArray {
    /// Number of rows (first dimension; 1 for a 0-d array).
    pub fn rows(&self) -> usize {
        self.shape.first().copied().unwrap_or(1)
    }

    /// Elements per row (product of the remaining dimensions).
    pub fn cols(&self) -> usize {
        self.shape.iter().skip(1).product()
    }

    /// Decodes every element as `f32` (floats only).
    pub fn to_f32(&self) -> Option<Vec<f32>> {
        match self.elem {
            NpyElem::Float(4) => Some(
                self.data
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            ),
            NpyElem::Float(8) => Some(
                self.data
                    .chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().expect("8-byte chunk")) as f32)
                    .collect(),
            ),
            _ => None,
        }
    }

    /// Decodes every element as `i64` (integers and bools only; `None` for
    /// floats or for unsigned 64-bit values above `i64::MAX`).
    pub fn to_i64(&self) -> Option<Vec<i64>> {
        let width = match self.elem {
            NpyElem::Bool => 1,
            NpyElem::Int(w) | NpyElem::Uint(w) => w,
            NpyElem::Float(_) => return None,
        };
        let signed = matches!(self.elem, NpyElem::Int(_));
        self.data
            .chunks_exact(width)
            .map(|c| decode_int(c, signed))
            .collect()
    }
}

fn decode_int(bytes: &[u8], signed: bool) -> Option<i64> {
    let mut buf = [0u8; 8];
    buf[..bytes.len()].copy_from_slice(bytes);
    let negative = signed && bytes.last().is_some_and(|b| b & 0x80 != 0);
    if negative {
        buf[bytes.len()..].fill(0xff);
    }
    let value = u64::from_le_bytes(buf);
    if !signed && bytes.len() == 8 && value > i64::MAX as u64 {
        return None;
    }
    Some(value as i64)
}

/// Reads a whole `.npy` file, checking the magic, the header, the element type
/// and that the data is exactly as long as the shape says.
pub fn read_npy(path: &Path) -> Result<NpyArray, CodesError> {
    let bytes = read_file(path)?;
    parse_npy(path, &bytes)
}

/// Deepest nesting of brackets accepted in a `.npy` header. A plain array's
/// header nests two deep (`{'shape': (2, 3)}`), a structured dtype a few more;
/// npyz's header parser takes time exponential in the depth (about 1.7 times
/// more per level: 1.6 s at 14 levels, minutes beyond 20), so a 100-byte file of
/// unclosed brackets would hold a thread indefinitely (found by AFL++).
pub const MAX_HEADER_NESTING: usize = 8;

/// Longest `.npy` header accepted, in bytes: numpy's own default limit
/// (`max_header_size`, numpy 1.24), which it set because parsing a header has
/// a cost beyond its size; deephash's arrays have headers under 128 bytes.
pub const MAX_HEADER_BYTES: usize = 10_000;

/// Refuses a header whose declared length runs past the end of the file, before
/// the header reader allocates that length (up to 4 GiB for format 2 and 3),
/// a header over [`MAX_HEADER_BYTES`] and one nesting brackets deeper than
/// [`MAX_HEADER_NESTING`].
fn check_header(path: &Path, bytes: &[u8]) -> Result<(), CodesError> {
    let at = NPY_MAGIC.len();
    let (start, declared) = match bytes.get(at) {
        Some(1) => (
            at + 4,
            bytes
                .get(at + 2..at + 4)
                .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize),
        ),
        Some(2 | 3) => (
            at + 6,
            bytes
                .get(at + 2..at + 6)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize),
        ),
        Some(v) => return Err(file_error(path, format!("unsupported .npy version {v}"))),
        None => return Err(file_error(path, "truncated .npy header")),
    };
    let declared = declared.ok_or_else(|| file_error(path, "truncated .npy header"))?;
    if start.saturating_add(declared) > bytes.len() {
        return Err(file_error(
            path,
            format!(
                "the .npy header claims {declared} bytes but the file has {}",
                bytes.len()
            ),
        ));
    }
    if declared > MAX_HEADER_BYTES {
        return Err(file_error(
            path,
            format!("the .npy header is {declared} bytes, over the {MAX_HEADER_BYTES} accepted"),
        ));
    }
    check_header_nesting(path, &bytes[start..start + declared])
}

/// Refuses a header whose brackets (`(`, `[`, `{`, counted outside and inside
/// quotes alike) nest deeper than [`MAX_HEADER_NESTING`].
fn check_header_nesting(path: &Path, header: &[u8]) -> Result<(), CodesError> {
    let mut depth = 0usize;
    for &b in header {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => continue,
        }
        if depth > MAX_HEADER_NESTING {
            return Err(file_error(
                path,
                format!("the .npy header nests brackets deeper than {MAX_HEADER_NESTING} levels"),
            ));
        }
    }
    Ok(())
}

/// Parses the bytes of a `.npy` file; `path` only names the file in errors.
pub fn parse_npy(path: &Path, bytes: &[u8]) -> Result<NpyArray, CodesError> {
    if !bytes.starts_with(NPY_MAGIC) {
        return Err(file_error(path, "not a .npy file (wrong magic)"));
    }
    check_header(path, bytes)?;
    let mut reader = bytes;
    let header = npyz::NpyHeader::from_reader(&mut reader)
        .map_err(|e| file_error(path, format!("bad .npy header: {e}")))?;
    let header_len = bytes.len() - reader.len();
    if header.order() == Order::Fortran && header.shape().len() > 1 {
        return Err(file_error(
            path,
            "Fortran-order arrays are not supported: save a C-contiguous array",
        ));
    }
    let (elem, descr, width, big_endian) = element_type(path, &header.dtype())?;
    let shape: Vec<usize> = header.shape().iter().map(|&d| d as usize).collect();
    let expected = shape
        .iter()
        .try_fold(width, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| file_error(path, "array shape overflows"))?;
    let found = bytes.len() - header_len;
    if found != expected {
        let what = if found < expected {
            "truncated"
        } else {
            "has trailing bytes"
        };
        return Err(file_error(
            path,
            format!(
                "{what}: shape {shape:?} of {descr} needs {expected} data bytes, file has {found}"
            ),
        ));
    }
    let mut data = bytes[header_len..].to_vec();
    if big_endian && width > 1 {
        data.chunks_exact_mut(width).for_each(<[u8]>::reverse);
    }
    Ok(NpyArray {
        shape,
        elem,
        descr,
        data,
    })
}

fn element_type(path: &Path, dtype: &DType) -> Result<(NpyElem, String, usize, bool), CodesError> {
    let DType::Plain(ts) = dtype else {
        return Err(file_error(
            path,
            format!("unsupported structured dtype {}", dtype.descr()),
        ));
    };
    let descr = ts.to_string();
    let width = ts.num_bytes().unwrap_or(0);
    let elem = match (ts.type_char(), width) {
        (TypeChar::Bool, 1) => NpyElem::Bool,
        (TypeChar::Uint, 1 | 2 | 4 | 8) => NpyElem::Uint(width),
        (TypeChar::Int, 1 | 2 | 4 | 8) => NpyElem::Int(width),
        (TypeChar::Float, 4 | 8) => NpyElem::Float(width),
        _ => return Err(file_error(path, format!("unsupported dtype {descr}"))),
    };
    Ok((elem, descr, width, ts.endianness() == Endianness::Big))
}

/// Writes a 2-D `uint8` array (`rows × cols`) atomically.
pub fn write_npy_u8(path: &Path, rows: usize, cols: usize, data: &[u8]) -> Result<(), CodesError> {
    write_npy_rows(path, &[rows as u64, cols as u64], data.iter().copied())
}

/// Writes a `.npy` array of any element type npyz can serialise, atomically.
pub fn write_npy_rows<T, I>(path: &Path, shape: &[u64], items: I) -> Result<(), CodesError>
where
    T: npyz::AutoSerialize,
    I: IntoIterator<Item = T>,
{
    write_atomically(path, |file| {
        let mut out = std::io::BufWriter::new(file);
        let mut writer = npyz::WriteOptions::new()
            .default_dtype()
            .shape(shape)
            .writer(&mut out)
            .begin_nd()?;
        writer.extend(items)?;
        writer.finish()?;
        out.flush()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fuzzing found this: a format-2 header declaring 662 MB made the header reader
    /// allocate it before noticing the file is 88 bytes long.
    #[test]
    fn a_header_longer_than_the_file_is_refused_before_reading_it() {
        let header = b"{'descr': '|u1', 'fortran_order': False, 'shape': (2, 8), }\n";
        for (version, length) in [(2u8, 662_372_353u32), (3, u32::MAX), (1, 60_000)] {
            let mut bytes = NPY_MAGIC.to_vec();
            bytes.extend([version, 0]);
            if version == 1 {
                bytes.extend((length as u16).to_le_bytes());
            } else {
                bytes.extend(length.to_le_bytes());
            }
            bytes.extend_from_slice(header);
            bytes.extend([0u8; 16]);
            let err = parse_npy(Path::new("bomb.npy"), &bytes)
                .unwrap_err()
                .to_string();
            assert!(err.contains("bomb.npy") && err.contains("claims"), "{err}");
        }
        let err = parse_npy(Path::new("v9.npy"), b"\x93NUMPY\x09\x00").unwrap_err();
        assert!(err.to_string().contains("version 9"), "{err}");
    }

    fn npy_with_header(header: &str) -> Vec<u8> {
        let mut header = header.as_bytes().to_vec();
        while !(NPY_MAGIC.len() + 4 + header.len() + 1).is_multiple_of(64) {
            header.push(b' ');
        }
        header.push(b'\n');
        let mut bytes = NPY_MAGIC.to_vec();
        bytes.extend([1, 0]);
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header);
        bytes.extend(1i64.to_le_bytes());
        bytes
    }

    /// AFL++ found this: a header of unclosed brackets took npyz's header parser
    /// minutes (its time grows about 1.7 times per level). At 16 levels the
    /// parser would take some 5 s before answering something else than this error.
    #[test]
    fn a_header_too_deep_or_too_long_is_refused_before_parsing_it() {
        for open in ["[", "(", "{"] {
            let deep = format!(
                "{{'descr': '<i8', 'fortran_order': False, 'shape': (1,), 'x': {} }}",
                open.repeat(16)
            );
            let err = parse_npy(Path::new("deep.npy"), &npy_with_header(&deep))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("deep.npy") && err.contains("nests brackets"),
                "{err}"
            );
        }
        let long = format!(
            "{{'descr': '<i8', 'fortran_order': False, 'shape': (1,), 'x': '{}' }}",
            "a".repeat(MAX_HEADER_BYTES)
        );
        let mut bytes = NPY_MAGIC.to_vec();
        bytes.extend([2, 0]);
        bytes.extend((long.len() as u32 + 1).to_le_bytes());
        bytes.extend(long.as_bytes());
        bytes.extend(b"\n\0\0\0\0\0\0\0\x01");
        let err = parse_npy(Path::new("long.npy"), &bytes)
            .unwrap_err()
            .to_string();
        assert!(err.contains("over the 10000 accepted"), "{err}");
        let plain = "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }";
        let array = parse_npy(Path::new("plain.npy"), &npy_with_header(plain)).unwrap();
        assert_eq!(array.to_i64().unwrap(), vec![1]);
    }
}
