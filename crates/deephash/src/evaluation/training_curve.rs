//! A run's training history for its report: the loss and validation mAP of every epoch
//! (`RUN/metrics.jsonl`) and, when the run chose its loss, the candidates' validation scores
//! (`RUN/selection.json`).

use std::fmt::Write as _;
use std::path::Path;

use deephash_report::{EpochPoint, TrainingCurve};
use deephash_train::RunDir;
use deephash_train::frozen_select::{Selection, read_selection, selection_basis};

use crate::Result;

/// The training history of the run at `run`, labelled with its code length; `None` when the
/// run has no training log.
pub fn training_curve(run: &Path) -> Result<Option<TrainingCurve>> {
    let dir = RunDir::open(run)?;
    let epochs: Vec<EpochPoint> = dir
        .read_metrics()?
        .into_iter()
        .map(|m| EpochPoint {
            epoch: m.epoch,
            loss: m.loss,
            val_map: m.val_map,
        })
        .collect();
    if epochs.is_empty() {
        return Ok(None);
    }
    Ok(Some(TrainingCurve {
        label: format!("{} bits", dir.config()?.bits()),
        epochs,
        selection: read_selection(&dir)?.map(|s| selection_text(&s)),
    }))
}

/// "csq, chosen by validation mAP (csq 0.9012, orthohash 0.8890, triplet 0.8701)" (or "by
/// 5-fold cross-validated mAP, one-standard-error rule").
fn selection_text(selection: &Selection) -> String {
    let mut text = format!(
        "{}, chosen by {} (",
        selection.chosen,
        selection_basis(&selection.candidates)
    );
    for (i, c) in selection.candidates.iter().enumerate() {
        let score = c.val_map.map_or("-".to_string(), |m| format!("{m:.4}"));
        let _ = write!(text, "{}{} {score}", if i > 0 { ", " } else { "" }, c.loss);
    }
    text.push(')');
    text
}
