//! Per-query metric values summed over a block of queries, merged in a fixed
//! order so that the result does not depend on the number of threads.

use crate::report::{DistanceHistogram, EvalReport, PrPoint, PrecisionAtK};

/// Sums of every per-query metric (divided by the query count at the end).
#[derive(Clone, Debug)]
pub(crate) struct Sums {
    pub(crate) queries: usize,
    pub(crate) without_relevant: usize,
    pub(crate) ap: f64,
    pub(crate) ap_at_k: f64,
    pub(crate) ap_tie_aware: f64,
    pub(crate) precision_at_k: f64,
    /// Precision within radius d, for d in 0..=bits.
    pub(crate) pr_precision: Vec<f64>,
    /// Recall within radius d, for d in 0..=bits.
    pub(crate) pr_recall: Vec<f64>,
    /// Precision at each cut-off of the curve.
    pub(crate) curve: Vec<f64>,
    pub(crate) hist_relevant: Vec<u64>,
    pub(crate) hist_irrelevant: Vec<u64>,
}

/// What [`Sums::into_report`] needs besides the sums.
pub(crate) struct ReportShape<'a> {
    pub(crate) database: usize,
    pub(crate) bits: usize,
    pub(crate) topk: Option<usize>,
    pub(crate) k: usize,
    pub(crate) radius: u32,
    pub(crate) curve_ks: &'a [usize],
}

impl Sums {
    /// Zero sums for codes of `bits` bits and a curve of `curve_len` cut-offs.
    pub(crate) fn new(bits: usize, curve_len: usize) -> Self {
        Self {
            queries: 0,
            without_relevant: 0,
            ap: 0.0,
            ap_at_k: 0.0,
            ap_tie_aware: 0.0,
            precision_at_k: 0.0,
            pr_precision: vec![0.0; bits + 1],
            pr_recall: vec![0.0; bits + 1],
            curve: vec![0.0; curve_len],
            hist_relevant: vec![0; bits + 1],
            hist_irrelevant: vec![0; bits + 1],
        }
    }

    /// Adds `other` into `self`.
    pub(crate) fn merge(&mut self, other: &Sums) {
        self.queries += other.queries;
        self.without_relevant += other.without_relevant;
        self.ap += other.ap;
        self.ap_at_k += other.ap_at_k;
        self.ap_tie_aware += other.ap_tie_aware;
        self.precision_at_k += other.precision_at_k;
        add(&mut self.pr_precision, &other.pr_precision);
        add(&mut self.pr_recall, &other.pr_recall);
        add(&mut self.curve, &other.curve);
        add(&mut self.hist_relevant, &other.hist_relevant);
        add(&mut self.hist_irrelevant, &other.hist_irrelevant);
    }

    /// Means over the queries, as a report.
    pub(crate) fn into_report(self, shape: &ReportShape<'_>) -> EvalReport {
        let n = self.queries.max(1) as f64;
        let radius = (shape.radius as usize).min(shape.bits);
        let pr_curve = (0..=shape.bits)
            .map(|d| PrPoint {
                radius: d as u32,
                precision: self.pr_precision[d] / n,
                recall: self.pr_recall[d] / n,
            })
            .collect();
        let precision_at_k_curve = shape
            .curve_ks
            .iter()
            .zip(&self.curve)
            .map(|(&k, &p)| PrecisionAtK {
                k,
                precision: p / n,
            })
            .collect();
        EvalReport {
            queries: self.queries,
            database: shape.database,
            bits: shape.bits,
            queries_without_relevant: self.without_relevant,
            map: self.ap / n,
            map_tie_aware: self.ap_tie_aware / n,
            topk: shape.topk,
            map_at_k: shape.topk.map(|_| self.ap_at_k / n),
            k: shape.k,
            precision_at_k: self.precision_at_k / n,
            radius: shape.radius,
            precision_radius: self.pr_precision[radius] / n,
            recall_radius: self.pr_recall[radius] / n,
            pr_curve,
            precision_at_k_curve,
            distance_histogram: DistanceHistogram {
                relevant: self.hist_relevant,
                irrelevant: self.hist_irrelevant,
            },
        }
    }
}

/// Element-wise `a += b`.
fn add<T: Copy + std::ops::AddAssign>(a: &mut [T], b: &[T]) {
    for (x, &y) in a.iter_mut().zip(b) {
        *x += y;
    }
}
