//! A small, strict reader (and writer, for tests) of MATLAB v5 `.mat` files: enough for Stanford
//! Dogs' `file_list` (cell array of char arrays) and `labels` (double array).
//!
//! Supported: the 128-byte header (either byte order), data-element tags including the small-element
//! format, `miCOMPRESSED` (zlib), and `miMATRIX` of class cell, char and every numeric class (real
//! part, converted to `f64`). Anything else (structs, objects, sparse, complex) is refused with an error
//! that says what and where, as are truncated or inconsistent files.

use std::io::Read;
use std::path::Path;

use crate::error::{DataError, Result};

const MI_INT8: u32 = 1;
const MI_UINT8: u32 = 2;
const MI_INT16: u32 = 3;
const MI_UINT16: u32 = 4;
const MI_INT32: u32 = 5;
const MI_UINT32: u32 = 6;
const MI_SINGLE: u32 = 7;
const MI_DOUBLE: u32 = 9;
const MI_INT64: u32 = 12;
const MI_UINT64: u32 = 13;
const MI_MATRIX: u32 = 14;
const MI_COMPRESSED: u32 = 15;
const MI_UTF8: u32 = 16;
const MX_CELL: u8 = 1;
const MX_CHAR: u8 = 4;

/// A MATLAB value this reader understands.
#[derive(Debug, Clone, PartialEq)]
pub enum MatValue {
    /// A real numeric array (any numeric class), values in column-major order.
    Numeric {
        /// Dimensions.
        dims: Vec<usize>,
        /// The values, converted to `f64`.
        data: Vec<f64>,
    },
    /// A char array; `rows` holds each row as a string (one row for a plain string).
    Char {
        /// Dimensions.
        dims: Vec<usize>,
        /// The rows.
        rows: Vec<String>,
    },
    /// A cell array, elements in column-major order.
    Cell {
        /// Dimensions.
        dims: Vec<usize>,
        /// The elements.
        items: Vec<MatValue>,
    },
}

/// Reads every variable of the MAT v5 file at `path`, in file order.
pub fn read_mat(path: &Path) -> Result<Vec<(String, MatValue)>> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    parse_mat(&bytes).map_err(|m| DataError::format(path, format!("MAT v5: {m}")))
}

/// Parses MAT v5 bytes; errors are messages with byte offsets.
pub fn parse_mat(bytes: &[u8]) -> std::result::Result<Vec<(String, MatValue)>, String> {
    if bytes.len() < 128 {
        return Err(format!(
            "file is {} bytes, shorter than the 128-byte header",
            bytes.len()
        ));
    }
    if bytes.starts_with(b"\x89HDF") || bytes[..116].windows(10).any(|w| w == b"MATLAB 7.3") {
        return Err("this is a v7.3 (HDF5) file; only v5 is supported".into());
    }
    let big = match &bytes[126..128] {
        b"IM" => false,
        b"MI" => true,
        other => {
            return Err(format!(
                "bad endian indicator {other:?} at offset 126 (expected \"IM\" or \"MI\")"
            ));
        }
    };
    let r = Reader { big };
    let version = r.u16(&bytes[124..126]);
    if version != 0x0100 {
        return Err(format!(
            "version 0x{version:04x} at offset 124, expected 0x0100"
        ));
    }
    let mut out = Vec::new();
    let mut pos = 128;
    while pos < bytes.len() {
        let (ty, data, next) = r.element(bytes, pos)?;
        match ty {
            MI_MATRIX => out.push(r.matrix(data, pos)?),
            MI_COMPRESSED => {
                let mut inflated = Vec::new();
                flate2::read::ZlibDecoder::new(data)
                    .read_to_end(&mut inflated)
                    .map_err(|e| format!("compressed element at offset {pos}: {e}"))?;
                let (ty, inner, _) = r.element(&inflated, 0)?;
                if ty != MI_MATRIX {
                    return Err(format!(
                        "compressed element at offset {pos} holds type {ty}, not miMATRIX"
                    ));
                }
                out.push(r.matrix(inner, pos)?);
            }
            other => return Err(format!("top-level element of type {other} at offset {pos}")),
        }
        pos = next;
    }
    Ok(out)
}

