//! The training history a report shows beside the retrieval plots: each run's loss and
//! validation mAP per epoch, and how its loss was chosen when the run chose one.

use crate::ReportError;

/// One run's training history (from its `metrics.jsonl`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrainingCurve {
    /// The series name in the plots' legends, e.g. "64 bits".
    pub label: String,
    /// One point per epoch, in order.
    pub epochs: Vec<EpochPoint>,
    /// How the run's loss was chosen, e.g. "csq, chosen by validation mAP (csq 0.912,
    /// orthohash 0.889, triplet 0.871)"; `None` when the loss was given.
    pub selection: Option<String>,
}

/// One epoch of a [`TrainingCurve`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochPoint {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch.
    pub loss: f64,
    /// Validation mAP, when the epoch was validated.
    pub val_map: Option<f64>,
}

impl TrainingCurve {
    /// True when at least one epoch carries a validation mAP (the mAP plot has something to draw).
    pub fn has_validation(&self) -> bool {
        self.epochs.iter().any(|e| e.val_map.is_some())
    }

    /// Checks that every number can be plotted: finite losses, validation mAP in [0, 1],
    /// epochs increasing.
    pub(crate) fn validate(&self) -> Result<(), ReportError> {
        let invalid =
            |what: String| ReportError::InvalidData(format!("training of {}: {what}", self.label));
        let mut last = 0;
        for e in &self.epochs {
            if e.epoch <= last {
                return Err(invalid(format!("epoch {} after epoch {last}", e.epoch)));
            }
            last = e.epoch;
            if !e.loss.is_finite() {
                return Err(invalid(format!(
                    "epoch {}: the loss is {}",
                    e.epoch, e.loss
                )));
            }
            if let Some(m) = e
                .val_map
                .filter(|m| !(m.is_finite() && (0.0..=1.0).contains(m)))
            {
                return Err(invalid(format!(
                    "epoch {}: validation mAP is {m}, expected a number in [0, 1]",
                    e.epoch
                )));
            }
        }
        Ok(())
    }
}
