//! What to evaluate: cut-offs and the Hamming radius.

/// The Hamming radius of `precision_radius` / `recall_radius` when none is given
/// (the usual choice in the deep-hashing literature).
pub const DEFAULT_RADIUS: u32 = 2;

/// The cut-off of `precision_at_k` when no `topk` is given (clamped to the
/// database size).
pub const DEFAULT_K: usize = 100;

/// Options of an evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalConfig {
    /// Cut-off for `map_at_k` and `precision_at_k`. `None`: no `map_at_k`, and
    /// `precision_at_k` uses [`DEFAULT_K`] (or the database size if smaller).
    pub topk: Option<usize>,
    /// Hamming radius for `precision_radius` and `recall_radius`
    /// (a radius at or above the code length means "everything").
    pub radius: u32,
    /// Cut-offs of the precision@k curve. `None`: 1, 2, 5, 10, 20, 50, … up to
    /// the database size, plus the database size itself and `topk`.
    pub curve_ks: Option<Vec<usize>>,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            topk: None,
            radius: DEFAULT_RADIUS,
            curve_ks: None,
        }
    }
}

impl EvalConfig {
    /// The cut-off of `precision_at_k` for a database of `database` items.
    pub fn k(&self, database: usize) -> usize {
        self.topk.unwrap_or(DEFAULT_K.min(database))
    }

    /// The sorted, deduplicated cut-offs of the precision@k curve, each within
    /// 1..=`database`.
    pub fn curve_ks(&self, database: usize) -> Vec<usize> {
        let mut ks = match &self.curve_ks {
            Some(ks) => ks.clone(),
            None => default_curve(database),
        };
        ks.extend(self.topk);
        ks.retain(|&k| (1..=database).contains(&k));
        ks.sort_unstable();
        ks.dedup();
        ks
    }
}

/// 1, 2, 5, 10, 20, 50, … below `database`, then `database`.
fn default_curve(database: usize) -> Vec<usize> {
    let mut ks = Vec::new();
    let mut decade = 1usize;
    'outer: loop {
        for step in [1, 2, 5] {
            let k = decade.saturating_mul(step);
            if k >= database {
                break 'outer;
            }
            ks.push(k);
        }
        decade = decade.saturating_mul(10);
    }
    ks.push(database);
    ks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_curve_is_one_two_five_up_to_the_database() {
        let cfg = EvalConfig::default();
        assert_eq!(cfg.curve_ks(120), vec![1, 2, 5, 10, 20, 50, 100, 120]);
        assert_eq!(cfg.curve_ks(1), vec![1]);
        let cfg = EvalConfig {
            topk: Some(7),
            ..EvalConfig::default()
        };
        assert_eq!(cfg.curve_ks(10), vec![1, 2, 5, 7, 10]);
    }

    #[test]
    fn precision_k_defaults_to_100_clamped() {
        assert_eq!(EvalConfig::default().k(5000), 100);
        assert_eq!(EvalConfig::default().k(30), 30);
        assert_eq!(
            EvalConfig {
                topk: Some(9),
                ..EvalConfig::default()
            }
            .k(30),
            9
        );
    }

    #[test]
    fn explicit_curve_is_cleaned() {
        let cfg = EvalConfig {
            curve_ks: Some(vec![50, 0, 3, 3, 1]),
            ..EvalConfig::default()
        };
        assert_eq!(cfg.curve_ks(10), vec![1, 3]);
    }
}