struct Reader {
    big: bool,
}

impl Reader {
    fn u16(&self, b: &[u8]) -> u16 {
        let a = [b[0], b[1]];
        if self.big {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        }
    }

    fn u32(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.big {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }

    /// One data element at `pos`: (type, payload, offset of the next element).
    fn element<'a>(
        &self,
        b: &'a [u8],
        pos: usize,
    ) -> std::result::Result<(u32, &'a [u8], usize), String> {
        if pos + 8 > b.len() {
            return Err(format!("element tag at offset {pos} truncated"));
        }
        let first = self.u32(&b[pos..]);
        if first >> 16 != 0 {
            // Small element: type and size in the first 4 bytes, data in the next 4.
            let (ty, n) = (first & 0xffff, (first >> 16) as usize);
            if n > 4 {
                return Err(format!(
                    "small element at offset {pos} claims {n} bytes (at most 4)"
                ));
            }
            return Ok((ty, &b[pos + 4..pos + 4 + n], pos + 8));
        }
        let n = self.u32(&b[pos + 4..]) as usize;
        let start = pos + 8;
        let end = start
            .checked_add(n)
            .filter(|&e| e <= b.len())
            .ok_or_else(|| {
                format!(
                    "element at offset {pos} claims {n} bytes, only {} remain",
                    b.len() - start
                )
            })?;
        let next = if first == MI_COMPRESSED {
            end
        } else {
            (end + 7) & !7
        };
        Ok((first, &b[start..end], next.min(b.len()).max(end)))
    }

    /// Parses the subelements of a miMATRIX payload into (name, value).
    fn matrix(&self, b: &[u8], at: usize) -> std::result::Result<(String, MatValue), String> {
        let ctx = |m: String| format!("matrix at offset {at}: {m}");
        let (ty, flags, p) = self.element(b, 0).map_err(ctx)?;
        if ty != MI_UINT32 || flags.len() != 8 {
            return Err(ctx(format!(
                "array flags must be 8 bytes of miUINT32, found type {ty}"
            )));
        }
        let class = (self.u32(flags) & 0xff) as u8;
        let complex = self.u32(flags) & 0x0800 != 0;
        let (ty, dims_b, p) = self.element(b, p).map_err(ctx)?;
        if ty != MI_INT32 || dims_b.len() % 4 != 0 || dims_b.len() < 8 {
            return Err(ctx(format!(
                "dimensions must be at least two miINT32, found type {ty}"
            )));
        }
        let dims: Vec<usize> = dims_b
            .chunks_exact(4)
            .map(|c| self.u32(c) as usize)
            .collect();
        let (ty, name_b, mut p) = self.element(b, p).map_err(ctx)?;
        if ty != MI_INT8 {
            return Err(ctx(format!("array name must be miINT8, found type {ty}")));
        }
        let name = String::from_utf8_lossy(name_b).into_owned();
        let count = element_count(&dims).map_err(ctx)?;
        let value = match class {
            MX_CELL => {
                let mut items = Vec::with_capacity(count.min(1 << 20));
                for _ in 0..count {
                    let (ty, inner, next) = self.element(b, p).map_err(ctx)?;
                    if ty != MI_MATRIX {
                        return Err(ctx(format!("cell element of type {ty}, expected miMATRIX")));
                    }
                    items.push(self.matrix(inner, at)?.1);
                    p = next;
                }
                MatValue::Cell { dims, items }
            }
            MX_CHAR => {
                let (ty, data, _) = self.element(b, p).map_err(ctx)?;
                MatValue::Char {
                    rows: self.chars(ty, data, &dims).map_err(ctx)?,
                    dims,
                }
            }
            6..=15 if !complex => {
                let (ty, data, _) = self.element(b, p).map_err(ctx)?;
                let data = self.numbers(ty, data).map_err(ctx)?;
                if data.len() != count {
                    return Err(ctx(format!(
                        "{} values for dimensions {dims:?}",
                        data.len()
                    )));
                }
                MatValue::Numeric { dims, data }
            }
            c => {
                return Err(ctx(format!(
                    "array class {c}{} unsupported",
                    if complex { " (complex)" } else { "" }
                )));
            }
        };
        Ok((name, value))
    }

