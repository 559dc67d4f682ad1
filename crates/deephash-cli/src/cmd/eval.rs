//! `deephash eval`: retrieval metrics of query codes against a code database.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, anyhow};
use deephash_codes::{CodeMatrix, Labels, read_codes, read_labels};
use deephash_metrics::{DEFAULT_RADIUS, EvalConfig, EvalReport, MetricsError, Side, evaluate};

/// Arguments of `deephash eval`.
///
/// The four files are optional at the parser level so that other sources of
/// codes (a run directory) can be added later; today all four are needed and a
/// missing one is a one-line error.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Query codes: packed uint8 .npy (N x bits/8) or a deephash code database.
    #[arg(long, value_name = "FILE")]
    pub query_codes: Option<PathBuf>,
    /// Query labels: int64/int32 .npy (one class each) or a 2-D 0/1 matrix (multi-label).
    #[arg(long, value_name = "FILE")]
    pub query_labels: Option<PathBuf>,
    /// Database codes: packed uint8 .npy or a deephash code database.
    #[arg(long, value_name = "FILE")]
    pub db_codes: Option<PathBuf>,
    /// Database labels, as for the queries.
    #[arg(long, value_name = "FILE")]
    pub db_labels: Option<PathBuf>,
    /// Cut-off for mAP@k and precision@k (1..=database size); without it,
    /// precision@k uses k = 100 (or the database size if smaller) and no mAP@k is given.
    #[arg(long, value_name = "K")]
    pub topk: Option<usize>,
    /// Hamming radius of precision/recall within the radius.
    #[arg(long, value_name = "R", default_value_t = DEFAULT_RADIUS)]
    pub radius: u32,
    /// Print one JSON object (every metric and curve) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// A trained run instead of code files: its test split queries its training split;
    /// writes RUN/metrics.json and RUN/report.html.
    #[cfg(feature = "ml")]
    #[arg(long, value_name = "RUN", conflicts_with_all = ["query_codes", "query_labels", "db_codes", "db_labels"])]
    pub run: Option<PathBuf>,
    /// Compute device for --run: cpu, cuda or cuda:N.
    #[cfg(feature = "ml")]
    #[arg(long, default_value = "cpu")]
    pub device: deephash::DeviceSpec,
}

/// The four input files, once all are known.
struct Inputs<'a> {
    query_codes: &'a Path,
    query_labels: &'a Path,
    db_codes: &'a Path,
    db_labels: &'a Path,
}

/// Runs `deephash eval`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let config = EvalConfig {
        topk: args.topk,
        radius: args.radius,
        curve_ks: None,
    };
    #[cfg(feature = "ml")]
    if let Some(run) = &args.run {
        return eval_run(run, &args.device, &config, args.json);
    }
    let inputs = inputs(&args)?;
    let started = Instant::now();
    let query = read_codes(inputs.query_codes)?;
    let query_labels = read_labels(inputs.query_labels)?;
    let db = read_codes(inputs.db_codes)?;
    let db_labels = read_labels(inputs.db_labels)?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "read the inputs");
    let started = Instant::now();
    let report = evaluate(&query, &query_labels, &db, &db_labels, &config)
        .map_err(|err| name_the_file(err, &inputs, &query, &db, &db_labels))?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "evaluated");
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).context("cannot write the metrics as JSON")?
        );
    } else {
        print!("{}", table(&report));
    }
    Ok(())
}

/// `deephash eval --run RUN`: evaluates the run, writes `RUN/metrics.json` and
/// `RUN/report.html`, and prints the JSON object (`json`) or the console table.
#[cfg(feature = "ml")]
fn eval_run(
    run: &Path,
    device: &deephash::DeviceSpec,
    config: &EvalConfig,
    json: bool,
) -> anyhow::Result<()> {
    let done = deephash::evaluate_and_report(run, device, config)?;
    if json {
        println!("{}", serde_json::to_string(&done.eval.report)?);
    } else {
        print!("{}", deephash::report::map_table_text(&[done.eval.report]));
    }
    eprintln!(
        "wrote {} and {}",
        done.metrics.display(),
        done.report.display()
    );
    Ok(())
}

