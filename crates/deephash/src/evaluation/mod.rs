//! Evaluating a trained run the honest way — every test image as a query against the whole
//! training split as the database, with the run's evaluation transform — and writing the
//! report (`report.html`) of one or more runs ([`report`]). `eval --run`, `demo` and
//! `reproduce` all evaluate through here, so their numbers agree with the training run's
//! final metrics.

pub mod final_codes;
pub mod report;
pub mod training_curve;

use std::path::{Path, PathBuf};
use std::time::Instant;

use deephash_codes::{CodeMatrix, Labels};
use deephash_data::{Dataset, Split};
use deephash_metrics::{EvalConfig, EvalReport, evaluate};
use deephash_model::DeviceSpec;
use deephash_train::dataset_source::DatasetSource;
use deephash_train::run_config::first_per_class;
use deephash_train::{DataSpec, ImageSource};

use crate::labels::labels_pair;
use crate::{Error, HashEncoder, Result};
use final_codes::reuse_final_codes;

/// Images per forward pass when evaluating (the same as `deephash train`'s final
/// evaluation, so both give the same codes).
pub const EVAL_BATCH: usize = 256;

/// One run evaluated: its metrics and the codes they came from (for the example grid).
#[derive(Debug, Clone)]
pub struct RunEval {
    /// Every metric, as `deephash eval --json` prints it.
    pub report: EvalReport,
    /// Codes of the test images (the queries).
    pub queries: CodeMatrix,
    /// Labels of the queries.
    pub query_labels: Labels,
    /// Codes of the training images (the database).
    pub db: CodeMatrix,
    /// Labels of the database.
    pub db_labels: Labels,
    /// Seconds spent encoding and evaluating.
    pub seconds: f64,
}

/// The cache folder of a run's training (`RUN/../.deephash-cache`: decoded images, frozen
/// features), shared by the runs beside it.
pub fn cache_root(run: &Path) -> PathBuf {
    run.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(".deephash-cache")
}

/// The decoded-image cache a run's training used (`RUN/../.deephash-cache/images`), so that
/// evaluation decodes file images only once.
pub fn default_cache(run: &Path) -> PathBuf {
    cache_root(run).join("images")
}

/// Evaluates the finished run `run` on `device`: test queries vs the training database.
/// Returns the evaluation and the data set (in the order of the codes) for thumbnails.
pub fn evaluate_run(
    run: &Path,
    device: &DeviceSpec,
    config: &EvalConfig,
) -> Result<(RunEval, Dataset)> {
    let started = Instant::now();
    let encoder = HashEncoder::open(run, device)?;
    let data = &encoder.config().data;
    let mut dataset = run_dataset(data)
        .map_err(|e| e.context(format!("loading the data set of the run {}", run.display())))?;
    let cache = default_cache(run);
    let key = |s: &str| format!("{}:{:?}:{s}", dataset.name, data.source.data_dir);
    let test = encoder.dataset_source(dataset.test, Some(&cache), &key("test"), data.skip_bad)?;
    let train =
        encoder.dataset_source(dataset.train, Some(&cache), &key("train"), data.skip_bad)?;
    // The kept samples, in the order of the codes.
    dataset.test = test.samples().cloned().collect();
    dataset.train = train.samples().cloned().collect();
    let codes_of = |split: &str, source: &DatasetSource, what: &str| {
        let ids: Vec<String> = source.samples().map(|s| s.name.clone()).collect();
        match reuse_final_codes(run, split, &ids, encoder.bits()) {
            Some(codes) => Ok(codes),
            None => {
                let rows: Vec<usize> = (0..source.len()).collect();
                encoder.encode_source(source, &rows, EVAL_BATCH, what)
            }
        }
    };
    let queries = codes_of("test", &test, "queries")?;
    let db = codes_of("train", &train, "database")?;
    let (query_labels, db_labels) =
        labels_pair(&dataset.labels(Split::Test), &dataset.labels(Split::Train));
    let report = evaluate(&queries, &query_labels, &db, &db_labels, config)
        .map_err(|e| Error::from(e).context(format!("evaluating the run {}", run.display())))?;
    let eval = RunEval {
        report,
        queries,
        query_labels,
        db,
        db_labels,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok((eval, dataset))
}

/// The data set of a run as its training saw it: loaded from the run's data spec and, for
/// quick runs, cut to the first `max_per_class` images of each class of each split (the
/// same rule as training).
pub fn run_dataset(spec: &DataSpec) -> Result<Dataset> {
    let mut dataset = spec.source.load()?;
    if let Some(max) = spec.max_per_class {
        for samples in [&mut dataset.train, &mut dataset.test] {
            let labels: Vec<Vec<u32>> = samples.iter().map(|s| s.labels.clone()).collect();
            let keep = first_per_class(&labels, max);
            *samples = keep.into_iter().map(|i| samples[i].clone()).collect();
        }
    }
    Ok(dataset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_sits_next_to_the_run() {
        assert_eq!(
            default_cache(Path::new("runs/fm64")),
            Path::new("runs/.deephash-cache/images")
        );
        assert_eq!(
            default_cache(Path::new("fm64")),
            Path::new("./.deephash-cache/images")
        );
    }
}
