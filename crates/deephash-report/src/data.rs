//! The report's input: the evaluations per code length (from `deephash-metrics`) and
//! example queries, filled in by whoever evaluated the codes.

use deephash_metrics::EvalReport;

use crate::{ReportError, Thumbnail, TrainingCurve};

/// Everything one report shows.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Page title, e.g. "deephash: Fashion-MNIST subset, small-cnn".
    pub title: String,
    /// Key facts shown under the title (data set, protocol, number of queries, run times…),
    /// as (name, value) pairs in display order.
    pub facts: Vec<(String, String)>,
    /// One evaluation per code length, in display order.
    pub results: Vec<EvalReport>,
    /// Example queries with their top results; `None` leaves the section out with a note.
    pub examples: Option<ExampleGrid>,
    /// The runs' training histories (loss and validation mAP per epoch), in display order;
    /// empty leaves the section out with a note.
    pub training: Vec<TrainingCurve>,
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
    /// histograms with one bin per distance 0..=bits (or empty), no duplicate code length,
    /// finite training losses.
    pub fn validate(&self) -> Result<(), ReportError> {
        let mut seen = Vec::new();
        for r in &self.results {
            if seen.contains(&r.bits) {
                return Err(invalid(format!("code length {} appears twice", r.bits)));
            }
            seen.push(r.bits);
            validate_eval(r)?;
        }
        self.training.iter().try_for_each(TrainingCurve::validate)
    }
}

/// Checks one evaluation's numbers (see [`Report::validate`]).
fn validate_eval(r: &EvalReport) -> Result<(), ReportError> {
    let b = r.bits;
    check_rate(b, "mAP", r.map)?;
    check_rate(b, "tie-aware mAP", r.map_tie_aware)?;
    if let Some(m) = r.map_at_k {
        check_rate(b, "mAP@k", m)?;
    }
    check_rate(b, "precision@k", r.precision_at_k)?;
    check_rate(b, "precision within the radius", r.precision_radius)?;
    check_rate(b, "recall within the radius", r.recall_radius)?;
    for p in &r.precision_at_k_curve {
        if p.k == 0 {
            return Err(invalid(format!("{b} bits: precision@k curve with k = 0")));
        }
        check_rate(b, "precision@k curve", p.precision)?;
    }
    for p in &r.pr_curve {
        check_rate(b, "PR-curve precision", p.precision)?;
        check_rate(b, "PR-curve recall", p.recall)?;
    }
    check_histogram(r)
}

fn check_histogram(r: &EvalReport) -> Result<(), ReportError> {
    let h = &r.distance_histogram;
    let (rel, irr) = (h.relevant.len(), h.irrelevant.len());
    if (rel == 0 && irr == 0) || (rel == r.bits + 1 && irr == r.bits + 1) {
        return Ok(());
    }
    Err(invalid(format!(
        "{} bits: the distance histogram has {rel} relevant and {irr} irrelevant bins, expected {}",
        r.bits,
        r.bits + 1
    )))
}

/// True when the evaluation carries a distance histogram worth plotting.
pub(crate) fn has_histogram(r: &EvalReport) -> bool {
    let h = &r.distance_histogram;
    h.relevant.iter().chain(&h.irrelevant).any(|&c| c > 0)
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
