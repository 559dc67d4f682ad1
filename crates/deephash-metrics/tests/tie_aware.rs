//! The closed form of the tie-aware AP against brute force: the mean AP over
//! every order of the tied items, enumerated, on tiny rankings.

use deephash_codes::{CodeMatrix, Labels};
use deephash_metrics::{EvalConfig, average_precision, evaluate, tie_aware_average_precision};
use proptest::prelude::*;

/// All permutations of `items` (Heap's algorithm), passed to `visit`.
fn permutations(items: &mut Vec<bool>, k: usize, visit: &mut impl FnMut(&[bool])) {
    if k <= 1 {
        visit(items);
        return;
    }
    for i in 0..k {
        permutations(items, k - 1, visit);
        let j = if k.is_multiple_of(2) { i } else { 0 };
        items.swap(j, k - 1);
    }
}

/// Mean AP over every order inside each group, enumerated: all orders of all
/// groups, as the cartesian product of per-group permutations.
fn brute_force(groups: &[(usize, usize)]) -> f64 {
    let mut orders: Vec<Vec<bool>> = vec![vec![]];
    for &(n, r) in groups {
        let mut group: Vec<bool> = (0..n).map(|i| i < r).collect();
        let mut group_orders = vec![];
        permutations(&mut group, n, &mut |p| group_orders.push(p.to_vec()));
        orders = orders
            .iter()
            .flat_map(|prefix| {
                group_orders
                    .iter()
                    .map(move |g| [prefix.clone(), g.clone()].concat())
            })
            .collect();
    }
    orders.iter().map(|o| average_precision(o)).sum::<f64>() / orders.len() as f64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Up to 8 items in up to 4 groups: at most 8! = 40,320 orders.
    #[test]
    fn closed_form_equals_enumeration(
        groups in prop::collection::vec((1usize..5).prop_flat_map(|n| (Just(n), 0..=n)), 1..4)
            .prop_filter("at most 8 items", |g| g.iter().map(|(n, _)| n).sum::<usize>() <= 8),
    ) {
        let exact = tie_aware_average_precision(&groups);
        let enumerated = brute_force(&groups);
        prop_assert!((exact - enumerated).abs() < 1e-12, "{groups:?}: {exact} vs {enumerated}");
    }
}

#[test]
fn evaluate_reports_the_tie_aware_map() {
    // Query 0x00. Database distances: 1, 1, 0, 1, 2, 0 with labels that make
    // groups d=0: {idx2 rel, idx5 irrel}, d=1: {idx0 rel, idx1 irrel, idx3 rel}, d=2: {idx4 rel}.
    let q = CodeMatrix::from_packed(8, vec![0x00]).unwrap();
    let db = CodeMatrix::from_packed(8, vec![0x01, 0x02, 0x00, 0x04, 0x03, 0x00]).unwrap();
    let ql = Labels::Single(vec![7]);
    let dl = Labels::Single(vec![7, 1, 7, 7, 7, 2]);
    let report = evaluate(&q, &ql, &db, &dl, &EvalConfig::default()).unwrap();
    let expected = brute_force(&[(2, 1), (3, 2), (1, 1)]);
    assert!(
        (report.map_tie_aware - expected).abs() < 1e-12,
        "{} vs {expected}",
        report.map_tie_aware
    );
    // The stable ranking is idx2 R, idx5 I, idx0 R, idx1 I, idx3 R, idx4 R.
    let stable = average_precision(&[true, false, true, false, true, true]);
    assert!((report.map - stable).abs() < 1e-15);
    assert!(
        report.map_tie_aware != report.map,
        "ties must matter in this case"
    );
}
