//! Index files (`deephash index build`): a code database plus, for multi-index
//! hashing, its substring tables, so loading is a read and a checksum, not a rebuild.
//!
//! Layout (little-endian): a 64-byte header — magic `DHINDEX\0`, version `u32`
//! (1), kind `u32` (0 scan, 1 mih), database offset and length `u64`, MIH
//! section offset and length `u64` (0 for scan), total length `u64`, CRC-32 of
//! the MIH section `u32`, CRC-32 of header bytes 0..60 `u32` — then the embedded
//! code database (its own format and checksum, see `deephash_codes::db_format`)
//! at offset 64, then the MIH section at a 64-byte boundary: `m: u32`, `m` pairs
//! `(start, len): u32`, then per table `2^len + 1` offsets and `N` ids, all `u32`.

use std::io::Write;
use std::path::Path;

use deephash_codes::{CodeDb, DbMeta, write_atomically};

use crate::IndexError;
use crate::choose::IndexKind;
use crate::mih::{MAX_SUBSTRING_BITS, MultiIndexHashing, Table};
use crate::padded::PaddedCodes;
use crate::scan::LinearScan;
use crate::search::HammingIndex;

/// The magic bytes an index file starts with.
pub const INDEX_MAGIC: &[u8; 8] = b"DHINDEX\0";
const VERSION: u32 = 1;
const HEADER: usize = 64;

/// An index read back from a file: the database and a ready search structure.
pub struct LoadedIndex {
    /// The codes with their ids and labels.
    pub db: CodeDb,
    /// What the embedded code database records about its items and codes (class names,
    /// source data set, model fingerprint); empty for files written without it.
    pub meta: DbMeta,
    /// Which kind of index the file holds.
    pub kind: IndexKind,
    /// The search structure.
    pub index: Box<dyn HammingIndex>,
}

