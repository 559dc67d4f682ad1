//! mAP parity with the numpy reference `map_eval.py` (stable ties), on the
//! fixture written by `scripts/make_map_fixture.py` (no numpy needed here).

use std::path::PathBuf;

use deephash_codes::{read_codes, read_labels};
use deephash_metrics::{EvalConfig, EvalReport, evaluate};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(fixture("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn run(topk: Option<usize>) -> EvalReport {
    let q = read_codes(&fixture("query_codes.npy")).unwrap();
    let ql = read_labels(&fixture("query_labels.npy")).unwrap();
    let db = read_codes(&fixture("db_codes.npy")).unwrap();
    let dl = read_labels(&fixture("db_labels.npy")).unwrap();
    assert_eq!((q.len(), db.len(), q.bits()), (200, 300, 64));
    evaluate(
        &q,
        &ql,
        &db,
        &dl,
        &EvalConfig {
            topk,
            ..EvalConfig::default()
        },
    )
    .unwrap()
}

fn assert_close(ours: f64, theirs: &serde_json::Value, tolerance: f64, what: &str) {
    let theirs = theirs.as_f64().unwrap();
    assert!(
        (ours - theirs).abs() <= tolerance,
        "{what}: deephash {ours} vs numpy {theirs}"
    );
}

#[test]
fn map_over_the_whole_ranking_equals_numpy() {
    let e = expected();
    let report = run(None);
    assert_close(report.map, &e["map"], 1e-9, "mAP (full precision)");
    // The printed value has 6 decimals: within 5e-7 of the exact one.
    assert_close(report.map, &e["map_printed"], 1e-6, "mAP (as printed)");
}

#[test]
fn map_at_k_equals_numpy() {
    let e = expected();
    let topk = e["topk"].as_u64().unwrap() as usize;
    let report = run(Some(topk));
    assert_close(
        report.map_at_k.unwrap(),
        &e["map_at_k"],
        1e-9,
        "mAP@k (full precision)",
    );
    assert_close(
        report.map_at_k.unwrap(),
        &e["map_at_k_printed"],
        1e-6,
        "mAP@k (as printed)",
    );
    assert_close(report.map, &e["map"], 1e-9, "mAP with topk given");
}
