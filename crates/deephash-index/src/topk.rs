//! Exact top-k selection over a stream of `(distance, id)` keys.
//!
//! Keys arrive in increasing id order. Every so often the buffer is cut down to
//! the `k` best keys and the threshold becomes the k-th best distance `t`: a
//! later code at distance `t` has a higher id than every kept code at `t`, so it
//! can never enter the top k, and only distances strictly below `t` pass.

/// The running top-k state of one query.
#[derive(Clone, Debug)]
pub struct TopK {
    k: usize,
    threshold: u32,
    keys: Vec<u64>,
}

impl TopK {
    /// An empty top-k for codes of at most `bits` bits.
    pub fn new(k: usize, bits: usize) -> Self {
        Self {
            k,
            threshold: bits as u32 + 1,
            keys: Vec::with_capacity(4 * k + 64),
        }
    }

    /// Only distances below this value can still enter the top k.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// The buffer that kernels append candidate keys to.
    pub fn buffer(&mut self) -> &mut Vec<u64> {
        &mut self.keys
    }

    /// Shrinks the buffer to the k best keys when it has grown large (call
    /// between batches of ids, never in the middle of one).
    pub fn maybe_compact(&mut self, bits: usize) {
        let unset = self.threshold > bits as u32;
        if self.keys.len() >= self.k && (unset || self.keys.len() >= 4 * self.k + 64) {
            self.compact();
        }
    }

    fn compact(&mut self) {
        let kth = *self.keys.select_nth_unstable(self.k - 1).1;
        self.keys.truncate(self.k);
        self.threshold = (kth >> 32) as u32;
    }

    /// The k best keys, sorted (fewer when fewer codes were seen).
    pub fn into_sorted(mut self) -> Vec<u64> {
        if self.keys.len() > self.k {
            self.keys.select_nth_unstable(self.k - 1);
            self.keys.truncate(self.k);
        }
        self.keys.sort_unstable();
        self.keys
    }
}
