//! `evaluate` against a plain reference: distances pair by pair, a stable
//! comparison sort, metrics straight from their definitions. Random inputs of
//! every kernel width, single- and multi-label, with many ties.

use deephash_codes::{CodeMatrix, Labels};
use deephash_metrics::{EvalConfig, EvalReport, average_precision, evaluate};
use proptest::prelude::*;

/// Hamming distance byte by byte.
fn distance(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x ^ y).count_ones() as usize)
        .sum()
}

/// Relevance flags of the database in stable distance order, and the sorted distances.
fn ranking(
    q: &CodeMatrix,
    ql: &Labels,
    i: usize,
    db: &CodeMatrix,
    dl: &Labels,
) -> (Vec<bool>, Vec<usize>) {
    let dist: Vec<usize> = (0..db.len())
        .map(|j| distance(q.code(i), db.code(j)))
        .collect();
    let mut order: Vec<usize> = (0..db.len()).collect();
    order.sort_by_key(|&j| dist[j]); // stable: ties keep database order
    let rel = order.iter().map(|&j| ql.relevant(i, dl, j)).collect();
    (rel, order.iter().map(|&j| dist[j]).collect())
}

/// The reference value of every scalar metric of one query.
struct QueryRef {
    ap: f64,
    ap_k: f64,
    p_k: f64,
    p_r: Vec<f64>,
    r_r: Vec<f64>,
}

fn query_ref(rel: &[bool], dist: &[usize], topk: usize, k: usize, bits: usize) -> QueryRef {
    let ap = average_precision(rel);
    let ap_k = average_precision(&rel[..topk]);
    let p_k = rel[..k].iter().filter(|r| **r).count() as f64 / k as f64;
    let total = rel.iter().filter(|r| **r).count();
    let (mut p_r, mut r_r) = (vec![], vec![]);
    for radius in 0..=bits {
        let within: Vec<bool> = rel
            .iter()
            .zip(dist)
            .filter(|(_, d)| **d <= radius)
            .map(|(r, _)| *r)
            .collect();
        let hits = within.iter().filter(|r| **r).count() as f64;
        p_r.push(if within.is_empty() {
            0.0
        } else {
            hits / within.len() as f64
        });
        r_r.push(if total == 0 { 0.0 } else { hits / total as f64 });
    }
    QueryRef {
        ap,
        ap_k,
        p_k,
        p_r,
        r_r,
    }
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-12, "{what}: {a} vs {b}");
}

fn check(q: &CodeMatrix, ql: &Labels, db: &CodeMatrix, dl: &Labels, topk: usize, radius: u32) {
    let cfg = EvalConfig {
        topk: Some(topk),
        radius,
        curve_ks: None,
    };
    let report: EvalReport = evaluate(q, ql, db, dl, &cfg).unwrap();
    let bits = q.bits();
    let n = q.len() as f64;
    let (mut ap, mut ap_k, mut p_k) = (0.0, 0.0, 0.0);
    let (mut p_r, mut r_r) = (vec![0.0; bits + 1], vec![0.0; bits + 1]);
    let mut curve = vec![0.0; report.precision_at_k_curve.len()];
    let (mut h_rel, mut h_irr) = (vec![0u64; bits + 1], vec![0u64; bits + 1]);
    for i in 0..q.len() {
        let (rel, dist) = ranking(q, ql, i, db, dl);
        let r = query_ref(&rel, &dist, topk, topk, bits);
        ap += r.ap;
        ap_k += r.ap_k;
        p_k += r.p_k;
        for d in 0..=bits {
            p_r[d] += r.p_r[d];
            r_r[d] += r.r_r[d];
        }
        for (slot, point) in curve.iter_mut().zip(&report.precision_at_k_curve) {
            *slot += rel[..point.k].iter().filter(|r| **r).count() as f64 / point.k as f64;
        }
        for (&d, &is_rel) in dist.iter().zip(&rel) {
            if is_rel { h_rel[d] += 1 } else { h_irr[d] += 1 }
        }
    }
    close(report.map, ap / n, "map");
    close(report.map_at_k.unwrap(), ap_k / n, "map@k");
    close(report.precision_at_k, p_k / n, "precision@k");
    let rad = (radius as usize).min(bits);
    close(
        report.precision_radius,
        p_r[rad] / n,
        "precision within radius",
    );
    close(report.recall_radius, r_r[rad] / n, "recall within radius");
    for (d, point) in report.pr_curve.iter().enumerate() {
        close(point.precision, p_r[d] / n, "pr curve precision");
        close(point.recall, r_r[d] / n, "pr curve recall");
    }
    for (point, sum) in report.precision_at_k_curve.iter().zip(&curve) {
        close(point.precision, sum / n, "precision@k curve");
    }
    assert_eq!(report.distance_histogram.relevant, h_rel);
    assert_eq!(report.distance_histogram.irrelevant, h_irr);
}

/// Random codes (`bits` bits) for `n` items; low bit counts give many ties.
fn codes(bits: usize, n: usize) -> impl Strategy<Value = CodeMatrix> {
    prop::collection::vec(any::<u8>(), n * bits / 8)
        .prop_map(move |b| CodeMatrix::from_packed(bits, b).unwrap())
}

fn case(
    bits: usize,
) -> impl Strategy<Value = (CodeMatrix, Vec<i64>, CodeMatrix, Vec<i64>, usize, u32)> {
    (1usize..6, 1usize..40).prop_flat_map(move |(nq, ndb)| {
        (
            codes(bits, nq),
            prop::collection::vec(0i64..4, nq),
            codes(bits, ndb),
            prop::collection::vec(0i64..4, ndb),
            1..=ndb,
            0u32..(bits as u32 + 3),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn single_label_matches_reference(
        (q, ql, db, dl, topk, radius) in prop::sample::select(vec![8usize, 16, 24, 64, 72, 128, 256, 512, 1024])
            .prop_flat_map(case),
    ) {
        check(&q, &Labels::Single(ql), &db, &Labels::Single(dl), topk, radius);
    }

    #[test]
    fn multi_label_matches_reference(
        q in codes(8, 4), db in codes(8, 30),
        qm in prop::collection::vec(prop::bool::weighted(0.3), 4 * 5),
        dm in prop::collection::vec(prop::bool::weighted(0.3), 30 * 5),
        topk in 1usize..=30, radius in 0u32..9,
    ) {
        let ql = Labels::Multi { classes: 5, matrix: qm };
        let dl = Labels::Multi { classes: 5, matrix: dm };
        check(&q, &ql, &db, &dl, topk, radius);
    }
}

#[test]
fn result_does_not_depend_on_thread_count() {
    let bytes: Vec<u8> = (0..100u32 * 8)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let q = CodeMatrix::from_packed(64, bytes[..40 * 8].to_vec()).unwrap();
    let db = CodeMatrix::from_packed(64, bytes.clone()).unwrap();
    let ql = Labels::Single((0..40).map(|i| i % 3).collect());
    let dl = Labels::Single((0..100).map(|i| i % 3).collect());
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| evaluate(&q, &ql, &db, &dl, &EvalConfig::default()).unwrap())
    };
    assert_eq!(run(1), run(3));
}