fn file_err(path: &Path, message: impl Into<String>) -> IndexError {
    IndexError::File {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn put_u32s(out: &mut Vec<u8>, values: &[u32]) {
    values
        .iter()
        .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
}

fn mih_section(mih: &MultiIndexHashing) -> Vec<u8> {
    let mut out = Vec::new();
    put_u32s(&mut out, &[mih.tables().len() as u32]);
    for t in mih.tables() {
        put_u32s(&mut out, &[t.start as u32, t.len as u32]);
    }
    for t in mih.tables() {
        put_u32s(&mut out, &t.offsets);
        put_u32s(&mut out, &t.ids);
    }
    out
}

/// Builds an index of `kind` over `db` and writes it to `path` atomically.
pub fn write_index(path: &Path, db: &CodeDb, kind: IndexKind) -> Result<(), IndexError> {
    write_index_with(path, db, &DbMeta::default(), kind)
}

/// Builds an index of `kind` over `db` and writes it to `path` atomically, with the code
/// database's metadata `meta`.
pub fn write_index_with(
    path: &Path,
    db: &CodeDb,
    meta: &DbMeta,
    kind: IndexKind,
) -> Result<(), IndexError> {
    let db_bytes = db.to_bytes_with(meta)?;
    let mih = match kind {
        IndexKind::Scan => Vec::new(),
        IndexKind::Mih => mih_section(&MultiIndexHashing::new(&db.codes)?),
    };
    let mih_off = if mih.is_empty() {
        0
    } else {
        (HEADER + db_bytes.len()).div_ceil(64) * 64
    };
    let total = if mih.is_empty() {
        HEADER + db_bytes.len()
    } else {
        mih_off + mih.len()
    };
    let mut buf = vec![0u8; total];
    buf[HEADER..HEADER + db_bytes.len()].copy_from_slice(&db_bytes);
    buf[mih_off..mih_off + mih.len()].copy_from_slice(&mih);
    buf[..8].copy_from_slice(INDEX_MAGIC);
    buf[8..12].copy_from_slice(&VERSION.to_le_bytes());
    buf[12..16].copy_from_slice(&u32::from(kind == IndexKind::Mih).to_le_bytes());
    for (off, v) in [
        (16, HEADER),
        (24, db_bytes.len()),
        (32, mih_off),
        (40, mih.len()),
        (48, total),
    ] {
        buf[off..off + 8].copy_from_slice(&(v as u64).to_le_bytes());
    }
    buf[56..60].copy_from_slice(&crc32fast::hash(&mih).to_le_bytes());
    let crc = crc32fast::hash(&buf[..60]);
    buf[60..64].copy_from_slice(&crc.to_le_bytes());
    write_atomically(path, |f| f.write_all(&buf)).map_err(IndexError::from)
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], off: usize) -> usize {
    u64::from_le_bytes(b[off..off + 8].try_into().expect("8 bytes")) as usize
}

/// True when `bytes` start like an index file.
pub fn is_index_file(bytes: &[u8]) -> bool {
    bytes.starts_with(INDEX_MAGIC)
}

/// Reads and validates an index file written by [`write_index`].
pub fn read_index(path: &Path) -> Result<LoadedIndex, IndexError> {
    let b = std::fs::read(path).map_err(|e| file_err(path, e.to_string()))?;
    if b.is_empty() {
        return Err(file_err(path, "empty file"));
    }
    if !is_index_file(&b) {
        return Err(file_err(path, "not a deephash index file (wrong magic)"));
    }
    if b.len() < HEADER {
        return Err(file_err(
            path,
            format!(
                "truncated: {} bytes, the header alone needs {HEADER}",
                b.len()
            ),
        ));
    }
    if u32_at(&b, 8) != VERSION {
        return Err(file_err(
            path,
            format!("unsupported index version {}", u32_at(&b, 8)),
        ));
    }
    if crc32fast::hash(&b[..60]) != u32_at(&b, 60) {
        return Err(file_err(
            path,
            "header checksum mismatch: the header is corrupted",
        ));
    }
    if u64_at(&b, 48) != b.len() {
        return Err(file_err(
            path,
            format!(
                "truncated or padded: header says {} bytes, file has {}",
                u64_at(&b, 48),
                b.len()
            ),
        ));
    }
    let (db_off, db_len) = (u64_at(&b, 16), u64_at(&b, 24));
    let db_bytes = b
        .get(db_off..db_off.saturating_add(db_len))
        .ok_or_else(|| file_err(path, "database section outside the file"))?;
    let (db, meta) = deephash_codes::db_format::read_db_bytes_with_meta(path, db_bytes)?;
    let (kind, index): (IndexKind, Box<dyn HammingIndex>) = match u32_at(&b, 12) {
        0 => (IndexKind::Scan, Box::new(LinearScan::new(&db.codes)?)),
        1 => (IndexKind::Mih, Box::new(read_mih(path, &b, &db)?)),
        k => return Err(file_err(path, format!("unknown index kind {k}"))),
    };
    Ok(LoadedIndex {
        db,
        meta,
        kind,
        index,
    })
}

fn read_mih(path: &Path, b: &[u8], db: &CodeDb) -> Result<MultiIndexHashing, IndexError> {
    let (off, len) = (u64_at(b, 32), u64_at(b, 40));
    let sec = b
        .get(off..off.saturating_add(len))
        .ok_or_else(|| file_err(path, "MIH section outside the file"))?;
    if crc32fast::hash(sec) != u32_at(b, 56) {
        return Err(file_err(
            path,
            "MIH section checksum mismatch: the tables are corrupted",
        ));
    }
    let words: Vec<u32> = sec
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4")))
        .collect();
    let short = || file_err(path, "MIH section too short for its tables");
    let m = *words.first().ok_or_else(short)? as usize;
    // Each table takes two words of the directory: a count beyond that is corrupt,
    // and must not size an allocation.
    if m > (words.len() - 1) / 2 {
        return Err(short());
    }
    let n = db.codes.len();
    let mut pos = 1 + 2 * m;
    let mut tables = Vec::with_capacity(m);
    for i in 0..m {
        let (start, tlen) = (words[1 + 2 * i] as usize, words[2 + 2 * i] as usize);
        if tlen == 0 || tlen > MAX_SUBSTRING_BITS {
            return Err(file_err(
                path,
                format!("table {i} has an invalid substring length {tlen}"),
            ));
        }
        let offsets = words
            .get(pos..pos + (1 << tlen) + 1)
            .ok_or_else(short)?
            .to_vec();
        pos += offsets.len();
        let ids = words.get(pos..pos + n).ok_or_else(short)?.to_vec();
        pos += n;
        tables.push(Table {
            start,
            len: tlen,
            offsets,
            ids,
        });
    }
    MultiIndexHashing::from_parts(PaddedCodes::new(&db.codes)?, tables)
        .map_err(|e| file_err(path, e.to_string()))
}
