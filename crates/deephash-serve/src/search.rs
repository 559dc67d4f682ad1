use std::sync::Arc;

use deephash_codes::CodeMatrix;

/// One search result: a database row and its Hamming distance to the query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Row of the item in the code database.
    pub index: usize,
    /// Number of differing bits.
    pub distance: u32,
}

/// A search that could not be answered (a broken index, a code of the wrong length).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("search failed: {0}")]
pub struct SearchError(pub String);

/// Exact k-nearest-neighbour search by Hamming distance.
///
/// The service searches through this trait so that any index (a linear scan,
/// multi-index hashing) can answer; results must be sorted by distance, ties by
/// lower database row first.
pub trait Searcher: Send + Sync + 'static {
    /// The `k` nearest codes to `query` (packed bytes of the database's length),
    /// or all of them when the database holds fewer than `k`.
    fn search(&self, query: &[u8], k: usize) -> Result<Vec<Hit>, SearchError>;
}

/// The reference searcher: a linear scan over every code, O(N) per query.
#[derive(Clone, Debug)]
pub struct ScanSearcher {
    codes: Arc<CodeMatrix>,
}

impl ScanSearcher {
    /// Scans `codes` for every query.
    pub fn new(codes: Arc<CodeMatrix>) -> Self {
        Self { codes }
    }
}

/// Number of differing bits between two packed codes of equal length.
pub fn hamming(a: &[u8], b: &[u8]) -> u32 {
    let mut wide_a = a.chunks_exact(8);
    let mut wide_b = b.chunks_exact(8);
    let mut total = 0;
    for (x, y) in wide_a.by_ref().zip(wide_b.by_ref()) {
        let x = u64::from_ne_bytes(x.try_into().expect("chunk of 8"));
        let y = u64::from_ne_bytes(y.try_into().expect("chunk of 8"));
        total += (x ^ y).count_ones();
    }
    for (x, y) in wide_a.remainder().iter().zip(wide_b.remainder()) {
        total += (x ^ y).count_ones();
    }
    total
}

impl Searcher for ScanSearcher {
    fn search(&self, query: &[u8], k: usize) -> Result<Vec<Hit>, SearchError> {
        if query.len() != self.codes.bytes_per_code() {
            let message = format!(
                "query of {} bytes, codes of {}",
                query.len(),
                self.codes.bytes_per_code()
            );
            return Err(SearchError(message));
        }
        let n = self.codes.len();
        let mut hits: Vec<Hit> = (0..n)
            .map(|index| Hit {
                index,
                distance: hamming(query, self.codes.code(index)),
            })
            .collect();
        let key = |h: &Hit| (h.distance, h.index);
        let k = k.min(n);
        if k == 0 {
            return Ok(Vec::new());
        }
        if k < n {
            hits.select_nth_unstable_by_key(k - 1, key);
            hits.truncate(k);
        }
        hits.sort_unstable_by_key(key);
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hamming_counts_differing_bits_across_word_and_tail() {
        let a = [0xFFu8; 9];
        let mut b = [0xFFu8; 9];
        b[0] = 0x0F;
        b[8] = 0xFE;
        assert_eq!(hamming(&a, &b), 5);
    }

    #[test]
    fn scan_sorts_by_distance_then_row() {
        let data = vec![
            0b1111_0000,
            0b0000_0000,
            0b1000_0000,
            0b0000_0000,
            0b1111_1111,
        ];
        let codes = Arc::new(CodeMatrix::from_packed(8, data).unwrap());
        let hits = ScanSearcher::new(codes.clone()).search(&[0], 3).unwrap();
        let got: Vec<(usize, u32)> = hits.iter().map(|h| (h.index, h.distance)).collect();
        assert_eq!(got, vec![(1, 0), (3, 0), (2, 1)]);
        assert_eq!(ScanSearcher::new(codes).search(&[0], 99).unwrap().len(), 5);
    }
}
