//! The own code-database file format (`.dhc`): codes plus optional ids and labels.
//!
//! Layout (all integers little-endian):
//!
//! | offset | size | field |
//! |-------:|-----:|-------|
//! | 0   | 8 | magic `DHCODEDB` |
//! | 8   | 4 | format version (1) |
//! | 12  | 4 | bits per code |
//! | 16  | 8 | number of codes N |
//! | 24  | 4 | label kind: 0 none, 1 single (`i64` per item), 2 multi (`u8` 0/1 matrix) |
//! | 28  | 4 | label classes C (multi only, else 0) |
//! | 32  | 4 | 1 when ids are present, else 0 |
//! | 36  | 4 | reserved (0) |
//! | 40  | 8 | offset of the codes (multiple of 64) |
//! | 48  | 8 | offset of the labels (multiple of 64, 0 when absent) |
//! | 56  | 8 | byte length of the labels |
//! | 64  | 8 | offset of the ids (multiple of 64, 0 when absent) |
//! | 72  | 8 | byte length of the ids |
//! | 80  | 8 | total file length |
//! | 88  | 4 | CRC-32 of every byte after the 128-byte header |
//! | 92  | 4 | CRC-32 of bytes 0..92 |
//! | 96  | 8 | offset of the metadata (multiple of 64, 0 when absent) |
//! | 104 | 8 | byte length of the metadata |
//! | 112 | 4 | CRC-32 of bytes 96..112 (0 when there is no metadata) |
//! | 116 | 12 | reserved (0) |
//!
//! Every section starts on a 64-byte boundary so the payload can be memory-mapped
//! and read with aligned SIMD loads. Ids are `N + 1` `u64` end offsets (the first is
//! 0) followed by the UTF-8 bytes of all ids. The metadata ([`DbMeta`]: class names,
//! source data set, model fingerprint) is a JSON object after every other section. It
//! was added within version 1: older files have zeros there and read as having none, and
//! older readers, which ignore bytes 96..128, read newer files without it.

use std::io::Write;
use std::path::Path;

use crate::atomic::write_atomically;
use crate::file_bytes::{file_error, read_file};
use crate::{CodeMatrix, CodesError, DbMeta, Labels};

/// The magic bytes a code database starts with.
pub const DB_MAGIC: &[u8; 8] = b"DHCODEDB";
/// The format version this crate writes and reads.
pub const DB_VERSION: u32 = 1;
const HEADER_LEN: usize = 128;
const ALIGN: usize = 64;

/// A code database: codes, and optionally one id (e.g. an image path) and labels per code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeDb {
    /// The packed codes.
    pub codes: CodeMatrix,
    /// One id per code, when known.
    pub ids: Option<Vec<String>>,
    /// One label set per code, when known.
    pub labels: Option<Labels>,
}

impl CodeDb {
    /// A database of codes only.
    pub fn new(codes: CodeMatrix) -> Self {
        Self {
            codes,
            ids: None,
            labels: None,
        }
    }

    /// Checks that ids and labels, when present, have one entry per code.
    pub fn validate(&self) -> Result<(), CodesError> {
        let n = self.codes.len();
        let bad = |what: &str, len: usize| CodesError::Mismatch {
            what: format!("{what} count {len} ≠ code count {n}"),
        };
        if let Some(ids) = &self.ids
            && ids.len() != n
        {
            return Err(bad("id", ids.len()));
        }
        if let Some(labels) = &self.labels
            && labels.len() != n
        {
            return Err(bad("label", labels.len()));
        }
        Ok(())
    }

    /// Writes the database to `path` atomically (temporary file + rename).
    pub fn write(&self, path: &Path) -> Result<(), CodesError> {
        self.write_with(path, &DbMeta::default())
    }

    /// Writes the database with its metadata to `path` atomically.
    pub fn write_with(&self, path: &Path, meta: &DbMeta) -> Result<(), CodesError> {
        let bytes = self.to_bytes_with(meta)?;
        write_atomically(path, |file| file.write_all(&bytes))
    }

