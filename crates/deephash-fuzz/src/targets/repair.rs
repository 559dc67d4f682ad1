//! Checksum repair: after mutation, most `.dhc` and index inputs get their
//! CRC-32 fields recomputed, so mutants reach the parsing behind the checksums
//! instead of stopping at them (the rest keep broken checksums, which must be
//! refused too).

fn u64_at(b: &[u8], at: usize) -> Option<usize> {
    let bytes = b.get(at..at + 8)?;
    usize::try_from(u64::from_le_bytes(bytes.try_into().ok()?)).ok()
}

fn put_crc(b: &mut [u8], at: usize, crc: u32) {
    if let Some(slot) = b.get_mut(at..at + 4) {
        slot.copy_from_slice(&crc.to_le_bytes());
    }
}

/// Recomputes a code database's three checksums (layout in
/// `deephash_codes::db_format`).
pub fn dhc(b: &mut [u8]) {
    if b.len() < 128 {
        return;
    }
    if u64_at(b, 96).is_some_and(|off| off != 0) {
        let crc = crc32fast::hash(&b[96..112]);
        put_crc(b, 112, crc);
    }
    let payload = crc32fast::hash(&b[128..]);
    put_crc(b, 88, payload);
    let header = crc32fast::hash(&b[..92]);
    put_crc(b, 92, header);
}

/// Recomputes an index file's checksums and those of its embedded database.
pub fn index(b: &mut [u8]) {
    if b.len() < 64 {
        return;
    }
    if let (Some(off), Some(len)) = (u64_at(b, 16), u64_at(b, 24))
        && let Some(db) = off.checked_add(len).and_then(|end| b.get_mut(off..end))
    {
        dhc(db);
    }
    if let (Some(off), Some(len)) = (u64_at(b, 32), u64_at(b, 40))
        && let Some(mih) = off.checked_add(len).and_then(|end| b.get(off..end))
    {
        let crc = crc32fast::hash(mih);
        put_crc(b, 56, crc);
    }
    let header = crc32fast::hash(&b[..60]);
    put_crc(b, 60, header);
}

/// No checksums to repair.
pub fn none(_: &mut [u8]) {}
