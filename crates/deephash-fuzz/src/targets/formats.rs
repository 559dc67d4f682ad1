//! Targets whose parser takes bytes in memory.

use std::path::Path;

use deephash_codes::db_format::read_db_bytes_with_meta;
use deephash_codes::npy::parse_npy;
use deephash_codes::{codes_from_npy, labels_from_npy};

/// Largest image the image target lets through (pixels).
pub const MAX_PIXELS: u64 = 1 << 20;

/// `.npy`: the header, then the array as codes and as labels.
pub fn npy(bytes: &[u8]) -> Result<(), String> {
    let path = Path::new("fuzz.npy");
    if let Ok(array) = parse_npy(path, bytes) {
        let _ = array.to_f32();
        let _ = array.to_i64();
        let _ = codes_from_npy(path, &array);
        let _ = labels_from_npy(path, &array);
    }
    Ok(())
}

/// `.dhc` with its metadata; a database that loads must be consistent.
pub fn dhc(bytes: &[u8]) -> Result<(), String> {
    if let Ok((db, _meta)) = read_db_bytes_with_meta(Path::new("fuzz.dhc"), bytes) {
        db.validate()
            .map_err(|e| format!("loaded but invalid: {e}"))?;
    }
    Ok(())
}

/// MAT v5 (Stanford Dogs' lists), compressed or not.
pub fn mat5(bytes: &[u8]) -> Result<(), String> {
    let _ = deephash_data::mat5::parse_mat(bytes);
    Ok(())
}

/// A code as text, at several code lengths; a parsed code has the right size.
pub fn code_text(bytes: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(bytes);
    for bits in [8, 64, 128] {
        if let Ok(code) = deephash_serve::parse_code(&text, bits)
            && code.len() != bits / 8
        {
            return Err(format!("{bits} bits parsed into {} bytes", code.len()));
        }
    }
    Ok(())
}

/// Image decoding under the pixel limit; a decoded image is within it.
pub fn image(bytes: &[u8]) -> Result<(), String> {
    if let Ok(image) = deephash_serve::decode_image(bytes, MAX_PIXELS) {
        let pixels = u64::from(image.width()) * u64::from(image.height());
        if pixels > MAX_PIXELS {
            return Err(format!("decoded {pixels} pixels past the limit"));
        }
    }
    Ok(())
}
