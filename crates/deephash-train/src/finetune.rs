//! `--mode finetune`: the whole network trained end to end on images.

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use deephash_model::{HashNet, InferenceNet};

use crate::TrainError;
use crate::embeddings::{Embeddings, RetrievalScorer};
use crate::source::ImageSource;
use crate::trainer::{LoopOptions, LoopOutcome, TrainSamples, train_loop};
use crate::{CheckpointState, LoopConfig, RunDir};

/// Relaxed codes of the images `rows` of `source` through `net` in eval mode (evaluation
/// transform, batches of `batch`; the network's inference form is built once for all batches).
pub fn net_embeddings(
    net: &HashNet,
    source: &dyn ImageSource,
    rows: &[usize],
    labels: &[Vec<u32>],
    batch: usize,
    device: &Device,
) -> Result<Embeddings, TrainError> {
    let net = net.valid().inference();
    inference_embeddings(&net, source, rows, labels, batch, device)
}

/// Relaxed codes of the images `rows` of `source` through a network in inference form
/// (evaluation transform, batches of `batch`).
pub fn inference_embeddings(
    net: &InferenceNet,
    source: &dyn ImageSource,
    rows: &[usize],
    labels: &[Vec<u32>],
    batch: usize,
    device: &Device,
) -> Result<Embeddings, TrainError> {
    Embeddings::collect(rows, labels, batch, |chunk| {
        let (pixels, shape) = source.pixels(chunk, None)?;
        let x = Tensor::<4>::from_data(TensorData::new(pixels, shape), device);
        Ok(net.forward(x))
    })
}

/// Trains `net` on the images `train` of `source` (validating `val` against `train`).
#[allow(clippy::too_many_arguments)]
pub fn train_finetune(
    run: &RunDir,
    cfg: &LoopConfig,
    net: HashNet,
    state: CheckpointState,
    optim: burn::optim::ModuleOptimizer,
    source: &dyn ImageSource,
    split: (&[usize], &[usize]),
    scorer: Option<&dyn RetrievalScorer>,
    opts: &LoopOptions,
    device: &Device,
) -> Result<(HashNet, LoopOutcome), TrainError> {
    let device = device.clone();
    let plain = device.clone().without_autodiff();
    let labels = source.labels();
    let (train, val) = split;
    let eval_batch = cfg.batch_size().max(64);
    let forward = |n: &HashNet, idx: &[usize], seed: u64| -> Result<Tensor<2>, TrainError> {
        let (pixels, shape) = source.pixels(idx, Some(seed))?;
        let x = Tensor::<4>::from_data(TensorData::new(pixels, shape), &device);
        Ok(n.forward(x))
    };
    let mut validate = |n: &HashNet| -> Result<f64, TrainError> {
        let scorer = scorer.expect("validation only with a scorer");
        let q = net_embeddings(n, source, val, &labels, eval_batch, &plain)?;
        let db = net_embeddings(n, source, train, &labels, eval_batch, &plain)?;
        scorer.score(&q, &db).map_err(TrainError::Config)
    };
    let validate_ref: Option<&mut crate::trainer::Validate<'_, HashNet>> =
        if scorer.is_some() && !val.is_empty() {
            Some(&mut validate as &mut crate::trainer::Validate<'_, HashNet>)
        } else {
            None
        };
    let samples = TrainSamples {
        labels: &labels,
        candidates: train,
    };
    train_loop(
        run,
        cfg,
        net,
        optim,
        state,
        &samples,
        &forward,
        validate_ref,
        opts,
    )
}
