//! The frozen-mode recipe adapted to the data: a budget in optimiser steps with a floor
//! rather than a number of epochs, and full-batch steps when the training features are few
//! enough for the loss to take them at once.
//!
//! The seed's frozen recipe counted 30 epochs of 10 x 8 batches: on a small data set (tens of
//! images per class) that is a few dozen optimiser steps, and validation mAP was still rising
//! at the end. Here the number of steps is at least [`MIN_STEPS`], whatever the data size.

use std::collections::BTreeMap;

use crate::config::LoopConfig;
use crate::loss::LossKind;
use deephash_data::sampler::{epoch_rng, pk_batches};

/// The least number of optimiser steps of a frozen run.
pub const MIN_STEPS: usize = 300;

/// The most training rows a triplet full batch may hold (the all-triplets loss builds an
/// `n x n x n` tensor: 67 MB at 256 rows).
pub const FULL_BATCH_TRIPLET: usize = 256;

/// The most training rows a hash-centre full batch may hold (those losses are linear in `n`).
pub const FULL_BATCH_CENTRES: usize = 2048;

/// Validations per run (about; every `epochs / VALIDATIONS` epochs).
pub const VALIDATIONS: usize = 30;

/// Share of the input features dropped in every step of a full-batch (small-data) run: what
/// the hash-centre reference of issue 13 used; on the real-photo benchmark of docs/training.md
/// it gained test mAP with every loss.
pub const FEATURE_DROPOUT: f32 = 0.2;

/// `cfg` adapted to the training rows `rows` (with labels `labels`): full batch (P = every
/// class, K = the largest class) when the rows fit [`full_batch_limit`], else `cfg`'s P x K;
/// then enough epochs for at least [`MIN_STEPS`] steps (never fewer than `cfg.epochs`), the
/// schedule stretched to match, about [`VALIDATIONS`] validations, and the features
/// standardised.
///
/// Full batch is the small-data regime, where the validation split has one or two images a
/// class: there [`FEATURE_DROPOUT`] of the features are dropped in every step, the model of
/// the last step is kept (the step budget and schedule are fixed; picking the best of 30
/// validations on a handful of images chose noise), and the chosen loss is trained once more
/// on the training and validation rows together (`refit`).
pub fn adapt_frozen(cfg: &LoopConfig, labels: &[Vec<u32>], rows: &[usize]) -> LoopConfig {
    let mut out = cfg.clone();
    let counts = class_counts(labels, rows);
    if rows.len() <= full_batch_limit(cfg.loss.kind) && counts.len() >= 2 {
        out.classes_per_batch = counts.len();
        out.per_class = counts.values().copied().max().unwrap_or(1).max(2);
        out.feature_dropout = FEATURE_DROPOUT;
        out.keep_final = true;
        out.refit = true;
    }
    let plan = pk_batches(
        labels,
        rows,
        out.classes_per_batch,
        out.per_class,
        &mut epoch_rng(cfg.seed, 0),
    );
    let per_epoch = plan.len().max(1);
    out.epochs = cfg.epochs.max(MIN_STEPS.div_ceil(per_epoch));
    out.validate_every = (out.epochs / VALIDATIONS).max(1);
    out.standardize = true;
    out
}

/// The largest training set trained full-batch with `kind`.
pub fn full_batch_limit(kind: LossKind) -> usize {
    match kind {
        LossKind::Triplet => FULL_BATCH_TRIPLET,
        LossKind::Csq | LossKind::Orthohash => FULL_BATCH_CENTRES,
    }
}

/// Samples per class (first label) among `rows`.
fn class_counts(labels: &[Vec<u32>], rows: &[usize]) -> BTreeMap<u32, usize> {
    let mut counts = BTreeMap::new();
    for &i in rows {
        *counts
            .entry(labels[i].first().copied().unwrap_or(u32::MAX))
            .or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TrainMode;
    use crate::recipe::{loop_config, with_loss};
    use deephash_model::BackboneKind;

    fn labels(classes: u32, per_class: usize) -> Vec<Vec<u32>> {
        (0..classes as usize * per_class)
            .map(|i| vec![i as u32 % classes])
            .collect()
    }

    #[test]
    fn small_data_trains_full_batch_for_the_step_floor() {
        let l = labels(12, 11);
        let rows: Vec<usize> = (0..l.len()).collect();
        let cfg = loop_config(BackboneKind::ResNet18, TrainMode::Frozen, 16);
        let out = adapt_frozen(&cfg, &l, &rows);
        assert_eq!((out.classes_per_batch, out.per_class), (12, 11));
        assert_eq!(out.epochs, MIN_STEPS, "one step per epoch");
        assert_eq!(out.validate_every, 10);
        assert!(out.standardize);
        assert_eq!(out.feature_dropout, FEATURE_DROPOUT);
        assert!(
            out.keep_final && out.refit,
            "small data: last step kept, then refit"
        );
    }

    #[test]
    fn large_data_keeps_p_by_k_batches_and_at_least_the_recipe_epochs() {
        let l = labels(10, 900);
        let rows: Vec<usize> = (0..l.len()).collect();
        let cfg = loop_config(BackboneKind::ResNet18, TrainMode::Frozen, 64);
        let out = adapt_frozen(&cfg, &l, &rows);
        assert_eq!((out.classes_per_batch, out.per_class), (10, 8));
        assert_eq!(out.epochs, cfg.epochs, "{} batches an epoch", 9000 / 80);
        assert_eq!(out.feature_dropout, 0.0);
        assert!(
            !out.keep_final && !out.refit,
            "large data: the recipe as it was"
        );
        let mid = labels(10, 40);
        let rows: Vec<usize> = (0..mid.len()).collect();
        let triplet = adapt_frozen(&cfg, &mid, &rows);
        assert_eq!(
            triplet.per_class, 8,
            "400 rows: too many for a triplet full batch"
        );
        assert_eq!(triplet.epochs, MIN_STEPS.div_ceil(5));
        let csq = adapt_frozen(&with_loss(cfg, LossKind::Csq), &mid, &rows);
        assert_eq!(
            (csq.classes_per_batch, csq.per_class, csq.epochs),
            (10, 40, MIN_STEPS)
        );
    }
}
