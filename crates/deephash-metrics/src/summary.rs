//! The human-readable summary of an [`EvalReport`] (what `deephash eval` prints without
//! `--json`).

use std::fmt;

use crate::EvalReport;

impl fmt::Display for EvalReport {
    /// `N queries, M database items, B bits` and one aligned line per metric.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self;
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
        rows.extend([
            (
                format!("precision@{}", r.k),
                format!("{:.6}", r.precision_at_k),
            ),
            (
                format!("precision within radius {}", r.radius),
                format!("{:.6}", r.precision_radius),
            ),
            (
                format!("recall within radius {}", r.radius),
                format!("{:.6}", r.recall_radius),
            ),
            (
                "queries without a relevant item (count 0)".to_string(),
                r.queries_without_relevant.to_string(),
            ),
        ]);
        writeln!(
            f,
            "{} queries, {} database items, {} bits",
            r.queries, r.database, r.bits
        )?;
        let width = rows.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
        for (name, value) in rows {
            writeln!(f, "  {name:<width$}  {value}")?;
        }
        Ok(())
    }
}