    fn numbers(&self, ty: u32, d: &[u8]) -> std::result::Result<Vec<f64>, String> {
        let w = match ty {
            MI_INT8 | MI_UINT8 => 1,
            MI_INT16 | MI_UINT16 => 2,
            MI_INT32 | MI_UINT32 | MI_SINGLE => 4,
            MI_DOUBLE | MI_INT64 | MI_UINT64 => 8,
            _ => return Err(format!("numeric data of type {ty} unsupported")),
        };
        if !d.len().is_multiple_of(w) {
            return Err(format!(
                "{} bytes is not a whole number of {w}-byte values",
                d.len()
            ));
        }
        Ok(d.chunks_exact(w).map(|c| self.number(ty, c)).collect())
    }

    fn number(&self, ty: u32, c: &[u8]) -> f64 {
        let mut a = [0u8; 8];
        a[..c.len()].copy_from_slice(c);
        if self.big {
            a[..c.len()].reverse();
        }
        let u = u64::from_le_bytes(a);
        match ty {
            MI_INT8 => f64::from(u as u8 as i8),
            MI_UINT8 => f64::from(u as u8),
            MI_INT16 => f64::from(u as u16 as i16),
            MI_UINT16 => f64::from(u as u16),
            MI_INT32 => f64::from(u as u32 as i32),
            MI_UINT32 => f64::from(u as u32),
            MI_SINGLE => f64::from(f32::from_bits(u as u32)),
            MI_INT64 => u as i64 as f64,
            MI_UINT64 => u as f64,
            _ => f64::from_bits(u),
        }
    }

    fn chars(&self, ty: u32, d: &[u8], dims: &[usize]) -> std::result::Result<Vec<String>, String> {
        let units: Vec<u32> = match ty {
            MI_UINT16 | MI_INT16 if d.len().is_multiple_of(2) => {
                d.chunks_exact(2).map(|c| u32::from(self.u16(c))).collect()
            }
            MI_UINT8 | MI_INT8 | MI_UTF8 => d.iter().map(|&x| u32::from(x)).collect(),
            _ => {
                return Err(format!(
                    "char data of type {ty} ({} bytes) unsupported",
                    d.len()
                ));
            }
        };
        let (rows, cols) = (dims[0], element_count(&dims[1..])?);
        // With no characters, `rows` empty strings would cost 24 bytes each that
        // the file does not hold (AFL++ found a 436-byte file asking 2^32 x 0).
        if cols == 0 && rows > 1 {
            return Err(format!(
                "{rows} rows of no characters (dimensions {dims:?})"
            ));
        }
        if rows.checked_mul(cols) != Some(units.len()) {
            return Err(format!(
                "{} characters for dimensions {dims:?}",
                units.len()
            ));
        }
        Ok((0..rows)
            .map(|r| {
                (0..cols)
                    .map(|c| char::from_u32(units[c * rows + r]).unwrap_or('\u{fffd}'))
                    .collect()
            })
            .collect())
    }
}

/// The number of elements of an array of dimensions `dims`, refusing products
/// that overflow (a corrupt header, not a real array).
fn element_count(dims: &[usize]) -> std::result::Result<usize, String> {
    dims.iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| format!("dimensions {dims:?} overflow the element count"))
}

/// Writing MAT v5 files (little-endian): used by tests and fixture generators to make Stanford
/// Dogs look-alike lists.
pub mod write {
    use std::io::Write;

