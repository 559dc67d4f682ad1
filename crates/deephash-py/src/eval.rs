//! `deephash.evaluate`: the metrics of `deephash eval`, with its messages naming
//! the Python arguments where the CLI names files.

use deephash_codes::{CodeMatrix, Labels};
use deephash_metrics::{EvalConfig, EvalReport, MetricsError, Side, evaluate as run};

use crate::Error;

/// Every metric of `deephash eval --json` (see [`EvalReport`]) for the given
/// codes and labels; `topk` and `radius` as `--topk` and `--radius`.
pub fn evaluate(
    query: &CodeMatrix,
    query_labels: &Labels,
    db: &CodeMatrix,
    db_labels: &Labels,
    topk: Option<usize>,
    radius: u32,
) -> Result<EvalReport, Error> {
    let config = EvalConfig {
        topk,
        radius,
        curve_ks: None,
    };
    run(query, query_labels, db, db_labels, &config)
        .map_err(|e| name_the_argument(e, query, db, db_labels))
}

/// The report as `deephash eval --json` prints it.
pub fn to_json(report: &EvalReport) -> String {
    serde_json::to_string(report).expect("an EvalReport always serialises")
}

/// The CLI's one-line message for `err`, with argument names for file names.
fn name_the_argument(
    err: MetricsError,
    query: &CodeMatrix,
    db: &CodeMatrix,
    db_labels: &Labels,
) -> Error {
    let codes_of = |side| {
        if side == Side::Query {
            "query_codes"
        } else {
            "db_codes"
        }
    };
    let labels_of = |side| {
        if side == Side::Query {
            "query_labels"
        } else {
            "db_labels"
        }
    };
    Error::argument(match err {
        MetricsError::Empty { side } => {
            format!("{}: holds no code, nothing to evaluate", codes_of(side))
        }
        MetricsError::LabelCount {
            side,
            codes,
            labels,
        } => format!(
            "{}: {labels} labels, but {} holds {codes} codes",
            labels_of(side),
            codes_of(side)
        ),
        MetricsError::BitsMismatch { .. } => format!(
            "db_codes: database codes have {} bits but the query codes in query_codes have {} bits",
            db.bits(),
            query.bits()
        ),
        MetricsError::InvalidK { k, database } => format!(
            "topk = {k} is out of range: db_codes holds {database} codes, k must be 1..={database}"
        ),
        other @ MetricsError::Kernel { .. } => other.to_string(),
        other @ (MetricsError::LabelKind { .. } | MetricsError::ClassCount { .. }) => {
            let kind = if matches!(db_labels, Labels::Single(_)) {
                "single-label"
            } else {
                "multi-label"
            };
            format!("db_labels ({kind}): {other} (query labels: query_labels)")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_codes_have_map_one_and_the_cli_json_keys() {
        let db = CodeMatrix::from_packed(8, vec![0x00, 0xff, 0x01, 0xfe]).unwrap();
        let db_labels = Labels::Single(vec![0, 1, 0, 1]);
        let query = CodeMatrix::from_packed(8, vec![0x00, 0xff]).unwrap();
        let query_labels = Labels::Single(vec![0, 1]);
        let report = evaluate(&query, &query_labels, &db, &db_labels, Some(2), 2).unwrap();
        assert_eq!(report.map, 1.0);
        assert_eq!(report.map_at_k, Some(1.0));
        let json: serde_json::Value = serde_json::from_str(&to_json(&report)).unwrap();
        for key in [
            "map",
            "map_tie_aware",
            "map_at_k",
            "precision_at_k",
            "pr_curve",
            "distance_histogram",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
    }

    #[test]
    fn errors_name_the_arguments() {
        let db = CodeMatrix::from_packed(8, vec![0, 1]).unwrap();
        let q = CodeMatrix::from_packed(16, vec![0, 1]).unwrap();
        let labels = Labels::Single(vec![0, 1]);
        let one = Labels::Single(vec![0]);
        let msg = |r: Result<EvalReport, Error>| r.unwrap_err().to_string();
        assert_eq!(
            msg(evaluate(&db, &one, &db, &labels, None, 2)),
            "query_labels: 1 labels, but query_codes holds 2 codes"
        );
        assert_eq!(
            msg(evaluate(&q, &one, &db, &labels, None, 2)),
            "db_codes: database codes have 8 bits but the query codes in query_codes have 16 bits"
        );
        assert_eq!(
            msg(evaluate(&db, &labels, &db, &labels, Some(3), 2)),
            "topk = 3 is out of range: db_codes holds 2 codes, k must be 1..=2"
        );
    }
}
