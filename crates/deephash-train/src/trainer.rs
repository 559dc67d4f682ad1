//! The training loop shared by both modes: P x K batches, loss, optimiser step, schedule,
//! validation, best/latest checkpoints, metrics log, progress bars, Ctrl-C and resume.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use burn::optim::ModuleOptimizer;
use burn::tensor::Tensor;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::TrainError;
use crate::checkpoint::{save_checkpoint, save_module};
use crate::config::LoopConfig;
use crate::loss::{HashCentres, LabelSets};
use crate::module_step::TrainModule;
use crate::run_dir::{CheckpointState, EpochMetrics, RunDir};
use deephash_data::sampler::{epoch_rng, pk_batches};

/// Forward pass of one batch: `(module, sample indices, augmentation seed) -> [n, bits]`.
pub type BatchForward<'a, M> = dyn Fn(&M, &[usize], u64) -> Result<Tensor<2>, TrainError> + 'a;

/// Validation: the module's score on the validation split (higher is better).
pub type Validate<'a, M> = dyn FnMut(&M) -> Result<f64, TrainError> + 'a;

/// The training samples.
pub struct TrainSamples<'a> {
    /// Label sets of every sample (indexed by sample id).
    pub labels: &'a [Vec<u32>],
    /// The sample ids to train on (the training split minus validation).
    pub candidates: &'a [usize],
}

/// Run-time switches that are not part of the configuration.
#[derive(Debug, Clone, Default)]
pub struct LoopOptions {
    /// No progress bars (logs only).
    pub quiet: bool,
    /// Set by a Ctrl-C handler: checkpoint at the next batch and stop.
    pub interrupt: Option<Arc<AtomicBool>>,
    /// Stop (as if interrupted, without an error) after this many completed epochs.
    pub stop_after_epochs: Option<usize>,
}

/// How a loop ended.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopOutcome {
    /// Progress at the end.
    pub state: CheckpointState,
    /// True when every configured epoch ran.
    pub finished: bool,
}

/// Seed of the augmentation of batch `step` of `epoch`.
pub fn augmentation_seed(seed: u64, epoch: usize, step: usize) -> u64 {
    seed ^ ((epoch as u64) << 32 | step as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93)
}

/// Trains `module` from `state` to `cfg.epochs` epochs.
///
/// After every epoch: validation (when `validate` is given and the epoch is due), the best
/// module to `checkpoints/best.bpk`, one `metrics.jsonl` line, then a checkpoint. Without
/// validation the last epoch is the best. Returns the trained module and how it ended.
#[allow(clippy::too_many_arguments)]
pub fn train_loop<M: TrainModule>(
    run: &RunDir,
    cfg: &LoopConfig,
    mut module: M,
    mut optim: ModuleOptimizer,
    mut state: CheckpointState,
    samples: &TrainSamples<'_>,
    forward: &BatchForward<'_, M>,
    mut validate: Option<&mut Validate<'_, M>>,
    opts: &LoopOptions,
) -> Result<(M, LoopOutcome), TrainError> {
    cfg.validate()?;
    run.truncate_metrics_after(state.epoch)?;
    let bars = Bars::new(cfg.epochs, state.epoch, opts.quiet);
    let mut centres: Option<HashCentres> = None;
    while state.epoch < cfg.epochs {
        let epoch = state.epoch;
        let start = Instant::now();
        let mut rng = epoch_rng(cfg.seed, epoch);
        let plan = pk_batches(
            samples.labels,
            samples.candidates,
            cfg.classes_per_batch,
            cfg.per_class,
            &mut rng,
        );
        bars.start_epoch(epoch, plan.len(), state.step);
        let mut seen = 0usize;
        let mut lr = cfg.schedule.lr(epoch, 0.0, cfg.epochs);
        for (step, batch) in plan.iter().enumerate().skip(state.step) {
            if opts
                .interrupt
                .as_ref()
                .is_some_and(|f| f.load(Ordering::SeqCst))
            {
                save_checkpoint(run, &module, &optim, &mut state)?;
                bars.finish();
                return Err(TrainError::Interrupted {
                    epoch: state.epoch,
                    run: run.root().to_path_buf(),
                });
            }
            lr = cfg
                .schedule
                .lr(epoch, step as f64 / plan.len() as f64, cfg.epochs);
            let h = forward(&module, batch, augmentation_seed(cfg.seed, epoch, step))?;
            let labels =
                LabelSets::multi(batch.iter().map(|&i| samples.labels[i].clone()).collect());
            if cfg.loss.kind.uses_centres() && centres.is_none() {
                centres = Some(run_centres(run, samples.labels, h.dims()[1], cfg.seed)?);
            }
            let loss = cfg.loss.forward_with(h, &labels, centres.as_ref())?;
            let grads = loss.backward();
            let value = f64::from(loss.into_scalar::<f32>());
            module = module.optimizer_step(&mut optim, grads, lr, lr * cfg.backbone_lr_mult);
            state.loss_sum += value;
            state.step = step + 1;
            seen += batch.len();
            bars.batch_done(state.loss_sum / state.step as f64, seen, start);
        }
        let train_seconds = start.elapsed().as_secs_f64();
        let due = (epoch + 1).is_multiple_of(cfg.validate_every.max(1)) || epoch + 1 == cfg.epochs;
        let val_map = match (&mut validate, due) {
            (Some(v), true) => Some((*v)(&module)?),
            _ => None,
        };
        let is_best = match (val_map, state.best_map) {
            _ if cfg.keep_final => epoch + 1 == cfg.epochs,
            (Some(m), Some(best)) => m > best,
            (Some(_), None) => true,
            (None, _) => validate.is_none(),
        };
        if is_best {
            save_module(&module, &run.best_path())?;
            state.best_map = if cfg.keep_final {
                val_map
            } else {
                val_map.or(state.best_map)
            };
            state.best_epoch = Some(epoch + 1);
        }
        let metrics = EpochMetrics {
            epoch: epoch + 1,
            loss: state.loss_sum / plan.len().max(1) as f64,
            lr,
            val_map,
            images_per_s: seen as f64 / train_seconds.max(1e-9),
            seconds: start.elapsed().as_secs_f64(),
        };
        tracing::info!(
            epoch = metrics.epoch,
            loss = metrics.loss,
            lr = metrics.lr,
            val_map = ?metrics.val_map,
            images_per_s = metrics.images_per_s,
            "epoch done"
        );
        run.append_metrics(&metrics)?;
        state.epoch += 1;
        state.step = 0;
        state.loss_sum = 0.0;
        save_checkpoint(run, &module, &optim, &mut state)?;
        bars.end_epoch(&metrics);
        if opts.stop_after_epochs.is_some_and(|n| state.epoch >= n) && state.epoch < cfg.epochs {
            bars.finish();
            return Ok((
                module,
                LoopOutcome {
                    state,
                    finished: false,
                },
            ));
        }
    }
    bars.finish();
    Ok((
        module,
        LoopOutcome {
            state,
            finished: true,
        },
    ))
}

