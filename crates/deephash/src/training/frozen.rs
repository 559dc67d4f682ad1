//! `mode = frozen`: backbone features computed once and cached, the frozen recipe
//! (standardised features, a step budget, the loss chosen by validation when several are
//! candidates), then the final network = backbone + the best head with the standardisation
//! folded in.

use std::path::Path;

use deephash_model::HashNet;
use deephash_model::burn::module::Module;
use deephash_model::burn::tensor::Device;
use deephash_train::checkpoint::save_module;
use deephash_train::dataset_source::DatasetSource;
use deephash_train::features::{FeatureTable, cached_features, extract_features, feature_bar};
use deephash_train::frozen::{FrozenData, head_embeddings};
use deephash_train::frozen_select::{CandidateScore, train_frozen_recipe};
use deephash_train::loss::LossKind;
use deephash_train::trainer::LoopOptions;
use deephash_train::{Embeddings, ImageSource, RunConfig, RunDir, TrainError};

use super::TrainRows;
use super::feature_cache::{feature_file, feature_key};
use super::initial::initial_net;
use super::scoring::validation_map;
use crate::{DeviceSpec, Result};

/// What a finished frozen run hands on: the final network's outputs for the whole training
/// split (made from the cached features: the backbone does not run over it again), the loss
/// of the chosen head and every candidate's validation score.
pub struct FrozenTrained {
    /// Outputs of the training split.
    pub database: Embeddings,
    /// The chosen head's loss.
    pub loss: LossKind,
    /// Every candidate's validation score (one entry when the loss was given).
    pub scores: Vec<CandidateScore>,
}

/// Trains the head(s) of a frozen run and saves the final network; `None` when stopped early.
pub fn train_frozen_run(
    run: &RunDir,
    config: &RunConfig,
    device: &DeviceSpec,
    split: &TrainRows<'_>,
    cache: &Path,
    opts: &LoopOptions,
) -> Result<Option<FrozenTrained>> {
    let plain = device.device()?;
    let net = initial_net(config, &plain)?;
    let data = frozen_data(config, &net, split.source, cache, &plain, opts.quiet)?;
    let autodiff = device.training_device()?;
    let rows = (split.train, split.val);
    let devices = (&autodiff, &plain);
    let outcome = train_frozen_recipe(
        run,
        config,
        &data,
        rows,
        Some(&validation_map),
        opts,
        devices,
    )?;
    let Some(outcome) = outcome else {
        return Ok(None);
    };
    let all: Vec<usize> = (0..data.labels.len()).collect();
    let database = head_embeddings(&outcome.head, &data.eval, &all, &data.labels, &plain)?;
    let final_net = HashNet {
        backbone: net.backbone,
        head: outcome.head,
    };
    save_module(&final_net, &run.model_path())?;
    Ok(Some(FrozenTrained {
        database,
        loss: outcome.loss,
        scores: outcome.scores,
    }))
}

/// The cached evaluation-view and augmented-view features of the training split.
fn frozen_data(
    config: &RunConfig,
    net: &HashNet,
    train: &DatasetSource,
    cache: &Path,
    device: &Device,
    quiet: bool,
) -> Result<FrozenData> {
    let backbone = net.backbone.valid();
    let backbone_name = config.backbone().to_string();
    let key = feature_key(
        &backbone_name,
        config.weights.as_deref(),
        &train.cache_key(),
        train.len(),
    );
    let compute = |augment: Option<u64>, what: &str| -> Result<FeatureTable, TrainError> {
        let bar = feature_bar(train.len(), what, quiet);
        let table = extract_features(&backbone, train, augment, 64, device, &bar);
        bar.finish_and_clear();
        table
    };
    let file = |view: &str| feature_file(cache, &key, view);
    let eval = cached_features(&file("eval"), &key, || compute(None, "features"))?;
    let seed = config.train.seed;
    let mut views = Vec::new();
    for v in 0..config.data.views {
        let view_key = format!("{key}|view{v}|seed{seed}");
        let view_seed = seed ^ (v as u64 + 1) << 40;
        let what = format!("view {}", v + 1);
        let path = file(&format!("view{v}-s{seed}"));
        views.push(cached_features(&path, &view_key, || {
            compute(Some(view_seed), &what)
        })?);
    }
    Ok(FrozenData {
        labels: train.labels(),
        eval,
        views,
    })
}