    /// The file image of the database (what [`CodeDb::write`] writes), for
    /// embedding in other files; its length is a multiple of nothing in particular.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CodesError> {
        self.to_bytes_with(&DbMeta::default())
    }

    /// The file image of the database with its metadata.
    pub fn to_bytes_with(&self, meta: &DbMeta) -> Result<Vec<u8>, CodesError> {
        self.validate()?;
        Ok(encode(self, meta))
    }

    /// Reads a database and its metadata (empty for files written without it).
    pub fn read_with_meta(path: &Path) -> Result<(Self, DbMeta), CodesError> {
        read_db_bytes_with_meta(path, &read_file(path)?)
    }

    /// Parses and validates a file image made by [`CodeDb::to_bytes`]; `path`
    /// names the containing file in errors.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self, CodesError> {
        read_db_bytes(path, bytes)
    }

    /// Reads and fully validates a database written by [`CodeDb::write`].
    pub fn read(path: &Path) -> Result<Self, CodesError> {
        read_db_bytes(path, &read_file(path)?)
    }

    /// Reads a code database, or `.npy` codes as a database without ids and labels (the
    /// formats [`crate::read_codes`] accepts, told apart by magic).
    pub fn read_any(path: &Path) -> Result<Self, CodesError> {
        let bytes = read_file(path)?;
        if bytes.starts_with(DB_MAGIC) {
            return read_db_bytes(path, &bytes);
        }
        Ok(Self::new(crate::codes_io::codes_from_bytes(path, &bytes)?))
    }
}

fn align(x: usize) -> usize {
    x.div_ceil(ALIGN) * ALIGN
}

fn label_bytes(labels: &Labels) -> (u32, u32, Vec<u8>) {
    match labels {
        Labels::Single(ids) => (1, 0, ids.iter().flat_map(|v| v.to_le_bytes()).collect()),
        Labels::Multi { classes, matrix } => (
            2,
            *classes as u32,
            matrix.iter().map(|&b| u8::from(b)).collect(),
        ),
    }
}

fn id_bytes(ids: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 * (ids.len() + 1));
    let mut end = 0u64;
    out.extend_from_slice(&end.to_le_bytes());
    for id in ids {
        end += id.len() as u64;
        out.extend_from_slice(&end.to_le_bytes());
    }
    ids.iter()
        .for_each(|id| out.extend_from_slice(id.as_bytes()));
    out
}

fn encode(db: &CodeDb, meta: &DbMeta) -> Vec<u8> {
    let mut buf = encode_sections(db);
    if meta.is_empty() {
        return finish_header(buf);
    }
    let json = meta.to_json();
    let meta_off = align(buf.len());
    buf.resize(meta_off + json.len(), 0);
    buf[meta_off..].copy_from_slice(&json);
    let total = buf.len() as u64;
    buf[80..88].copy_from_slice(&total.to_le_bytes());
    buf[96..104].copy_from_slice(&(meta_off as u64).to_le_bytes());
    buf[104..112].copy_from_slice(&(json.len() as u64).to_le_bytes());
    let pointer_crc = crc32fast::hash(&buf[96..112]);
    buf[112..116].copy_from_slice(&pointer_crc.to_le_bytes());
    finish_header(buf)
}

/// Fills in the payload and header checksums of a complete file image.
fn finish_header(mut buf: Vec<u8>) -> Vec<u8> {
    let payload_crc = crc32fast::hash(&buf[HEADER_LEN..]);
    buf[88..92].copy_from_slice(&payload_crc.to_le_bytes());
    let header_crc = crc32fast::hash(&buf[..92]);
    buf[92..96].copy_from_slice(&header_crc.to_le_bytes());
    buf
}