/// The hash centres of a run: one per class of `labels` (the largest label + 1) at `bits`
/// bits, read from `RUN/centres.json` when a resumed run wrote it, else made and saved there.
pub fn run_centres(
    run: &RunDir,
    labels: &[Vec<u32>],
    bits: usize,
    seed: u64,
) -> Result<HashCentres, TrainError> {
    let classes = labels.iter().flatten().max().map_or(0, |&l| l as usize + 1);
    HashCentres::load_or_create(&run.centres_path(), classes, bits, seed)
}

/// Epoch and batch progress bars (hidden with `--quiet`).
struct Bars {
    epochs: ProgressBar,
    batches: ProgressBar,
}

impl Bars {
    fn new(total: usize, done: usize, quiet: bool) -> Self {
        let multi = MultiProgress::new();
        if quiet {
            multi.set_draw_target(ProgressDrawTarget::hidden());
        }
        let epochs = multi.add(ProgressBar::new(total as u64));
        epochs.set_style(
            ProgressStyle::with_template("epoch {pos}/{len} {bar:30} {elapsed}<{eta} {msg}")
                .expect("valid template"),
        );
        epochs.set_position(done as u64);
        let batches = multi.add(ProgressBar::new(0));
        batches.set_style(
            ProgressStyle::with_template("  batch {pos}/{len} {bar:30} {msg}")
                .expect("valid template"),
        );
        Self { epochs, batches }
    }

    fn start_epoch(&self, _epoch: usize, batches: usize, done: usize) {
        self.batches.set_length(batches as u64);
        self.batches.set_position(done as u64);
    }

    fn batch_done(&self, mean_loss: f64, seen: usize, start: Instant) {
        self.batches.inc(1);
        let rate = seen as f64 / start.elapsed().as_secs_f64().max(1e-9);
        self.batches
            .set_message(format!("loss {mean_loss:.4} {rate:.0} img/s"));
    }

    fn end_epoch(&self, m: &EpochMetrics) {
        self.epochs.inc(1);
        let val = m
            .val_map
            .map(|v| format!(" val mAP {v:.4}"))
            .unwrap_or_default();
        self.epochs
            .set_message(format!("loss {:.4} lr {:.2e}{val}", m.loss, m.lr));
    }

    fn finish(&self) {
        self.batches.finish_and_clear();
        self.epochs.finish();
    }
}
