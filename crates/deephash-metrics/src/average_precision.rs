//! Average precision of one ranking: plain (stable order) and tie-aware.
//!
//! AP = (1/R) Σ over relevant items at 1-based rank p of (relevant items in the
//! first p) / p, with R the number of relevant items; AP = 0 when R = 0.
//!
//! **Tie-aware AP** (McSherry & Najork, ECIR 2008): the ranking is a sequence
//! of groups of tied items; the expected AP over all orders inside the groups
//! (each equally likely). For a group of n items, r of them relevant, preceded
//! by N items of which R' are relevant: position N + p (p = 1..n) holds a
//! relevant item with probability r/n, and given that, the relevant items
//! before it inside the group follow a hypergeometric law with mean
//! (p-1)(r-1)/(n-1). Precision at that position is linear in that count, so
//! its expectation is exact:
//!
//! E[group] = (r/n) Σ_{p=1}^{n} (R' + 1 + (p-1)c) / (N + p),  c = (r-1)/(n-1)
//!          = (r/n) [ c·n + (R' + 1 - c(N+1)) (H(N+n) - H(N)) ]
//!
//! (c = 0 when r <= 1), and the expected AP is Σ E[group] / R. It takes O(1)
//! per group with a table of harmonic numbers, so O(bits) per query.

use crate::harmonic::Harmonic;

/// AP of a ranking given as relevance flags in rank order; 0 without relevant items.
pub fn average_precision(ranked_relevance: &[bool]) -> f64 {
    let mut found = 0usize;
    let mut sum = 0.0;
    for (pos, _) in ranked_relevance.iter().enumerate().filter(|(_, r)| **r) {
        found += 1;
        sum += found as f64 / (pos + 1) as f64;
    }
    if found == 0 { 0.0 } else { sum / found as f64 }
}

/// Tie-aware AP (expected AP over all orders inside tied groups) of a ranking
/// given as `(group size, relevant items in the group)` in rank order; 0
/// without relevant items. Groups with more relevant items than items are
/// clamped to all-relevant.
pub fn tie_aware_average_precision(groups: &[(usize, usize)]) -> f64 {
    let total: usize = groups.iter().map(|&(n, _)| n).sum();
    let harmonic = Harmonic::new(total);
    tie_aware_with(groups.iter().map(|&(n, r)| (n, r.min(n))), &harmonic)
}

/// [`tie_aware_average_precision`] with a prepared harmonic table covering the
/// whole ranking.
pub(crate) fn tie_aware_with(
    groups: impl Iterator<Item = (usize, usize)>,
    harmonic: &Harmonic,
) -> f64 {
    let (mut before, mut rel_before, mut sum) = (0usize, 0usize, 0.0f64);
    for (n, r) in groups {
        if r > 0 {
            sum += group_expectation(n, r, before, rel_before, harmonic);
        }
        before += n;
        rel_before += r;
    }
    if rel_before == 0 {
        0.0
    } else {
        sum / rel_before as f64
    }
}

/// E[Σ precision at the relevant positions of one group] (see the module docs).
fn group_expectation(
    n: usize,
    r: usize,
    before: usize,
    rel_before: usize,
    harmonic: &Harmonic,
) -> f64 {
    let c = if r > 1 {
        (r - 1) as f64 / (n - 1) as f64
    } else {
        0.0
    };
    let spread = harmonic.range(before, before + n);
    let base = (rel_before + 1) as f64 - c * (before + 1) as f64;
    r as f64 / n as f64 * (c * n as f64 + base * spread)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ap_by_hand() {
        // relevant at ranks 1 and 3: (1/1 + 2/3) / 2
        assert!((average_precision(&[true, false, true]) - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-15);
        assert_eq!(average_precision(&[false, false]), 0.0);
    }

    #[test]
    fn untied_groups_give_plain_ap() {
        let flags = [false, true, true, false, true];
        let groups: Vec<(usize, usize)> = flags.iter().map(|&r| (1, usize::from(r))).collect();
        assert!((tie_aware_average_precision(&groups) - average_precision(&flags)).abs() < 1e-15);
    }

    #[test]
    fn one_group_of_two_by_hand() {
        // {rel, irrel} tied: orders (R,I) -> 1, (I,R) -> 1/2; expectation 3/4.
        assert!((tie_aware_average_precision(&[(2, 1)]) - 0.75).abs() < 1e-15);
        // all relevant: AP 1 whatever the order
        assert!((tie_aware_average_precision(&[(3, 3), (2, 0)]) - 1.0).abs() < 1e-15);
        assert_eq!(tie_aware_average_precision(&[(3, 0)]), 0.0);
    }
}
