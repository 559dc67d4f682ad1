//! The default triplet margin for a code length.

/// Default margin for `bits`-bit codes: `bits / 4 + 4`.
///
/// The seed recommends "a bit more than a quarter of the number of bits" and uses 8 for
/// 16 bits and 20 for 64 bits; `bits / 4 + 4` gives exactly those (and 12 for 32 bits).
/// Squared distances between tanh outputs lie in `[0, 4 * bits]`, so the margin grows with
/// the code length.
pub fn default_margin(bits: usize) -> f32 {
    bits as f32 / 4.0 + 4.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_seed_recommendations() {
        assert_eq!(default_margin(16), 8.0);
        assert_eq!(default_margin(64), 20.0);
        assert_eq!(default_margin(32), 12.0);
    }
}
