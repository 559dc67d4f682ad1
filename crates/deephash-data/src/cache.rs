//! The decoded-image cache: resized 8-bit pixels of every image file of a split in one
//! memory-mapped file, so repeated epochs skip JPEG decoding and resizing.
//!
//! File layout (little-endian): `DHCACHE1`, entry count `u64`, table offset `u64`, then the pixel
//! data, then the table: per entry the source fingerprint (`u64`: hash of path, size and
//! modification time), data offset `u64`, width `u32`, height `u32`, CRC-32 of the pixels `u32`,
//! status `u32` (1 = decoded, 0 = unreadable and skipped). The file is written through the
//! workspace's atomic writer (`deephash-atomic`), so a crash never leaves a half-written cache. On open every source is checked
//! against its fingerprint; any change rebuilds the cache. A CRC mismatch on read falls back to
//! decoding the source (with a warning).

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::dataset::Sample;
use crate::error::{DataError, Result};
use crate::rgb::RgbImage;
use crate::transform::TransformConfig;

const MAGIC: &[u8; 8] = b"DHCACHE1";
const HEADER: u64 = 24;
const ENTRY: usize = 32;
const CHUNK: usize = 256;

#[derive(Debug, Clone, Copy)]
struct Entry {
    fingerprint: u64,
    offset: u64,
    width: u32,
    height: u32,
    crc: u32,
    ok: bool,
}

/// An open cache: the resized pixels of a list of samples, memory-mapped.
pub struct DecodedCache {
    path: PathBuf,
    map: memmap2::Mmap,
    entries: Vec<Entry>,
}

