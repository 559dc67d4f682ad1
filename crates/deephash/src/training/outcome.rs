//! What a training call hands back: a finished run with its test metrics and how its loss
//! was chosen, or a run stopped early that `resume` continues.

use std::path::PathBuf;

use deephash_metrics::EvalReport;
use deephash_train::RunConfig;
use deephash_train::frozen_select::{CandidateScore, selection_basis};
use deephash_train::loss::LossKind;

/// How a training call ended.
#[derive(Debug, Clone)]
pub enum TrainOutcome {
    /// Every epoch ran; the run is evaluated and ready to encode with.
    Finished(Box<TrainedRun>),
    /// Stopped early (Ctrl-C or `stop_after`) with a checkpoint; resume continues.
    Stopped {
        /// The run directory.
        run: PathBuf,
    },
}

impl TrainOutcome {
    /// The finished run, `None` when stopped early.
    pub fn finished(self) -> Option<TrainedRun> {
        match self {
            Self::Finished(run) => Some(*run),
            Self::Stopped { .. } => None,
        }
    }
}

/// A finished, evaluated run.
#[derive(Debug, Clone)]
pub struct TrainedRun {
    /// The run directory.
    pub run: PathBuf,
    /// Its configuration.
    pub config: RunConfig,
    /// The loss of the final model (chosen by validation in the frozen recipe).
    pub loss: LossKind,
    /// Every candidate loss's validation score, when the loss was chosen among several.
    pub selection: Vec<CandidateScore>,
    /// Test queries against the training split, with the final model.
    pub report: EvalReport,
    /// Seconds from start to the final metrics.
    pub seconds: f64,
}

impl TrainedRun {
    /// `small-cnn: 64 bits, triplet loss, test mAP 0.8712 (2000 queries vs 10000 database),
    /// 151.0 s; run in runs/fm64`.
    pub fn summary(&self) -> String {
        format!(
            "{}: {} bits, {} loss, test mAP {:.4} ({} queries vs {} database), {:.1} s; run in {}",
            self.config.backbone(),
            self.config.bits(),
            self.loss,
            self.report.map,
            self.report.queries,
            self.report.database,
            self.seconds,
            self.run.display()
        )
    }

    /// `loss selected by validation mAP: csq (csq 0.8123, orthohash 0.8011, triplet 0.7770)`
    /// (or `by 5-fold cross-validated mAP, one-standard-error rule`), when the loss was chosen
    /// among several.
    pub fn selection_line(&self) -> Option<String> {
        if self.selection.len() < 2 {
            return None;
        }
        let list: Vec<String> = self
            .selection
            .iter()
            .map(|s| match s.val_map {
                Some(m) => format!("{} {m:.4}", s.loss),
                None => format!("{} -", s.loss),
            })
            .collect();
        Some(format!(
            "loss selected by {}: {} ({})",
            selection_basis(&self.selection),
            self.loss,
            list.join(", ")
        ))
    }
}
