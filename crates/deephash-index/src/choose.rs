//! Which index to use: the documented rule the CLI applies when `--index` is not given.

use deephash_codes::CodeMatrix;

use crate::IndexError;
use crate::mih::MultiIndexHashing;
use crate::scan::LinearScan;
use crate::search::HammingIndex;

/// The two exact index kinds (with the `clap` feature, a command-line value: `scan`, `mih`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum IndexKind {
    /// Exact SIMD linear scan ([`LinearScan`]).
    Scan,
    /// Exact multi-index hashing ([`MultiIndexHashing`]): sub-linear probing of substring tables.
    Mih,
}

impl IndexKind {
    /// `scan` or `mih`.
    pub fn name(self) -> &'static str {
        match self {
            IndexKind::Scan => "scan",
            IndexKind::Mih => "mih",
        }
    }
}

/// Smallest database for which [`choose`] picks multi-index hashing.
pub const MIH_MIN_CODES: usize = 1_000_000;
/// Longest code for which [`choose`] picks multi-index hashing.
pub const MIH_MAX_BITS: usize = 128;

/// The rule: multi-index hashing when the database has at least
/// [`MIH_MIN_CODES`] (1,000,000) codes of at most [`MIH_MAX_BITS`] bits, else the
/// linear scan. Below ~1M codes the SIMD scan is already fast and MIH's random
/// probes do not pay; for long codes the substring radius needed for k-NN grows
/// and the number of probes explodes. The rule assumes learned codes, which
/// cluster by class (measured at 1M × 64 bits, k = 100: MIH 5× faster than the
/// scan on clustered codes, but 10× slower on uniformly random codes, where every
/// neighbour is far). Both are exact, so the rule only affects speed; `--index`
/// overrides it.
pub fn choose(n: usize, bits: usize) -> IndexKind {
    if n >= MIH_MIN_CODES && bits <= MIH_MAX_BITS {
        IndexKind::Mih
    } else {
        IndexKind::Scan
    }
}

/// Builds an index of the given kind.
pub fn build(kind: IndexKind, codes: &CodeMatrix) -> Result<Box<dyn HammingIndex>, IndexError> {
    Ok(match kind {
        IndexKind::Scan => Box::new(LinearScan::new(codes)?),
        IndexKind::Mih => Box::new(MultiIndexHashing::new(codes)?),
    })
}
