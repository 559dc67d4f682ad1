//! The report of evaluated runs: `report.html` with the example grid of the longest codes,
//! the facts about the protocol, and `RUN/metrics.json` for `eval --run`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use deephash_data::{DEFAULT_MAX_PIXELS, Dataset};
use deephash_metrics::{EvalConfig, Side};
use deephash_model::DeviceSpec;
use deephash_report::{CodeSet, ExampleGrid, Report, ReportError, example_grid, pick_queries};

use super::training_curve::training_curve;
use super::{RunEval, evaluate_run};
use crate::thumbnail::thumbnail;
use crate::{Error, Result};

/// Example queries shown in the report.
pub const EXAMPLE_QUERIES: usize = 8;
/// Results shown per example query.
pub const EXAMPLE_HITS: usize = 10;

/// The example grid of the longest codes among `evals` (all of the same data set).
pub fn examples(evals: &[RunEval], dataset: &Dataset) -> Result<Option<ExampleGrid>> {
    let Some(best) = evals.iter().max_by_key(|e| e.report.bits) else {
        return Ok(None);
    };
    let set = CodeSet {
        query: &best.queries,
        query_labels: &best.query_labels,
        db: &best.db,
        db_labels: &best.db_labels,
    };
    let picked = pick_queries(&best.query_labels, EXAMPLE_QUERIES);
    let k = EXAMPLE_HITS.min(best.db.len());
    let sample = |side: Side, i: usize| match side {
        Side::Query => &dataset.test[i],
        Side::Database => &dataset.train[i],
    };
    let mut image = |side: Side, i: usize| {
        let img = sample(side, i)
            .load(DEFAULT_MAX_PIXELS)
            .map_err(|e| ReportError::Image(Box::new(e)))?;
        thumbnail(&img)
    };
    let label = |side: Side, i: usize| class_text(dataset, &sample(side, i).labels);
    Ok(Some(example_grid(set, &picked, k, &mut image, &label)?))
}

/// Class names of a label set, joined by ", " (the class id when a name is missing).
pub fn class_text(dataset: &Dataset, labels: &[u32]) -> String {
    labels
        .iter()
        .map(|&c| {
            dataset
                .class_names
                .get(c as usize)
                .cloned()
                .unwrap_or_else(|| c.to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes `DIR/report.html` for `evals` (one per code length) with the example grid of the
/// longest codes and the training histories of `runs` (the runs evaluated); returns the path.
pub fn write_report(
    dir: &Path,
    title: &str,
    facts: Vec<(String, String)>,
    evals: &[RunEval],
    dataset: &Dataset,
    runs: &[&Path],
) -> Result<PathBuf> {
    let mut training = Vec::new();
    for run in runs {
        training.extend(training_curve(run)?);
    }
    let report = Report {
        title: title.to_string(),
        facts,
        results: evals.iter().map(|e| e.report.clone()).collect(),
        examples: examples(evals, dataset)?,
        training,
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join("report.html");
    report.write(&path)?;
    Ok(path)
}

/// The facts every report shows about the protocol and the data.
pub fn protocol_facts(dataset: &Dataset, evals: &[RunEval]) -> Vec<(String, String)> {
    let mut facts = vec![
        ("data set".to_string(), dataset.name.clone()),
        (
            "protocol".to_string(),
            "every test image queries the whole training split (the database); relevant = shares a class".to_string(),
        ),
        ("queries".to_string(), dataset.test.len().to_string()),
        ("database".to_string(), dataset.train.len().to_string()),
        ("classes".to_string(), dataset.num_classes().to_string()),
    ];
    let seconds: f64 = evals.iter().map(|e| e.seconds).sum();
    facts.push(("evaluation time".to_string(), format!("{seconds:.1} s")));
    facts
}

/// A run evaluated and its files written: `RUN/metrics.json` and `RUN/report.html`.
#[derive(Debug, Clone)]
pub struct EvaluatedRun {
    /// The evaluation.
    pub eval: RunEval,
    /// `RUN/metrics.json`: the metric object, as `deephash eval --json` prints it.
    pub metrics: PathBuf,
    /// `RUN/report.html`.
    pub report: PathBuf,
}

/// Evaluates the run `run` (see [`evaluate_run`]) and writes `RUN/metrics.json` and
/// `RUN/report.html`.
pub fn evaluate_and_report(
    run: &Path,
    device: &DeviceSpec,
    config: &EvalConfig,
) -> Result<EvaluatedRun> {
    let (eval, dataset) = evaluate_run(run, device, config)?;
    let metrics = run.join("metrics.json");
    let text = serde_json::to_string_pretty(&eval.report).expect("metrics serialise");
    deephash_codes::write_atomically(&metrics, |f| {
        f.write_all(text.as_bytes())
            .and_then(|_| f.write_all(b"\n"))
    })?;
    let evals = [eval];
    let title = format!("deephash: {} ({})", run.display(), dataset.name);
    let mut facts = protocol_facts(&dataset, &evals);
    facts.insert(0, ("run".into(), run.display().to_string()));
    let report = write_report(run, &title, facts, &evals, &dataset, &[run])?;
    let [eval] = evals;
    Ok(EvaluatedRun {
        eval,
        metrics,
        report,
    })
}

/// Several runs of one data set (one per code length) evaluated together, as `demo` and
/// `reproduce` report them.
#[derive(Debug, Clone)]
pub struct RunsReport {
    /// One evaluation per run, in the order given.
    pub evals: Vec<RunEval>,
    /// The data set, in the order of the codes.
    pub dataset: Dataset,
    /// `OUT/metrics.json`: every run's metric object.
    pub metrics: PathBuf,
    /// `OUT/report.html`.
    pub report: PathBuf,
}

/// Evaluates `runs` (see [`evaluate_run`]) and writes `OUT/metrics.json` and
/// `OUT/report.html` titled `title`, whose facts are the protocol's with `model` second
/// and `extra()` (e.g. training and total times, asked for once the runs are evaluated) at
/// the end.
pub fn report_runs(
    out: &Path,
    runs: &[PathBuf],
    device: &DeviceSpec,
    title: &str,
    model: String,
    extra: impl FnOnce() -> Vec<(String, String)>,
) -> Result<RunsReport> {
    let mut evals = Vec::new();
    let mut dataset = None;
    for run in runs {
        let (eval, data) = evaluate_run(run, device, &EvalConfig::default())?;
        evals.push(eval);
        dataset = Some(data);
    }
    let dataset = dataset.ok_or(Error::NoRuns)?;
    let metrics = out.join("metrics.json");
    let results: Vec<_> = evals.iter().map(|e| e.report.clone()).collect();
    deephash_report::write_metrics_json(&metrics, &results)?;
    let mut facts = protocol_facts(&dataset, &evals);
    facts.insert(1, ("model".into(), model));
    facts.extend(extra());
    let runs: Vec<&Path> = runs.iter().map(PathBuf::as_path).collect();
    let report = write_report(out, title, facts, &evals, &dataset, &runs)?;
    Ok(RunsReport {
        evals,
        dataset,
        metrics,
        report,
    })
}
