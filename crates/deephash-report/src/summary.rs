//! Plain-text and JSON summaries of evaluations: the console table and `metrics.json`.

use std::io::Write;
use std::path::Path;

use deephash_metrics::EvalReport;

use crate::ReportError;

/// The console table of results per code length: bits, mAP, tie-aware mAP, precision@k and
/// precision/recall within the radius, one line each, aligned.
pub fn map_table_text(results: &[EvalReport]) -> String {
    let mut out =
        String::from(" bits      mAP   mAP(tie-aware)   P@k (k)          P r<=R   R r<=R  (R)\n");
    for r in results {
        let p_at_k = format!("{:.4} ({})", r.precision_at_k, r.k);
        out.push_str(&format!(
            "{:>5}   {:.4}           {:.4}   {:<16} {:.4}   {:.4}  ({})\n",
            r.bits, r.map, r.map_tie_aware, p_at_k, r.precision_radius, r.recall_radius, r.radius
        ));
    }
    out
}

/// Writes `results` as a JSON array of the metric objects of `deephash eval --json` (each has
/// at least `bits` and `map`), atomically.
pub fn write_metrics_json(path: &Path, results: &[EvalReport]) -> Result<(), ReportError> {
    let text = serde_json::to_string_pretty(results).map_err(|e| ReportError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    deephash_codes::write_atomically(path, |f| {
        f.write_all(text.as_bytes())
            .and_then(|_| f.write_all(b"\n"))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use deephash_metrics::DistanceHistogram;

    use super::*;

    fn result(bits: usize, map: f64) -> EvalReport {
        EvalReport {
            queries: 3,
            database: 9,
            bits,
            queries_without_relevant: 0,
            map,
            map_tie_aware: map - 0.01,
            topk: None,
            map_at_k: None,
            k: 9,
            precision_at_k: 0.25,
            radius: 2,
            precision_radius: 0.5,
            recall_radius: 0.125,
            pr_curve: vec![],
            precision_at_k_curve: vec![],
            distance_histogram: DistanceHistogram::default(),
        }
    }

    #[test]
    fn table_has_one_aligned_line_per_code_length() {
        let text = map_table_text(&[result(16, 0.5), result(64, 0.875)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[1].starts_with("   16   0.5000           0.4900   0.2500 (9)"),
            "{text}"
        );
        assert!(lines[2].starts_with("   64   0.8750"), "{text}");
        assert!(lines[2].ends_with("0.5000   0.1250  (2)"), "{text}");
    }

    #[test]
    fn metrics_json_is_a_list_with_bits_and_map() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.json");
        let results = vec![result(16, 0.5), result(32, 0.75)];
        write_metrics_json(&path, &results).unwrap();
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let list = value.as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1]["bits"], 32);
        assert_eq!(list[1]["map"], 0.75);
        let back: Vec<EvalReport> = serde_json::from_value(value).unwrap();
        assert_eq!(back, results);
        let err =
            write_metrics_json(&dir.path().join("no/such/metrics.json"), &results).unwrap_err();
        assert!(err.to_string().contains("no/such"), "{err}");
    }
}