/// The file image without metadata and checksums.
fn encode_sections(db: &CodeDb) -> Vec<u8> {
    let codes = db.codes.as_bytes();
    let (kind, classes, labels) = db
        .labels
        .as_ref()
        .map(label_bytes)
        .unwrap_or((0, 0, Vec::new()));
    let ids = db.ids.as_deref().map(id_bytes).unwrap_or_default();
    let labels_off = if kind == 0 {
        0
    } else {
        align(HEADER_LEN + codes.len())
    };
    let after_labels = align(HEADER_LEN + codes.len()).max(align(labels_off + labels.len()));
    let ids_off = if db.ids.is_some() { after_labels } else { 0 };
    let total = if db.ids.is_some() {
        ids_off + ids.len()
    } else {
        HEADER_LEN + codes.len()
    }
    .max(if kind == 0 {
        0
    } else {
        labels_off + labels.len()
    });
    let mut buf = vec![0u8; total];
    buf[HEADER_LEN..HEADER_LEN + codes.len()].copy_from_slice(codes);
    buf[labels_off..labels_off + labels.len()].copy_from_slice(&labels);
    buf[ids_off..ids_off + ids.len()].copy_from_slice(&ids);
    let fields: [(usize, u64, usize); 12] = [
        (8, DB_VERSION as u64, 4),
        (12, db.codes.bits() as u64, 4),
        (16, db.codes.len() as u64, 8),
        (24, kind as u64, 4),
        (28, classes as u64, 4),
        (32, db.ids.is_some() as u64, 4),
        (40, HEADER_LEN as u64, 8),
        (48, labels_off as u64, 8),
        (56, labels.len() as u64, 8),
        (64, ids_off as u64, 8),
        (72, ids.len() as u64, 8),
        (80, total as u64, 8),
    ];
    buf[..8].copy_from_slice(DB_MAGIC);
    for (off, value, size) in fields {
        buf[off..off + size].copy_from_slice(&value.to_le_bytes()[..size]);
    }
    buf
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().expect("8 bytes"))
}

/// Parses and validates the bytes of a code database; `path` names the file in errors.
pub fn read_db_bytes(path: &Path, b: &[u8]) -> Result<CodeDb, CodesError> {
    read_db_bytes_with_meta(path, b).map(|(db, _)| db)
}

/// Parses and validates the bytes of a code database and its metadata.
pub fn read_db_bytes_with_meta(path: &Path, b: &[u8]) -> Result<(CodeDb, DbMeta), CodesError> {
    let err = |m: String| file_error(path, m);
    if !b.starts_with(DB_MAGIC) {
        return Err(err("not a deephash code database (wrong magic)".into()));
    }
    if b.len() < HEADER_LEN {
        return Err(err(format!(
            "truncated: {} bytes, the header alone needs {HEADER_LEN}",
            b.len()
        )));
    }
    let version = u32_at(b, 8);
    if version != DB_VERSION {
        return Err(err(format!(
            "unsupported format version {version} (this build reads {DB_VERSION})"
        )));
    }
    if crc32fast::hash(&b[..92]) != u32_at(b, 92) {
        return Err(err(
            "header checksum mismatch: the header is corrupted".into()
        ));
    }
    let total = u64_at(b, 80);
    if total != b.len() as u64 {
        let what = if (b.len() as u64) < total {
            "truncated"
        } else {
            "has trailing bytes"
        };
        return Err(err(format!(
            "{what}: header says {total} bytes, file has {}",
            b.len()
        )));
    }
    if crc32fast::hash(&b[HEADER_LEN..]) != u32_at(b, 88) {
        return Err(err(
            "payload checksum mismatch: the data is corrupted".into()
        ));
    }
    Ok((decode_sections(path, b)?, decode_meta(path, b)?))
}

fn decode_meta(path: &Path, b: &[u8]) -> Result<DbMeta, CodesError> {
    let (off, len) = (u64_at(b, 96), u64_at(b, 104));
    if off == 0 && len == 0 && u32_at(b, 112) == 0 {
        return Ok(DbMeta::default());
    }
    if crc32fast::hash(&b[96..112]) != u32_at(b, 112) {
        return Err(file_error(
            path,
            "metadata pointer checksum mismatch: the header is corrupted",
        ));
    }
    DbMeta::from_json(path, section(path, b, "metadata", off, len)?)
}