impl DecodedCache {
    /// Opens the cache in `dir` for `samples` prepared with `transform` (only its resize matters),
    /// building it (decoding in parallel, with a progress bar) when missing or stale. Unreadable
    /// images are an error naming the file, or, with `skip_bad`, logged and marked as skipped.
    pub fn open_or_build(
        dir: &Path,
        samples: &[Sample],
        transform: &TransformConfig,
        max_pixels: u64,
        skip_bad: bool,
    ) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
        let path = dir.join(format!("{:016x}.dhc", key(samples, transform)));
        let prints: Vec<u64> = samples.iter().map(fingerprint).collect();
        if path.is_file() {
            match Self::open(&path) {
                Ok(c)
                    if c.entries
                        .iter()
                        .map(|e| e.fingerprint)
                        .eq(prints.iter().copied()) =>
                {
                    return Ok(c);
                }
                Ok(_) => tracing::info!("{}: sources changed, rebuilding", path.display()),
                Err(e) => tracing::warn!("{e}; rebuilding"),
            }
        }
        crate::atomic::write_atomically(&path, |file| {
            fill(
                file, &path, samples, &prints, transform, max_pixels, skip_bad,
            )
        })?;
        Self::open(&path)
    }

    /// Opens an existing cache file, checking its structure.
    pub fn open(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
        // SAFETY: the file is only ever replaced by rename, never modified in place.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| DataError::io(path, e))?;
        let bad = |m: &str| DataError::format(path, format!("decoded-image cache: {m}"));
        if map.len() < HEADER as usize || &map[..8] != MAGIC {
            return Err(bad("not a cache file (bad magic)"));
        }
        let n = u64::from_le_bytes(map[8..16].try_into().expect("8 bytes")) as usize;
        let table = u64::from_le_bytes(map[16..24].try_into().expect("8 bytes")) as usize;
        if table.checked_add(n.saturating_mul(ENTRY)) != Some(map.len()) {
            return Err(bad("table does not end the file (truncated?)"));
        }
        let entries: Vec<Entry> = map[table..].chunks_exact(ENTRY).map(parse_entry).collect();
        for e in &entries {
            let len = e.width as usize * e.height as usize * 3;
            if e.offset as usize + len > table {
                return Err(bad("entry points past the data"));
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            map,
            entries,
        })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether entry `i` holds an image (`false` for one skipped as unreadable, or out of
    /// range); reads only the index, not the pixels.
    pub fn has_image(&self, i: usize) -> bool {
        self.entries.get(i).is_some_and(|e| e.ok)
    }

    /// The resized pixels of entry `i`; `Ok(None)` for an image skipped as unreadable; an error
    /// when the entry's checksum does not match (the caller may decode the source instead).
    pub fn get(&self, i: usize) -> Result<Option<RgbImage>> {
        let e = self
            .entries
            .get(i)
            .ok_or_else(|| DataError::Invalid(format!("cache entry {i} out of range")))?;
        if !e.ok {
            return Ok(None);
        }
        let len = e.width as usize * e.height as usize * 3;
        let px = &self.map[e.offset as usize..e.offset as usize + len];
        if crc32fast::hash(px) != e.crc {
            return Err(DataError::format(
                &self.path,
                format!("decoded-image cache: entry {i} fails its checksum"),
            ));
        }
        Ok(RgbImage::new(e.width, e.height, px.to_vec()))
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn parse_entry(b: &[u8]) -> Entry {
    let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
    Entry {
        fingerprint: u64_at(0),
        offset: u64_at(8),
        width: u32_at(16),
        height: u32_at(20),
        crc: u32_at(24),
        ok: u32_at(28) == 1,
    }
}

/// Hash of the resize step and the sample names: the cache file's name.
fn key(samples: &[Sample], transform: &TransformConfig) -> u64 {
    let mut h = Sha256::new();
    h.update(format!("{:?}", transform.resize).as_bytes());
    for s in samples {
        h.update(s.name.as_bytes());
        h.update(b"\0");
        if let Some(p) = s.path() {
            h.update(p.as_os_str().as_encoded_bytes());
        }
        h.update(b"\n");
    }
    u64::from_le_bytes(h.finalize()[..8].try_into().expect("8 bytes"))
}

/// Hash of a sample's path, size and modification time (0 for in-memory samples).
fn fingerprint(s: &Sample) -> u64 {
    let Some(p) = s.path() else { return 0 };
    let meta = std::fs::metadata(p).ok();
    let size = meta.as_ref().map_or(u64::MAX, |m| m.len());
    let mtime = meta
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    let mut h = Sha256::new();
    h.update(p.as_os_str().as_encoded_bytes());
    h.update(size.to_le_bytes());
    h.update(mtime.map_or(0, |d| d.as_nanos()).to_le_bytes());
    u64::from_le_bytes(h.finalize()[..8].try_into().expect("8 bytes"))
}

/// Decodes the samples into `file` (the cache at `path` being written through the atomic
/// writer): header, pixels, table.
fn fill(
    file: &mut std::fs::File,
    path: &Path,
    samples: &[Sample],
    prints: &[u64],
    t: &TransformConfig,
    max_pixels: u64,
    skip_bad: bool,
) -> Result<()> {
    let io = |e| DataError::io(path, e);
    let mut out = std::io::BufWriter::new(&mut *file);
    out.write_all(&[0; HEADER as usize]).map_err(io)?;
    let bar = indicatif::ProgressBar::new(samples.len() as u64).with_message("decoding into cache");
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} {per_sec} eta {eta}")
            .expect("static template"),
    );
    let mut entries = Vec::with_capacity(samples.len());
    let mut offset = HEADER;
    for (chunk, chunk_prints) in samples.chunks(CHUNK).zip(prints.chunks(CHUNK)) {
        let images: Vec<Result<RgbImage>> = chunk
            .par_iter()
            .map(|s| s.load(max_pixels).map(|img| t.prepare(&img)))
            .collect();
        for ((img, s), &fp) in images.into_iter().zip(chunk).zip(chunk_prints) {
            let entry = match img {
                Ok(img) => {
                    out.write_all(&img.pixels).map_err(io)?;
                    let e = Entry {
                        fingerprint: fp,
                        offset,
                        width: img.width,
                        height: img.height,
                        crc: crc32fast::hash(&img.pixels),
                        ok: true,
                    };
                    offset += img.pixels.len() as u64;
                    e
                }
                Err(err) if skip_bad => {
                    tracing::warn!("skipping {}: {err}", s.name);
                    Entry {
                        fingerprint: fp,
                        offset,
                        width: 0,
                        height: 0,
                        crc: 0,
                        ok: false,
                    }
                }
                Err(err) => return Err(err),
            };
            entries.push(entry);
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    for e in &entries {
        for (v, w) in [
            (e.fingerprint, 8),
            (e.offset, 8),
            (u64::from(e.width), 4),
            (u64::from(e.height), 4),
            (u64::from(e.crc), 4),
            (u64::from(e.ok), 4),
        ] {
            out.write_all(&v.to_le_bytes()[..w]).map_err(io)?;
        }
    }
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    file.write_all(MAGIC).map_err(io)?;
    file.write_all(&(entries.len() as u64).to_le_bytes())
        .map_err(io)?;
    file.write_all(&offset.to_le_bytes()).map_err(io)
}
