//! The `HammingIndex` trait and the argument checks shared by every index.

use deephash_codes::CodeMatrix;

use crate::IndexError;
use crate::neighbors::{Neighbors, RadiusHits};
use crate::padded::PaddedCodes;

/// An exact Hamming-distance index over a fixed database of codes.
///
/// Every implementation returns exactly the same answers as a plain scalar scan:
/// nearest first, ties broken by the lower database id.
pub trait HammingIndex: Send + Sync {
    /// Code length in bits.
    fn bits(&self) -> usize;
    /// Number of database codes.
    fn len(&self) -> usize;
    /// True when the database is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// A short name of the method (`scan`, `mih`).
    fn name(&self) -> &'static str;
    /// The `k` nearest database codes of every query (`1 <= k <= len`).
    /// Runs on the current rayon thread pool.
    fn knn(&self, queries: &CodeMatrix, k: usize) -> Result<Neighbors, IndexError>;
    /// Every database code within Hamming distance `radius` (inclusive) of each query.
    fn radius(&self, queries: &CodeMatrix, radius: u32) -> Result<Vec<RadiusHits>, IndexError>;
}

/// Checks that queries match the database's code length.
pub fn check_bits(queries: &CodeMatrix, db_bits: usize) -> Result<(), IndexError> {
    if queries.bits() != db_bits {
        return Err(IndexError::BitsMismatch {
            query: queries.bits(),
            db: db_bits,
        });
    }
    Ok(())
}

/// Checks `1 <= k <= n`.
pub fn check_k(k: usize, n: usize) -> Result<(), IndexError> {
    if k == 0 || k > n {
        return Err(IndexError::InvalidK { k, n });
    }
    Ok(())
}

/// Pads queries like the database (see [`PaddedCodes`]).
pub fn pad_queries(queries: &CodeMatrix, db_bits: usize) -> Result<PaddedCodes, IndexError> {
    check_bits(queries, db_bits)?;
    PaddedCodes::new(queries)
}
