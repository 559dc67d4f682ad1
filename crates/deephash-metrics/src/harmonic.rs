//! Harmonic numbers H(n) = 1 + 1/2 + … + 1/n, tabulated once per evaluation.

/// H(0..=n), each accurate to about one unit in the last place: the table is
/// built with compensated (Kahan) summation, because the tie-aware AP takes
/// differences H(b) - H(a) of nearby entries.
#[derive(Clone, Debug)]
pub(crate) struct Harmonic(Vec<f64>);

impl Harmonic {
    /// Tabulates H(0) to H(n).
    pub(crate) fn new(n: usize) -> Self {
        let mut table = Vec::with_capacity(n + 1);
        let (mut sum, mut carry) = (0.0f64, 0.0f64);
        table.push(0.0);
        for i in 1..=n {
            let term = 1.0 / i as f64 - carry;
            let next = sum + term;
            carry = (next - sum) - term;
            sum = next;
            table.push(sum);
        }
        Self(table)
    }

    /// Σ_{p=a+1}^{b} 1/p = H(b) - H(a), for a <= b <= n.
    pub(crate) fn range(&self, a: usize, b: usize) -> f64 {
        self.0[b] - self.0[a]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_direct_sums() {
        let h = Harmonic::new(5000);
        let direct: f64 = (4001..=4010).map(|p| 1.0 / p as f64).sum();
        assert!((h.range(4000, 4010) - direct).abs() < 1e-15);
        assert!((h.range(0, 3) - (1.0 + 0.5 + 1.0 / 3.0)).abs() < 1e-15);
    }
}