fn section<'a>(
    path: &Path,
    b: &'a [u8],
    name: &str,
    off: u64,
    len: u64,
) -> Result<&'a [u8], CodesError> {
    let end = off.checked_add(len).filter(|&e| e <= b.len() as u64);
    match end {
        Some(end) if (off as usize).is_multiple_of(ALIGN) && off as usize >= HEADER_LEN => {
            Ok(&b[off as usize..end as usize])
        }
        _ => Err(file_error(
            path,
            format!("{name} section (offset {off}, {len} bytes) lies outside the file"),
        )),
    }
}

fn decode_sections(path: &Path, b: &[u8]) -> Result<CodeDb, CodesError> {
    let bits = u32_at(b, 12) as usize;
    CodeMatrix::validate_bits(bits).map_err(|e| file_error(path, e.to_string()))?;
    let n = u64_at(b, 16);
    let code_len = n
        .checked_mul(bits as u64 / 8)
        .ok_or_else(|| file_error(path, "code count overflows"))?;
    let codes = section(path, b, "codes", u64_at(b, 40), code_len)?;
    let codes = CodeMatrix::from_packed(bits, codes.to_vec())
        .map_err(|e| file_error(path, e.to_string()))?;
    let labels = decode_labels(path, b, n as usize)?;
    let ids = if u32_at(b, 32) == 1 {
        Some(decode_ids(path, b, n as usize)?)
    } else {
        None
    };
    Ok(CodeDb { codes, ids, labels })
}

fn decode_labels(path: &Path, b: &[u8], n: usize) -> Result<Option<Labels>, CodesError> {
    let (kind, classes) = (u32_at(b, 24), u32_at(b, 28) as usize);
    let data = || section(path, b, "labels", u64_at(b, 48), u64_at(b, 56));
    let wrong_len = |len: usize| {
        file_error(
            path,
            format!("labels section of {len} bytes does not fit {n} items"),
        )
    };
    match kind {
        0 => Ok(None),
        1 => {
            let d = data()?;
            if d.len() != n * 8 {
                return Err(wrong_len(d.len()));
            }
            Ok(Some(Labels::Single(
                d.chunks_exact(8)
                    .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
                    .collect(),
            )))
        }
        2 => {
            let d = data()?;
            if classes == 0 || d.len() != n * classes || d.iter().any(|&v| v > 1) {
                return Err(file_error(
                    path,
                    format!("multi-label matrix is not a {n}×{classes} 0/1 matrix"),
                ));
            }
            Ok(Some(Labels::Multi {
                classes,
                matrix: d.iter().map(|&v| v == 1).collect(),
            }))
        }
        k => Err(file_error(path, format!("unknown label kind {k}"))),
    }
}

