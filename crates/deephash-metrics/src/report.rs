//! The result of an evaluation: the single source of the metrics JSON written by
//! `deephash eval --json`, by training's `metrics.json` and read by the report.

use serde::{Deserialize, Serialize};

/// Every retrieval metric of one evaluation, averaged over the queries.
///
/// Averages are plain means over all queries. A query with no relevant database
/// item counts as 0 in every average (AP, AP@k, precision@k, radius precision
/// and recall, the curves), as the numpy reference (`map_eval.py`) counts AP = 0
/// for it; `queries_without_relevant` says how many there were.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Number of queries.
    pub queries: usize,
    /// Number of database items.
    pub database: usize,
    /// Code length in bits.
    pub bits: usize,
    /// Queries without any relevant database item (they count as 0 everywhere).
    pub queries_without_relevant: usize,
    /// Mean average precision over the whole ranking; ties in distance are
    /// broken by database index (lower first), as a stable sort does.
    pub map: f64,
    /// Tie-aware mAP: the expected AP over all orders of items at equal
    /// distance (McSherry & Najork, ECIR 2008), computed exactly.
    pub map_tie_aware: f64,
    /// The cut-off given as `topk`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topk: Option<usize>,
    /// mAP of the first `topk` items (stable ranking). The AP of a query is
    /// divided by the number of relevant items within its top `topk` (the
    /// convention of `map_eval.py` and the deep-hashing toolboxes), 0 if none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_at_k: Option<f64>,
    /// The cut-off of `precision_at_k` (`topk`, else 100 or the database size).
    pub k: usize,
    /// Mean fraction of relevant items among the first `k` (stable ranking).
    pub precision_at_k: f64,
    /// The Hamming radius of `precision_radius` and `recall_radius`.
    pub radius: u32,
    /// Mean precision of the items within Hamming distance `radius`; a query
    /// with nothing within the radius counts precision 0.
    pub precision_radius: f64,
    /// Mean recall of the items within Hamming distance `radius`.
    pub recall_radius: f64,
    /// Precision and recall within every radius 0..=bits (the PR curve of
    /// hash lookup), same rules as `precision_radius` / `recall_radius`.
    pub pr_curve: Vec<PrPoint>,
    /// Precision@k at several cut-offs (stable ranking), for plots.
    pub precision_at_k_curve: Vec<PrecisionAtK>,
    /// How many (query, database) pairs lie at each Hamming distance.
    pub distance_histogram: DistanceHistogram,
}

/// One point of the precision-recall curve over Hamming radii.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrPoint {
    /// The Hamming radius: items at distance <= radius are retrieved.
    pub radius: u32,
    /// Mean precision within the radius (0 for a query that retrieves nothing).
    pub precision: f64,
    /// Mean recall within the radius.
    pub recall: f64,
}

/// One point of the precision@k curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrecisionAtK {
    /// The cut-off.
    pub k: usize,
    /// Mean fraction of relevant items among the first k.
    pub precision: f64,
}

/// Counts of (query, database) pairs by Hamming distance, split by relevance:
/// index d holds the pairs at distance d (0..=bits). Shows how well the codes
/// separate relevant from irrelevant pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistanceHistogram {
    /// Relevant pairs at each distance.
    pub relevant: Vec<u64>,
    /// Irrelevant pairs at each distance.
    pub irrelevant: Vec<u64>,
}
