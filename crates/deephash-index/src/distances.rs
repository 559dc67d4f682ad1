//! Distances of one query to every database code: the building block for full
//! rankings (e.g. mAP over the whole database).

use std::sync::OnceLock;

use deephash_codes::CodeMatrix;

use crate::IndexError;
use crate::kernels::Kernel;

/// The kernel detected once for this process.
pub fn detected_kernel() -> Kernel {
    static KERNEL: OnceLock<Kernel> = OnceLock::new();
    *KERNEL.get_or_init(Kernel::detect)
}

/// Writes the Hamming distance of `query` (packed, `db.bytes_per_code()` bytes)
/// to every code of `db` into `out` (`out.len() == db.len()`), using the fastest
/// SIMD kernel of this CPU. Codes whose byte length is not a multiple of 8 use
/// a portable byte loop.
pub fn distances(query: &[u8], db: &CodeMatrix, out: &mut [u16]) -> Result<(), IndexError> {
    let width = db.bytes_per_code();
    if query.len() != width {
        return Err(IndexError::BitsMismatch {
            query: query.len() * 8,
            db: db.bits(),
        });
    }
    if out.len() != db.len() {
        return Err(IndexError::Shape {
            what: format!("output has {} slots for {} codes", out.len(), db.len()),
        });
    }
    if width.is_multiple_of(8) {
        detected_kernel().distances(query, db.as_bytes(), width, out);
    } else {
        for (code, d) in db.as_bytes().chunks_exact(width).zip(out.iter_mut()) {
            *d = code
                .iter()
                .zip(query)
                .map(|(a, b)| (a ^ b).count_ones())
                .sum::<u32>() as u16;
        }
    }
    Ok(())
}
