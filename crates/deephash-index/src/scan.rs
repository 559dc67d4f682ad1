//! Exact linear scan: every query against every code, with SIMD kernels,
//! blocks of queries sharing each cache-resident chunk of the database, and
//! rayon threads over query blocks.

use deephash_codes::CodeMatrix;
use rayon::prelude::*;

use crate::IndexError;
use crate::kernels::Kernel;
use crate::neighbors::{Neighbors, RadiusHits, hits_from_keys};
use crate::padded::PaddedCodes;
use crate::search::{HammingIndex, check_k, pad_queries};
use crate::topk::TopK;

/// Queries that share one pass over the database.
const QUERY_BLOCK: usize = 16;
/// Bytes of database codes per chunk (fits in L1 with room for the queries).
const CHUNK_BYTES: usize = 16 * 1024;

/// Exact linear-scan index.
#[derive(Clone, Debug)]
pub struct LinearScan {
    codes: PaddedCodes,
    kernel: Kernel,
}

impl LinearScan {
    /// Builds a scan over `codes` with the fastest kernel of this CPU.
    pub fn new(codes: &CodeMatrix) -> Result<Self, IndexError> {
        Ok(Self {
            codes: PaddedCodes::new(codes)?,
            kernel: Kernel::detect(),
        })
    }

    /// Uses `kernel` instead of the detected one (tests and benchmarks).
    /// Panics at search time if this CPU lacks the kernel's features.
    pub fn with_kernel(mut self, kernel: Kernel) -> Self {
        self.kernel = kernel;
        self
    }

    /// The kernel in use.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// The padded database.
    pub fn codes(&self) -> &PaddedCodes {
        &self.codes
    }

    fn chunk_codes(&self) -> usize {
        (CHUNK_BYTES / self.codes.stride()).max(16) / 16 * 16
    }

    fn knn_block(
        &self,
        queries: &PaddedCodes,
        block: std::ops::Range<usize>,
        k: usize,
    ) -> Vec<Vec<u64>> {
        let (stride, bits) = (self.codes.stride(), self.codes.bits());
        let mut tops: Vec<TopK> = block.clone().map(|_| TopK::new(k, bits)).collect();
        let chunk = self.chunk_codes();
        for (c, db) in self.codes.as_bytes().chunks(chunk * stride).enumerate() {
            let first = (c * chunk) as u32;
            for (top, q) in tops.iter_mut().zip(block.clone()) {
                let t = top.threshold();
                self.kernel
                    .collect_below(queries.row(q), db, stride, first, t, top.buffer());
                top.maybe_compact(bits);
            }
        }
        tops.into_iter().map(TopK::into_sorted).collect()
    }
}

impl HammingIndex for LinearScan {
    fn bits(&self) -> usize {
        self.codes.bits()
    }

    fn len(&self) -> usize {
        self.codes.len()
    }

    fn name(&self) -> &'static str {
        "scan"
    }

    fn knn(&self, queries: &CodeMatrix, k: usize) -> Result<Neighbors, IndexError> {
        let padded = pad_queries(queries, self.bits())?;
        check_k(k, self.len())?;
        let starts: Vec<usize> = (0..padded.len()).step_by(QUERY_BLOCK).collect();
        let per_block: Vec<Vec<Vec<u64>>> = starts
            .par_iter()
            .map(|&s| self.knn_block(&padded, s..(s + QUERY_BLOCK).min(padded.len()), k))
            .collect();
        Ok(Neighbors::from_sorted_keys(
            k,
            per_block.into_iter().flatten().collect(),
        ))
    }

    fn radius(&self, queries: &CodeMatrix, radius: u32) -> Result<Vec<RadiusHits>, IndexError> {
        let padded = pad_queries(queries, self.bits())?;
        let threshold = radius.saturating_add(1);
        Ok((0..padded.len())
            .into_par_iter()
            .map(|q| {
                let mut keys = Vec::new();
                let stride = self.codes.stride();
                self.kernel.collect_below(
                    padded.row(q),
                    self.codes.as_bytes(),
                    stride,
                    0,
                    threshold,
                    &mut keys,
                );
                keys.sort_unstable();
                hits_from_keys(&keys)
            })
            .collect())
    }
}
