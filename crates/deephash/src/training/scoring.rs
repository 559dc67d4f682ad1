//! Retrieval quality of network outputs during and after training: outputs become codes
//! through [`codes_from_outputs`] and are scored with the metrics crate.

use deephash_codes::{CodeMatrix, Labels};
use deephash_metrics::{EvalConfig, EvalReport, evaluate};
use deephash_train::Embeddings;

use crate::labels::labels_pair;
use crate::{Result, codes_from_outputs};

/// Validation mAP over the whole ranking of `queries` against `database` (the scorer the
/// training loop selects epochs with).
pub fn validation_map(queries: &Embeddings, database: &Embeddings) -> Result<f64, String> {
    retrieval_report(queries, database)
        .map(|r| r.map)
        .map_err(|e| e.to_string())
}

/// Every metric of the codes of `queries` against `database`.
pub fn retrieval_report(queries: &Embeddings, database: &Embeddings) -> Result<EvalReport> {
    let scored = ScoredCodes::of(queries, database)?;
    scored.evaluate()
}

/// Codes and labels of queries and database, ready to evaluate and to store.
pub struct ScoredCodes {
    /// Query codes.
    pub queries: CodeMatrix,
    /// Query labels.
    pub query_labels: Labels,
    /// Database codes.
    pub db: CodeMatrix,
    /// Database labels.
    pub db_labels: Labels,
}

impl ScoredCodes {
    /// The codes of both sets of outputs, with labels over one class space.
    pub fn of(queries: &Embeddings, database: &Embeddings) -> Result<Self> {
        let (query_labels, db_labels) = labels_pair(&queries.labels, &database.labels);
        Ok(Self {
            queries: codes_from_outputs(&queries.values, queries.bits)?,
            query_labels,
            db: codes_from_outputs(&database.values, database.bits)?,
            db_labels,
        })
    }

    /// Every metric, with the default evaluation settings.
    pub fn evaluate(&self) -> Result<EvalReport> {
        let config = EvalConfig::default();
        let (q, ql, db, dl) = (&self.queries, &self.query_labels, &self.db, &self.db_labels);
        Ok(evaluate(q, ql, db, dl, &config)?)
    }
}