/// The four paths, or an error naming the first missing option.
fn inputs(args: &Args) -> anyhow::Result<Inputs<'_>> {
    Ok(Inputs {
        query_codes: required(&args.query_codes, "--query-codes")?,
        query_labels: required(&args.query_labels, "--query-labels")?,
        db_codes: required(&args.db_codes, "--db-codes")?,
        db_labels: required(&args.db_labels, "--db-labels")?,
    })
}

/// The path given with `flag`, or an error saying that `flag` is required.
fn required<'a>(path: &'a Option<PathBuf>, flag: &str) -> anyhow::Result<&'a Path> {
    path.as_deref()
        .ok_or_else(|| anyhow!("{flag} FILE is required (see `deephash eval --help`)"))
}

/// Turns a metrics error into a one-line message that starts with the file at fault.
fn name_the_file(
    err: MetricsError,
    inputs: &Inputs<'_>,
    query: &CodeMatrix,
    db: &CodeMatrix,
    db_labels: &Labels,
) -> anyhow::Error {
    let codes_of = |side| {
        if side == Side::Query {
            inputs.query_codes
        } else {
            inputs.db_codes
        }
    };
    let labels_of = |side| {
        if side == Side::Query {
            inputs.query_labels
        } else {
            inputs.db_labels
        }
    };
    match err {
        MetricsError::Empty { side } => anyhow!(
            "{}: holds no code, nothing to evaluate",
            codes_of(side).display()
        ),
        MetricsError::LabelCount {
            side,
            codes,
            labels,
        } => anyhow!(
            "{}: {labels} labels, but {} holds {codes} codes",
            labels_of(side).display(),
            codes_of(side).display()
        ),
        MetricsError::BitsMismatch { .. } => anyhow!(
            "{}: database codes have {} bits but the query codes in {} have {} bits",
            inputs.db_codes.display(),
            db.bits(),
            inputs.query_codes.display(),
            query.bits()
        ),
        MetricsError::InvalidK { k, database } => anyhow!(
            "--topk {k} is out of range: {} holds {database} codes, k must be 1..={database}",
            inputs.db_codes.display()
        ),
        other @ MetricsError::Kernel { .. } => anyhow!("{other}"),
        other @ (MetricsError::LabelKind { .. } | MetricsError::ClassCount { .. }) => {
            let kind = if matches!(db_labels, Labels::Single(_)) {
                "single-label"
            } else {
                "multi-label"
            };
            anyhow!(
                "{} ({kind}): {other} (query labels: {})",
                inputs.db_labels.display(),
                inputs.query_labels.display()
            )
        }
    }
}

/// The human-readable summary.
fn table(r: &EvalReport) -> String {
    let mut rows = vec![
        (
            "mAP (stable ranking, ties by index)".to_string(),
            format!("{:.6}", r.map),
        ),
        (
            "mAP (tie-aware)".to_string(),
            format!("{:.6}", r.map_tie_aware),
        ),
    ];
    if let (Some(k), Some(v)) = (r.topk, r.map_at_k) {
        rows.push((format!("mAP@{k}"), format!("{v:.6}")));
    }
    rows.push((
        format!("precision@{}", r.k),
        format!("{:.6}", r.precision_at_k),
    ));
    rows.push((
        format!("precision within radius {}", r.radius),
        format!("{:.6}", r.precision_radius),
    ));
    rows.push((
        format!("recall within radius {}", r.radius),
        format!("{:.6}", r.recall_radius),
    ));
    rows.push((
        "queries without a relevant item (count 0)".to_string(),
        r.queries_without_relevant.to_string(),
    ));
    let mut out = format!(
        "{} queries, {} database items, {} bits\n",
        r.queries, r.database, r.bits
    );
    let width = rows.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    for (name, value) in rows {
        out.push_str(&format!("  {name:<width$}  {value}\n"));
    }
    out
}
