//! `deephash eval` as a process: the JSON and table outputs on the parity
//! fixture, and a one-line error naming the file for each kind of bad input.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{ok, one_line_error};
use deephash_codes::{CodeMatrix, Labels, write_codes_npy, write_labels_npy};

/// The mAP parity fixture of deephash-metrics (200 queries, 300 items, 64 bits).
fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../deephash-metrics/tests/fixtures")
        .join(name)
}

fn eval(files: [&Path; 4], extra: &[&str]) -> Output {
    let [qc, ql, dc, dl] = files;
    Command::new(env!("CARGO_BIN_EXE_deephash"))
        .arg("eval")
        .args(["--query-codes".as_ref(), qc.as_os_str()])
        .args(["--query-labels".as_ref(), ql.as_os_str()])
        .args(["--db-codes".as_ref(), dc.as_os_str()])
        .args(["--db-labels".as_ref(), dl.as_os_str()])
        .args(extra)
        .output()
        .expect("deephash runs")
}

fn fixture_files() -> [PathBuf; 4] {
    [
        "query_codes.npy",
        "query_labels.npy",
        "db_codes.npy",
        "db_labels.npy",
    ]
    .map(fixture)
}

fn refs(files: &[PathBuf; 4]) -> [&Path; 4] {
    [&files[0], &files[1], &files[2], &files[3]].map(PathBuf::as_path)
}

/// Asserts a failure with exactly one line on stderr that contains `needle`.
fn assert_one_line_error(out: &Output, needle: &str) {
    let err = one_line_error(out);
    assert!(err.contains(needle), "{needle:?} not in: {err}");
}

#[test]
fn json_has_every_metric_and_matches_numpy() {
    let files = fixture_files();
    let out = eval(refs(&files), &["--json", "--topk", "50"]);
    ok(&out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.trim_end().lines().count(),
        1,
        "one JSON object on one line"
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("expected.json")).unwrap()).unwrap();
    for key in [
        "map",
        "map_tie_aware",
        "map_at_k",
        "precision_at_k",
        "precision_radius",
        "recall_radius",
    ] {
        let x = v[key].as_f64().unwrap_or_else(|| panic!("{key} missing"));
        assert!((0.0..=1.0).contains(&x), "{key} = {x}");
    }
    assert!((v["map"].as_f64().unwrap() - expected["map"].as_f64().unwrap()).abs() < 1e-9);
    assert!(
        (v["map_at_k"].as_f64().unwrap() - expected["map_at_k"].as_f64().unwrap()).abs() < 1e-9
    );
    assert_eq!(v["pr_curve"].as_array().unwrap().len(), 65);
    assert_eq!((v["k"].as_u64(), v["radius"].as_u64()), (Some(50), Some(2)));
}

#[test]
fn table_without_json() {
    let files = fixture_files();
    let out = eval(refs(&files), &["--radius", "3"]);
    ok(&out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("200 queries, 300 database items, 64 bits"),
        "{stdout}"
    );
    for needle in [
        "mAP (tie-aware)",
        "precision@100",
        "precision within radius 3",
        "recall within radius 3",
    ] {
        assert!(stdout.contains(needle), "{needle:?} not in {stdout}");
    }
    assert!(
        !stdout.contains("mAP@"),
        "no mAP@k without --topk: {stdout}"
    );
}

#[test]
fn k_out_of_range_is_refused() {
    let files = fixture_files();
    assert_one_line_error(&eval(refs(&files), &["--topk", "0"]), "db_codes.npy");
    assert_one_line_error(
        &eval(refs(&files), &["--topk", "301"]),
        "--topk 301 is out of range",
    );
}

#[test]
fn label_count_must_match_code_count() {
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short_labels.npy");
    write_labels_npy(&short, &Labels::Single(vec![1; 299])).unwrap();
    let mut files = fixture_files();
    files[3] = short;
    assert_one_line_error(
        &eval(refs(&files), &["--json"]),
        "short_labels.npy: 299 labels",
    );
}

#[test]
fn query_and_database_bits_must_match() {
    let dir = tempfile::tempdir().unwrap();
    let narrow = dir.path().join("narrow.npy");
    write_codes_npy(
        &narrow,
        &CodeMatrix::from_packed(32, vec![7; 300 * 4]).unwrap(),
    )
    .unwrap();
    let mut files = fixture_files();
    files[2] = narrow;
    assert_one_line_error(
        &eval(refs(&files), &[]),
        "narrow.npy: database codes have 32 bits",
    );
}

#[test]
fn empty_inputs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let no_rows = dir.path().join("no_rows.npy");
    write_codes_npy(&no_rows, &CodeMatrix::from_packed(64, vec![]).unwrap()).unwrap();
    let no_labels = dir.path().join("no_labels.npy");
    write_labels_npy(&no_labels, &Labels::Single(vec![])).unwrap();
    let mut files = fixture_files();
    files[0] = no_rows;
    files[1] = no_labels;
    assert_one_line_error(&eval(refs(&files), &[]), "no_rows.npy: holds no code");
    let zero_bytes = dir.path().join("zero_bytes.npy");
    std::fs::write(&zero_bytes, b"").unwrap();
    let mut files = fixture_files();
    files[2] = zero_bytes;
    assert_one_line_error(&eval(refs(&files), &[]), "zero_bytes.npy");
}

#[test]
fn unreadable_or_corrupt_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.npy");
    std::fs::write(&garbage, b"this is not a numpy file at all").unwrap();
    let mut files = fixture_files();
    files[1] = garbage;
    assert_one_line_error(&eval(refs(&files), &[]), "garbage.npy");
    let mut files = fixture_files();
    files[0] = dir.path().join("missing.npy");
    assert_one_line_error(&eval(refs(&files), &[]), "missing.npy");
}

#[test]
fn single_and_multi_label_do_not_mix() {
    let dir = tempfile::tempdir().unwrap();
    let multi = dir.path().join("multi.npy");
    write_labels_npy(
        &multi,
        &Labels::Multi {
            classes: 3,
            matrix: [true, false, true].repeat(300),
        },
    )
    .unwrap();
    let mut files = fixture_files();
    files[3] = multi;
    assert_one_line_error(&eval(refs(&files), &[]), "multi.npy (multi-label)");
}

#[test]
fn a_missing_option_is_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_deephash"))
        .args([
            "eval",
            "--query-codes",
            "q.npy",
            "--query-labels",
            "ql.npy",
            "--db-codes",
            "d.npy",
        ])
        .output()
        .unwrap();
    assert_one_line_error(&out, "--db-labels FILE is required");
}
