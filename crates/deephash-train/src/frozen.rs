//! `--mode frozen`: only the hash head is trained, on backbone features computed once.

use burn::module::Module;
use burn::tensor::Device;
use deephash_model::HashHead;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::TrainError;
use crate::dropout::drop_features;
use crate::embeddings::{Embeddings, RetrievalScorer};
use crate::features::FeatureTable;
use crate::trainer::{LoopOptions, LoopOutcome, TrainSamples, train_loop};
use crate::{CheckpointState, LoopConfig, RunDir};

/// Cached features of the training split.
#[derive(Debug, Clone, Default)]
pub struct FrozenData {
    /// Label set of each training image.
    pub labels: Vec<Vec<u32>>,
    /// Evaluation-view features of every training image.
    pub eval: FeatureTable,
    /// Features of augmented views (`--views K`); each batch row picks one of these or
    /// the evaluation view at random.
    pub views: Vec<FeatureTable>,
}

impl FrozenData {
    /// The same rows with `transform` applied to the evaluation-view and every augmented
    /// table (the labels as they are).
    pub fn map_tables(&self, transform: impl Fn(&FeatureTable) -> FeatureTable) -> FrozenData {
        FrozenData {
            labels: self.labels.clone(),
            eval: transform(&self.eval),
            views: self.views.iter().map(&transform).collect(),
        }
    }
}

/// The relaxed codes of `rows` of `table` through `head` (eval mode, in chunks).
pub fn head_embeddings(
    head: &HashHead,
    table: &FeatureTable,
    rows: &[usize],
    labels: &[Vec<u32>],
    device: &Device,
) -> Result<Embeddings, TrainError> {
    let head = head.valid();
    Embeddings::collect(rows, labels, 4096, |chunk| {
        Ok(head.forward(table.gather(chunk, device)))
    })
}

/// Trains `head` on `data` over the rows `train` (validating on `val` against `train`), with
/// `cfg.feature_dropout` of the input features dropped in every step.
#[allow(clippy::too_many_arguments)]
pub fn train_frozen(
    run: &RunDir,
    cfg: &LoopConfig,
    head: HashHead,
    state: CheckpointState,
    optim: burn::optim::ModuleOptimizer,
    data: &FrozenData,
    split: (&[usize], &[usize]),
    scorer: Option<&dyn RetrievalScorer>,
    opts: &LoopOptions,
    device: &Device,
) -> Result<(HashHead, LoopOutcome), TrainError> {
    let device = device.clone();
    let plain = device.clone().without_autodiff();
    let (train, val) = split;
    let forward = |h: &HashHead,
                   idx: &[usize],
                   seed: u64|
     -> Result<burn::tensor::Tensor<2>, TrainError> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut rows = Vec::with_capacity(idx.len() * data.eval.dim);
        for &i in idx {
            let v = if data.views.is_empty() {
                0
            } else {
                rng.random_range(0..=data.views.len())
            };
            let table = if v == 0 {
                &data.eval
            } else {
                &data.views[v - 1]
            };
            rows.extend_from_slice(table.row(i));
        }
        drop_features(&mut rows, cfg.feature_dropout, &mut rng);
        let shape = [idx.len(), data.eval.dim];
        let x =
            burn::tensor::Tensor::from_data(burn::tensor::TensorData::new(rows, shape), &device);
        Ok(h.forward(x))
    };
    let mut validate = |h: &HashHead| -> Result<f64, TrainError> {
        let scorer = scorer.expect("validation only with a scorer");
        let q = head_embeddings(h, &data.eval, val, &data.labels, &plain)?;
        let db = head_embeddings(h, &data.eval, train, &data.labels, &plain)?;
        scorer.score(&q, &db).map_err(TrainError::Config)
    };
    let validate_ref: Option<&mut crate::trainer::Validate<'_, HashHead>> =
        if scorer.is_some() && !val.is_empty() {
            Some(&mut validate as &mut crate::trainer::Validate<'_, HashHead>)
        } else {
            None
        };
    let samples = TrainSamples {
        labels: &data.labels,
        candidates: train,
    };
    train_loop(
        run,
        cfg,
        head,
        optim,
        state,
        &samples,
        &forward,
        validate_ref,
        opts,
    )
}