    /// A value to write.
    pub enum Value<'a> {
        /// A column vector of doubles (N x 1).
        Doubles(&'a [f64]),
        /// A cell column (N x 1) of strings (each 1 x len char, UTF-16 units).
        Strings(&'a [String]),
    }

    fn element(ty: u32, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        if data.len() <= 4 && ty != super::MI_MATRIX {
            out.extend_from_slice(&(((data.len() as u32) << 16) | ty).to_le_bytes());
            out.extend_from_slice(data);
            out.resize(8, 0);
            return out;
        }
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        out.resize((out.len() + 7) & !7, 0);
        out
    }

    fn matrix(class: u8, dims: &[u32], name: &str, body: &[u8]) -> Vec<u8> {
        let mut m = element(super::MI_UINT32, &[class, 0, 0, 0, 0, 0, 0, 0]);
        let d: Vec<u8> = dims.iter().flat_map(|x| x.to_le_bytes()).collect();
        m.extend(element(super::MI_INT32, &d));
        m.extend(element(super::MI_INT8, name.as_bytes()));
        m.extend_from_slice(body);
        element(super::MI_MATRIX, &m)
    }

    /// The miMATRIX element of `value` named `name`.
    pub fn variable(name: &str, value: &Value) -> Vec<u8> {
        match value {
            Value::Doubles(v) => {
                let d: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                matrix(
                    6,
                    &[v.len() as u32, 1],
                    name,
                    &element(super::MI_DOUBLE, &d),
                )
            }
            Value::Strings(v) => {
                let body: Vec<u8> = v
                    .iter()
                    .flat_map(|s| {
                        let u: Vec<u16> = s.encode_utf16().collect();
                        let d: Vec<u8> = u.iter().flat_map(|x| x.to_le_bytes()).collect();
                        matrix(4, &[1, u.len() as u32], "", &element(super::MI_UINT16, &d))
                    })
                    .collect();
                matrix(1, &[v.len() as u32, 1], name, &body)
            }
        }
    }

    /// A whole file: header, then each variable, zlib-compressed (`miCOMPRESSED`) when `compress`.
    pub fn file(vars: &[(&str, Value)], compress: bool) -> Vec<u8> {
        let mut out = "MATLAB 5.0 MAT-file, written by deephash tests"
            .to_string()
            .into_bytes();
        out.resize(116, b' ');
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&0x0100u16.to_le_bytes());
        out.extend_from_slice(b"IM");
        for (name, value) in vars {
            let m = variable(name, value);
            if compress {
                let mut z =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                z.write_all(&m).expect("in-memory write");
                let z = z.finish().expect("in-memory write");
                out.extend_from_slice(&super::MI_COMPRESSED.to_le_bytes());
                out.extend_from_slice(&(z.len() as u32).to_le_bytes());
                out.extend_from_slice(&z);
            } else {
                out.extend(m);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::write::{Value, file};
    use super::*;

    fn sample(compress: bool) -> Vec<u8> {
        let names = vec![
            "n02085620-Chihuahua/n02085620_10074.jpg".to_string(),
            "ab".to_string(),
        ];
        file(
            &[
                ("file_list", Value::Strings(&names)),
                ("labels", Value::Doubles(&[1.0, 120.0])),
            ],
            compress,
        )
    }

    #[test]
    fn reads_cells_of_chars_and_doubles_plain_and_compressed() {
        for compress in [false, true] {
            let vars = parse_mat(&sample(compress)).unwrap();
            assert_eq!(vars.len(), 2);
            assert_eq!(vars[0].0, "file_list");
            let MatValue::Cell { dims, items } = &vars[0].1 else {
                panic!("not a cell")
            };
            assert_eq!(dims, &[2, 1]);
            assert_eq!(
                items[1],
                MatValue::Char {
                    dims: vec![1, 2],
                    rows: vec!["ab".into()]
                }
            );
            let MatValue::Char { rows, .. } = &items[0] else {
                panic!("not char")
            };
            assert_eq!(rows[0], "n02085620-Chihuahua/n02085620_10074.jpg");
            assert_eq!(
                vars[1].1,
                MatValue::Numeric {
                    dims: vec![2, 1],
                    data: vec![1.0, 120.0]
                }
            );
        }
    }

    #[test]
    fn small_element_format_is_read() {
        // "ab" is 4 bytes of UTF-16: written in the small-element format.
        let v = write::variable("x", &Value::Strings(&["ab".to_string()]));
        assert!(
            v.windows(4).any(|w| w == [4, 0, 4, 0]),
            "small element not used"
        );
        let mut f = file(&[], false);
        f.extend(v);
        assert!(matches!(
            &parse_mat(&f).unwrap()[0].1,
            MatValue::Cell { .. }
        ));
    }

    #[test]
    fn uint8_stored_doubles_are_converted() {
        // MATLAB stores small integer-valued doubles as miUINT8 data.
        let mut m = write::file(&[], false);
        let mut body = Vec::new();
        body.extend_from_slice(&[6, 0, 0, 0, 8, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]); // flags
        body.extend_from_slice(&[5, 0, 0, 0, 8, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0]); // dims 3x1
        body.extend_from_slice(&[1, 0, 1, 0, b'y', 0, 0, 0]); // small name "y"
        body.extend_from_slice(&[2, 0, 3, 0, 7, 8, 9, 0]); // small miUINT8 data
        m.extend_from_slice(&14u32.to_le_bytes());
        m.extend_from_slice(&(body.len() as u32).to_le_bytes());
        m.extend(body);
        let vars = parse_mat(&m).unwrap();
        assert_eq!(
            vars[0],
            (
                "y".into(),
                MatValue::Numeric {
                    dims: vec![3, 1],
                    data: vec![7.0, 8.0, 9.0]
                }
            )
        );
    }

    #[test]
    fn malformed_files_are_refused_with_reasons() {
        let good = sample(false);
        assert!(parse_mat(&good[..100]).unwrap_err().contains("header"));
        let mut bad_endian = good.clone();
        bad_endian[126..128].copy_from_slice(b"XX");
        assert!(parse_mat(&bad_endian).unwrap_err().contains("endian"));
        assert!(
            parse_mat(&good[..good.len() - 20])
                .unwrap_err()
                .contains("claims")
        );
        let mut bad_zlib = sample(true);
        let n = bad_zlib.len();
        bad_zlib[n - 30..n - 10].fill(0xAA);
        assert!(parse_mat(&bad_zlib).is_err());
        let mut truncated_z = sample(true);
        truncated_z.truncate(140);
        assert!(parse_mat(&truncated_z).is_err());
        let mut v73 = good;
        v73[..10].copy_from_slice(b"MATLAB 7.3");
        assert!(parse_mat(&v73).unwrap_err().contains("v7.3"));
    }

    #[test]
    fn a_char_array_of_many_empty_rows_is_refused_without_allocating_them() {
        let mut f = write::file(&[], false);
        let mut body = Vec::new();
        body.extend_from_slice(&[6, 0, 0, 0, 8, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]); // mxCHAR
        body.extend_from_slice(&[5, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0]); // 2^20 x 0
        body.extend_from_slice(&[1, 0, 1, 0, b'c', 0, 0, 0]); // small name "c"
        body.extend_from_slice(&[4, 0, 0, 0, 0, 0, 0, 0]); // miUINT16, no characters
        f.extend_from_slice(&14u32.to_le_bytes());
        f.extend_from_slice(&(body.len() as u32).to_le_bytes());
        f.extend(body);
        let err = parse_mat(&f).unwrap_err();
        assert!(err.contains("1048576 rows of no characters"), "{err}");
    }

    #[test]
    fn struct_class_is_refused() {
        let mut f = write::file(&[], false);
        let mut body = Vec::new();
        body.extend_from_slice(&[6, 0, 0, 0, 8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
        body.extend_from_slice(&[5, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        body.extend_from_slice(&[1, 0, 1, 0, b's', 0, 0, 0]);
        f.extend_from_slice(&14u32.to_le_bytes());
        f.extend_from_slice(&(body.len() as u32).to_le_bytes());
        f.extend(body);
        assert!(parse_mat(&f).unwrap_err().contains("class 2"));
    }
}
