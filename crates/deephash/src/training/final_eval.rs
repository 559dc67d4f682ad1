//! The end of a run: test queries against the whole training split (evaluation transform),
//! once, with the selected model; `RUN/metrics.json` and the codes `RUN/codes-{test,train}.dhc`
//! (which later evaluations reuse) are written.

use deephash_codes::CodeDb;
use deephash_metrics::EvalReport;
use deephash_train::dataset_source::DatasetSource;
use deephash_train::{Embeddings, ImageSource, RunDir, TrainedModel};

use super::scoring::ScoredCodes;
use crate::evaluation::EVAL_BATCH;
use crate::evaluation::final_codes::save_final_codes;
use crate::{DeviceSpec, Error, Result};

/// Evaluates the run's model on `test` against `train` and writes the metrics and codes.
/// `database`: the training split's outputs when already known (frozen mode).
pub fn final_metrics(
    run: &RunDir,
    device: &DeviceSpec,
    test: &DatasetSource,
    train: &DatasetSource,
    database: Option<Embeddings>,
) -> Result<EvalReport> {
    let model = TrainedModel::load(run.root(), &device.device()?)?;
    let all = |s: &DatasetSource| (0..s.len()).collect::<Vec<_>>();
    let queries = model.embed_source(test, &all(test), EVAL_BATCH)?;
    let database = match database {
        Some(known) => known,
        None => model.embed_source(train, &all(train), EVAL_BATCH)?,
    };
    let scored = ScoredCodes::of(&queries, &database)?;
    let report = scored.evaluate()?;
    save_codes(run, "test", test, scored.queries, scored.query_labels)?;
    save_codes(run, "train", train, scored.db, scored.db_labels)?;
    let path = run.final_metrics_path();
    let json = serde_json::to_vec_pretty(&report)
        .map_err(|e| Error::io(&path, std::io::Error::other(e)))?;
    deephash_train::atomic::write(&path, &json)?;
    Ok(report)
}

/// `RUN/codes-{split}.dhc` with the source's image names as ids.
fn save_codes(
    run: &RunDir,
    split: &str,
    source: &DatasetSource,
    codes: deephash_codes::CodeMatrix,
    labels: deephash_codes::Labels,
) -> Result<()> {
    let db = CodeDb {
        codes,
        ids: Some(source.samples().map(|s| s.name.clone()).collect()),
        labels: Some(labels),
    };
    save_final_codes(run.root(), split, &db)
}
