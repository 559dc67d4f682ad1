//! Evaluating a trained run the honest way — every test image as a query against the whole
//! training split as the database, with the run's evaluation transform — and writing the
//! report (`report.html`) of one or more runs. Shared by `eval --run`, `demo` and
//! `reproduce`, so their numbers agree with `deephash train`'s final metrics.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use deephash_codes::{CodeMatrix, Labels};
use deephash_data::{DEFAULT_MAX_PIXELS, Dataset, DatasetKind, DatasetSpec, Split};
use deephash_metrics::{EvalConfig, EvalReport, Side, evaluate};
use deephash_report::{
    CodeSet, ExampleGrid, Report, ReportError, example_grid, map_table_text, pick_queries,
};

use deephash_train::dataset_source::DatasetSource;
use deephash_train::run_config::first_per_class;
use deephash_train::{DataSpec, ImageSource};

use super::final_codes::reuse_final_codes;
use super::{dataset_source, encode_source, labels_from_sets, load_model, thumbnail};

/// Example queries shown in the report.
pub const EXAMPLE_QUERIES: usize = 8;
/// Results shown per example query.
pub const EXAMPLE_HITS: usize = 10;
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

/// The decoded-image cache a run's training used (`RUN/../.deephash-cache/images`), so that
/// evaluation decodes file images only once.
pub fn default_cache(run: &Path) -> PathBuf {
    run.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(".deephash-cache")
        .join("images")
}

