//! What the kernel tests share: a deterministic generator of test values.

/// A small deterministic generator (xorshift), values in [-1, 1).
pub struct Rng(pub u64);

impl Rng {
    /// `len` values in [-1, 1).
    pub fn values(&mut self, len: usize) -> Vec<f32> {
        (0..len)
            .map(|_| {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                (self.0 >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            })
            .collect()
    }
}
