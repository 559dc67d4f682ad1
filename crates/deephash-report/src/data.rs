//! The report's input: plain data, filled in by whoever evaluated the codes.

use serde::{Deserialize, Serialize};

use crate::{DistanceHistogram, ReportError, Thumbnail};

/// Everything one report shows.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Page title, e.g. "deephash: Fashion-MNIST subset, small-cnn".
    pub title: String,
    /// Key facts shown under the title (data set, protocol, number of queries, run times…),
    /// as (name, value) pairs in display order.
    pub facts: Vec<(String, String)>,
    /// One entry per code length, in display order.
    pub results: Vec<BitsResult>,
    /// Example queries with their top results; `None` leaves the section out with a note.
    pub examples: Option<ExampleGrid>,
}

/// The retrieval quality of the codes of one length (test queries against a database).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BitsResult {
    /// Code length in bits.
    pub bits: usize,
    /// Mean average precision over the whole ranking (ties broken by database index).
    pub map: f64,
    /// Tie-aware mAP (expected AP over all orders of tied items), when computed.
    pub map_tie_aware: Option<f64>,
    /// The Hamming radius of [`Self::precision_radius`] and [`Self::recall_radius`] (usually 2).
    pub radius: u32,
    /// Mean precision of the items within [`Self::radius`] (a query with none counts as 0).
    pub precision_radius: f64,
    /// Mean recall of the items within [`Self::radius`].
    pub recall_radius: f64,
    /// Precision at the top k results, as (k, precision) pairs with increasing k.
    pub precision_at_k: Vec<(usize, f64)>,
    /// The precision-recall curve over all Hamming radii, in increasing radius.
    pub pr_curve: Vec<PrPoint>,
    /// Hamming distances of relevant and irrelevant query-database pairs, when computed.
    pub histogram: Option<DistanceHistogram>,
}

/// One point of a precision-recall curve: the mean precision and recall within a radius.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrPoint {
    /// Hamming radius.
    pub radius: u32,
    /// Mean precision within the radius.
    pub precision: f64,
    /// Mean recall within the radius.
    pub recall: f64,
}

/// Example queries and their top results, for codes of one length.
#[derive(Clone, Debug, Default)]
pub struct ExampleGrid {
    /// The code length the results were retrieved with.
    pub bits: usize,
    /// The example queries, in display order.
    pub queries: Vec<ExampleQuery>,
}

/// One example query: its image, its label and its ranked results.
#[derive(Clone, Debug)]
pub struct ExampleQuery {
    /// The query image.
    pub image: Thumbnail,
    /// The query's label as shown to the reader (class name or id).
    pub label: String,
    /// The results, best first (usually the top 10).
    pub hits: Vec<ExampleHit>,
}

/// One retrieved database item of an example query.
#[derive(Clone, Debug)]
pub struct ExampleHit {
    /// The database image.
    pub image: Thumbnail,
    /// Its label as shown to the reader.
    pub label: String,
    /// Hamming distance from the query's code.
    pub distance: u32,
    /// Whether it is relevant to the query (shares a label): a green border, else red.
    pub relevant: bool,
}

impl Report {
    /// Checks that every number can be shown: finite rates within [0, 1], k > 0,
    /// histograms with one bin per distance 0..=bits, no duplicate code length.
    pub fn validate(&self) -> Result<(), ReportError> {
        let mut seen = Vec::new();
        for r in &self.results {
            if seen.contains(&r.bits) {
                return Err(invalid(format!("code length {} appears twice", r.bits)));
            }
            seen.push(r.bits);
            r.validate()?;
        }
        Ok(())
    }
}

impl BitsResult {
    /// Checks this entry's numbers (see [`Report::validate`]).
    pub fn validate(&self) -> Result<(), ReportError> {
        let b = self.bits;
        check_rate(b, "mAP", self.map)?;
        if let Some(m) = self.map_tie_aware {
            check_rate(b, "tie-aware mAP", m)?;
        }
        check_rate(b, "precision within the radius", self.precision_radius)?;
        check_rate(b, "recall within the radius", self.recall_radius)?;
        for &(k, p) in &self.precision_at_k {
            if k == 0 {
                return Err(invalid(format!("{b} bits: precision@k with k = 0")));
            }
            check_rate(b, "precision@k", p)?;
        }
        for p in &self.pr_curve {
            check_rate(b, "PR-curve precision", p.precision)?;
            check_rate(b, "PR-curve recall", p.recall)?;
        }
        if let Some(h) = &self.histogram {
            h.check_bits(b)?;
        }
        Ok(())
    }
}

fn check_rate(bits: usize, what: &str, value: f64) -> Result<(), ReportError> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{bits} bits: {what} is {value}, expected a number in [0, 1]"
        )))
    }
}

fn invalid(message: String) -> ReportError {
    ReportError::InvalidData(message)
}