fn decode_ids(path: &Path, b: &[u8], n: usize) -> Result<Vec<String>, CodesError> {
    let d = section(path, b, "ids", u64_at(b, 64), u64_at(b, 72))?;
    let bad = |m: &str| file_error(path, format!("ids section is corrupt: {m}"));
    let table_len = (n + 1)
        .checked_mul(8)
        .filter(|&t| t <= d.len())
        .ok_or_else(|| bad("offset table too short"))?;
    let (table, text) = d.split_at(table_len);
    let ends: Vec<usize> = table
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()) as usize)
        .collect();
    if ends[0] != 0 || ends.windows(2).any(|w| w[0] > w[1]) || ends[n] != text.len() {
        return Err(bad("offsets are not increasing to the end of the text"));
    }
    ends.windows(2)
        .map(|w| {
            String::from_utf8(text[w[0]..w[1]].to_vec()).map_err(|_| bad("an id is not UTF-8"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CodeDb {
        let codes = CodeMatrix::from_packed(16, (0..10).collect()).unwrap();
        let ids = Some((0..5).map(|i| format!("img/{i}.jpg")).collect());
        CodeDb {
            codes,
            ids,
            labels: Some(Labels::Single(vec![1, 2, 3, 4, -5])),
        }
    }

    #[test]
    fn roundtrip_with_and_without_extras() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.dhc");
        let full = sample();
        full.write(&path).unwrap();
        assert_eq!(CodeDb::read(&path).unwrap(), full);
        assert_eq!(crate::read_codes(&path).unwrap(), full.codes);
        assert_eq!(
            crate::read_labels(&path).unwrap(),
            full.labels.clone().unwrap()
        );
        let multi = CodeDb {
            labels: Some(Labels::Multi {
                classes: 2,
                matrix: vec![true; 10],
            }),
            ids: None,
            ..full.clone()
        };
        multi.write(&path).unwrap();
        assert_eq!(CodeDb::read(&path).unwrap(), multi);
        let bare = CodeDb::new(full.codes.clone());
        bare.write(&path).unwrap();
        assert_eq!(CodeDb::read(&path).unwrap(), bare);
        assert!(
            crate::read_labels(&path)
                .unwrap_err()
                .to_string()
                .contains("no labels")
        );
    }

    fn meta() -> DbMeta {
        DbMeta {
            class_names: vec!["cat".into(), "dog".into()],
            dataset: Some(crate::DatasetRef {
                kind: "fashion-mnist".into(),
                dir: None,
            }),
            model: None,
        }
    }

    #[test]
    fn metadata_roundtrips_and_old_files_read_without_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.dhc");
        sample().write_with(&path, &meta()).unwrap();
        let (db, read) = CodeDb::read_with_meta(&path).unwrap();
        assert_eq!((db, read), (sample(), meta()));
        assert_eq!(CodeDb::read(&path).unwrap(), sample());
        // A file as written before the metadata existed: zeros at 96..128.
        let old = encode(&sample(), &DbMeta::default());
        assert!(old[96..128].iter().all(|&b| b == 0));
        std::fs::write(&path, &old).unwrap();
        assert_eq!(CodeDb::read_with_meta(&path).unwrap().1, DbMeta::default());
        // An older reader sees a valid file: the metadata lies inside the payload checksum
        // and the total length, and the header it checks (bytes 0..92) is unchanged in form.
        let new = encode(&sample(), &meta());
        assert_eq!(u64_at(&new, 80) as usize, new.len());
        assert_eq!(u64_at(&new, 96) % 64, 0);
        let mut broken = new.clone();
        broken[100] ^= 1;
        std::fs::write(&path, &broken).unwrap();
        let err = CodeDb::read(&path).unwrap_err().to_string();
        assert!(err.contains("metadata pointer"), "{err}");
    }

    #[test]
    fn payload_is_aligned() {
        let bytes = encode(&sample(), &DbMeta::default());
        for off in [40, 48, 64] {
            assert_eq!(u64_at(&bytes, off) % 64, 0);
        }
    }

    #[test]
    fn every_corruption_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.dhc");
        let bytes = encode(&sample(), &meta());
        let check = |data: &[u8], needle: &str| {
            std::fs::write(&path, data).unwrap();
            let msg = CodeDb::read(&path).unwrap_err().to_string();
            assert!(
                msg.contains(needle) && msg.contains("db.dhc"),
                "{msg} lacks {needle}"
            );
        };
        check(&bytes[..bytes.len() - 1], "truncated");
        check(&bytes[..50], "truncated");
        let mut flipped = bytes.clone();
        flipped[HEADER_LEN + 3] ^= 1;
        check(&flipped, "payload checksum");
        let mut flipped = bytes.clone();
        flipped[13] ^= 1;
        check(&flipped, "header checksum");
        let mut version = bytes.clone();
        version[8] = 9;
        check(&version, "version 9");
        let mut extra = bytes.clone();
        extra.push(0);
        check(&extra, "trailing");
    }

    #[test]
    fn mismatched_counts_are_refused_on_write() {
        let mut db = sample();
        db.labels = Some(Labels::Single(vec![1]));
        let dir = tempfile::tempdir().unwrap();
        let err = db.write(&dir.path().join("x.dhc")).unwrap_err().to_string();
        assert!(err.contains("label count 1"), "{err}");
    }
}