/// Evaluates the finished run `run` on `device`: test queries vs the training database.
/// Returns the evaluation and the data set (same order as the codes) for thumbnails.
pub fn evaluate_run(
    run: &Path,
    device: &str,
    config: &EvalConfig,
) -> anyhow::Result<(RunEval, Dataset)> {
    let started = Instant::now();
    let model = load_model(run, device)?;
    let mut dataset = run_dataset(&model.config().data)
        .with_context(|| format!("loading the data set of the run {}", run.display()))?;
    let cache = default_cache(run);
    let key = |s: &str| format!("{}:{:?}:{s}", dataset.name, model.config().data.data_dir);
    let skip_bad = model.config().data.skip_bad;
    let test = dataset_source(&model, dataset.test, Some(&cache), &key("test"), skip_bad)?;
    let train = dataset_source(&model, dataset.train, Some(&cache), &key("train"), skip_bad)?;
    // The kept samples, in the order of the codes.
    dataset.test = test.samples().cloned().collect();
    dataset.train = train.samples().cloned().collect();
    let codes_of = |split: &str, source: &DatasetSource, what: &str| {
        let ids: Vec<String> = source.samples().map(|s| s.name.clone()).collect();
        match reuse_final_codes(run, split, &ids, model.bits()) {
            Some(codes) => Ok(codes),
            None => {
                let rows: Vec<usize> = (0..source.len()).collect();
                encode_source(&model, source, &rows, EVAL_BATCH, what)
            }
        }
    };
    let queries = codes_of("test", &test, "queries")?;
    let db = codes_of("train", &train, "database")?;
    let (query_labels, db_labels) =
        labels_pair(&dataset.labels(Split::Test), &dataset.labels(Split::Train));
    let report = evaluate(&queries, &query_labels, &db, &db_labels, config)
        .with_context(|| format!("evaluating the run {}", run.display()))?;
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
/// same rule as `deephash train`).
pub fn run_dataset(spec: &DataSpec) -> anyhow::Result<Dataset> {
    let kind: DatasetKind = spec.dataset.parse()?;
    let mut dataset = DatasetSpec::new(kind, spec.data_dir.clone()).load()?;
    if let Some(max) = spec.max_per_class {
        for samples in [&mut dataset.train, &mut dataset.test] {
            let labels: Vec<Vec<u32>> = samples.iter().map(|s| s.labels.clone()).collect();
            let keep = first_per_class(&labels, max);
            *samples = keep.into_iter().map(|i| samples[i].clone()).collect();
        }
    }
    Ok(dataset)
}

/// Query and database labels for the metrics: one class each when every item has exactly
/// one, else 0/1 matrices over the same classes (multi-label).
pub fn labels_pair(query: &[Vec<u32>], db: &[Vec<u32>]) -> (Labels, Labels) {
    let all: Vec<Vec<u32>> = query.iter().chain(db).cloned().collect();
    match labels_from_sets(&all) {
        Labels::Single(ids) => {
            let (q, d) = ids.split_at(query.len());
            (Labels::Single(q.to_vec()), Labels::Single(d.to_vec()))
        }
        Labels::Multi { classes, matrix } => {
            let (q, d) = matrix.split_at(query.len() * classes);
            let multi = |m: &[bool]| Labels::Multi {
                classes,
                matrix: m.to_vec(),
            };
            (multi(q), multi(d))
        }
    }
}

/// The example grid of the longest codes among `evals` (all of the same data set).
pub fn examples(evals: &[RunEval], dataset: &Dataset) -> anyhow::Result<Option<ExampleGrid>> {
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
    let mut image = |side: Side, i: usize| {
        let sample = match side {
            Side::Query => &dataset.test[i],
            Side::Database => &dataset.train[i],
        };
        let img = sample
            .load(DEFAULT_MAX_PIXELS)
            .map_err(|e| ReportError::InvalidData(e.to_string()))?;
        thumbnail(&img).map_err(|e| ReportError::InvalidData(e.to_string()))
    };
    let label = |side: Side, i: usize| {
        let sample = match side {
            Side::Query => &dataset.test[i],
            Side::Database => &dataset.train[i],
        };
        class_text(dataset, &sample.labels)
    };
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
/// longest codes; returns the path.
pub fn write_report(
    dir: &Path,
    title: &str,
    facts: Vec<(String, String)>,
    evals: &[RunEval],
    dataset: &Dataset,
) -> anyhow::Result<PathBuf> {
    let report = Report {
        title: title.to_string(),
        facts,
        results: evals.iter().map(|e| e.report.clone()).collect(),
        examples: examples(evals, dataset)?,
    };
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
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

/// `deephash eval --run RUN`: evaluates the run, writes `RUN/metrics.json` (the metric
/// object, as `deephash eval --json` prints it) and `RUN/report.html`, and prints the JSON
/// object (`json`) or the console table.
pub fn eval_run(run: &Path, device: &str, config: &EvalConfig, json: bool) -> anyhow::Result<()> {
    let (eval, dataset) = evaluate_run(run, device, config)?;
    let metrics = run.join("metrics.json");
    let text = serde_json::to_string_pretty(&eval.report)?;
    deephash_codes::write_atomically(&metrics, |f| {
        f.write_all(text.as_bytes())
            .and_then(|_| f.write_all(b"\n"))
    })?;
    let evals = [eval];
    let title = format!("deephash: {} ({})", run.display(), dataset.name);
    let mut facts = protocol_facts(&dataset, &evals);
    facts.insert(0, ("run".into(), run.display().to_string()));
    let report = write_report(run, &title, facts, &evals, &dataset)?;
    if json {
        println!("{}", serde_json::to_string(&evals[0].report)?);
    } else {
        print!("{}", map_table_text(&[evals[0].report.clone()]));
    }
    eprintln!("wrote {} and {}", metrics.display(), report.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_pairs_share_the_class_space() {
        let (q, d) = labels_pair(&[vec![1]], &[vec![0], vec![1]]);
        assert_eq!(q, Labels::Single(vec![1]));
        assert_eq!(d, Labels::Single(vec![0, 1]));
        let (q, d) = labels_pair(&[vec![0, 2]], &[vec![1]]);
        assert_eq!(
            q,
            Labels::Multi {
                classes: 3,
                matrix: vec![true, false, true]
            }
        );
        assert_eq!(
            d,
            Labels::Multi {
                classes: 3,
                matrix: vec![false, true, false]
            }
        );
    }

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
