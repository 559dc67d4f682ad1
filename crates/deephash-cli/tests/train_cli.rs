//! End-to-end `deephash train` runs on small data: the bundled Fashion-MNIST subset (a few
//! images per class, one epoch), resume after a stop, and a generated CUB-200-2011 tree.

#![cfg(feature = "ml")]

mod common;

use std::path::Path;
use std::process::Command;

use common::ok;

fn deephash() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deephash"))
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run deephash");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "deephash failed:\n{text}");
    text
}

fn metrics_lines(run: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(run.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn small_cnn_on_bundled_fashion_mnist_writes_a_complete_run() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let text = run_ok(
        deephash()
            .args([
                "train",
                "--dataset",
                "fashion-mnist",
                "--backbone",
                "small-cnn",
                "--bits",
                "16",
                "--epochs",
                "2",
                "--max-per-class",
                "24",
                "--quiet",
                "--out",
            ])
            .arg(&run),
    );
    assert!(text.contains("test mAP"), "{text}");
    for file in [
        "config.toml",
        "metrics.jsonl",
        "metrics.json",
        "model.bpk",
        "checkpoints/best.bpk",
    ] {
        assert!(run.join(file).is_file(), "missing {file}");
    }
    let lines = metrics_lines(&run);
    assert_eq!(lines.len(), 2);
    for key in ["epoch", "loss", "lr", "val_map", "images_per_s", "seconds"] {
        assert!(lines[0].get(key).is_some(), "metrics.jsonl lacks {key}");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(report["bits"], 16);
    assert_eq!(report["queries"], 240);
    let map = report["map"].as_f64().unwrap();
    assert!(map > 0.1 && map <= 1.0, "{map}");

    // The final codes are kept, with ids, for `eval --run` to reuse; reused or (once the model
    // is newer than them) computed again, the metrics are the ones training reported.
    let test_codes = run.join("codes-test.dhc");
    assert_eq!(
        deephash_codes::CodeDb::read(&test_codes)
            .unwrap()
            .codes
            .len(),
        240
    );
    let eval_map = |run: &Path| -> serde_json::Value {
        let out = deephash()
            .args(["eval", "--json", "--run"])
            .arg(run)
            .output()
            .unwrap();
        ok(&out);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["map"].clone()
    };
    assert_eq!(eval_map(&run), report["map"]);
    let stale = std::fs::File::options()
        .append(true)
        .open(run.join("model.bpk"))
        .unwrap();
    stale
        .set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(60))
        .unwrap();
    drop(stale);
    assert_eq!(eval_map(&run), report["map"]);
}

#[test]
fn stopped_run_resumes_to_the_same_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let base = [
        "train",
        "--backbone",
        "small-cnn",
        "--bits",
        "16",
        "--epochs",
        "3",
        "--max-per-class",
        "16",
        "--validate-every",
        "1",
        "--quiet",
        "--seed",
        "5",
    ];
    run_ok(deephash().args(base).arg("--out").arg(&a));
    let text = run_ok(
        deephash()
            .args(base)
            .args(["--stop-after", "1", "--out"])
            .arg(&b),
    );
    assert!(text.contains("--resume"), "{text}");
    assert!(!b.join("model.bpk").exists());
    run_ok(deephash().args(["train", "--quiet", "--resume"]).arg(&b));
    let (ma, mb) = (metrics_lines(&a), metrics_lines(&b));
    assert_eq!(ma.len(), 3);
    assert_eq!(mb.len(), 3);
    for (x, y) in ma.iter().zip(&mb) {
        assert_eq!(x["loss"], y["loss"]);
        assert_eq!(x["val_map"], y["val_map"]);
    }
    let read = |p: &Path| std::fs::read_to_string(p.join("metrics.json")).unwrap();
    let (ra, rb): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&read(&a)).unwrap(),
        serde_json::from_str(&read(&b)).unwrap(),
    );
    assert_eq!(ra["map"], rb["map"]);
}

#[test]
fn finetune_on_a_generated_cub_tree() {
    let tmp = tempfile::tempdir().unwrap();
    common::make_cub(tmp.path(), 3, 8);
    let run = tmp.path().join("run");
    let out = train_small_cub(&tmp.path().join("CUB_200_2011"), &run, &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    ok(&out);
    assert!(text.contains("test mAP"), "{text}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(report["queries"], 12);
    assert_eq!(report["database"], 12);

    // Frozen mode on the same tree: a head on the trained backbone (features cached once).
    let frozen = tmp.path().join("frozen");
    let run_arg = run.to_str().unwrap();
    let out = train_small_cub(
        &tmp.path().join("CUB_200_2011"),
        &frozen,
        &["--mode", "frozen", "--weights", run_arg],
    );
    ok(&out);
    let config = std::fs::read_to_string(frozen.join("config.toml")).unwrap();
    assert!(config.contains("mode = \"frozen\""), "{config}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(frozen.join("metrics.json")).unwrap())
            .unwrap();
    assert_eq!(report["bits"], 16);
    assert_eq!(report["database"], 12);
    assert_eq!(metrics_lines(&frozen).len(), 1);
}

fn train_small_cub(data: &Path, run: &Path, extra: &[&str]) -> std::process::Output {
    deephash()
        .args(["train", "--dataset", "cub", "--data-dir"])
        .arg(data)
        .args([
            "--backbone",
            "small-cnn",
            "--bits",
            "16",
            "--epochs",
            "1",
            "--classes-per-batch",
            "3",
            "--per-class",
            "3",
            "--quiet",
        ])
        .args(extra)
        .arg("--out")
        .arg(run)
        .output()
        .expect("run deephash")
}

#[test]
fn a_corrupt_image_is_named_or_skipped_with_skip_bad() {
    let tmp = tempfile::tempdir().unwrap();
    common::make_cub(tmp.path(), 3, 8);
    let data = tmp.path().join("CUB_200_2011");
    // Image 1 (class 1, k = 0: a training image) truncated to its PNG signature.
    let bad = data.join("images/001.Bird_0/001.Bird_0_0.png");
    let bytes = std::fs::read(&bad).unwrap();
    std::fs::write(&bad, &bytes[..12]).unwrap();

    let failed = train_small_cub(&data, &tmp.path().join("strict"), &[]);
    let text = String::from_utf8_lossy(&failed.stderr);
    assert!(!failed.status.success());
    assert!(text.contains("001.Bird_0_0.png"), "{text}");

    let run = tmp.path().join("lenient");
    let out = train_small_cub(&data, &run, &["--skip-bad"]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("skipping") && text.contains("001.Bird_0_0.png"),
        "{text}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(report["queries"], 12);
    assert_eq!(
        report["database"], 11,
        "the unreadable training image is left out"
    );
    let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(config.contains("skip_bad = true"), "{config}");
}

/// Trains on the bundled Fashion-MNIST subset with tiny settings and `extra` arguments.
fn train_fashion(run: &Path, extra: &[&str]) -> String {
    run_ok(
        deephash()
            .args([
                "train",
                "--dataset",
                "fashion-mnist",
                "--backbone",
                "small-cnn",
                "--bits",
                "16",
                "--max-per-class",
                "12",
                "--classes-per-batch",
                "5",
                "--per-class",
                "4",
                "--quiet",
            ])
            .args(extra)
            .arg("--out")
            .arg(run),
    )
}

fn test_map(run: &Path) -> f64 {
    let text = std::fs::read_to_string(run.join("metrics.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    report["map"].as_f64().unwrap()
}

#[test]
fn every_loss_trains_end_to_end_and_frozen_and_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    // End to end with CSQ, stopped after one epoch and resumed: the saved centres are reused,
    // so the resumed run matches an uninterrupted one.
    let (csq, stopped) = (tmp.path().join("csq"), tmp.path().join("stopped"));
    let csq_args = ["--loss", "csq", "--epochs", "2", "--seed", "3"];
    let text = train_fashion(&csq, &csq_args);
    assert!(text.contains("csq loss, test mAP"), "{text}");
    let mut stop = csq_args.to_vec();
    stop.extend(["--stop-after", "1"]);
    train_fashion(&stopped, &stop);
    let centres = std::fs::read_to_string(stopped.join("centres.json")).unwrap();
    run_ok(
        deephash()
            .args(["train", "--quiet", "--resume"])
            .arg(&stopped),
    );
    assert_eq!(
        std::fs::read_to_string(stopped.join("centres.json")).unwrap(),
        centres
    );
    let (a, b) = (metrics_lines(&csq), metrics_lines(&stopped));
    assert_eq!(a.len(), 2);
    assert_eq!(b.len(), 2);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x["loss"], &x["val_map"]), (&y["loss"], &y["val_map"]));
    }
    assert_eq!(test_map(&csq), test_map(&stopped));
    let config = std::fs::read_to_string(csq.join("config.toml")).unwrap();
    assert!(config.contains("kind = \"csq\""), "{config}");
    assert!(config.contains("quantization_weight = 0.0001"), "{config}");

    // Heads on the frozen backbone of that run, with each loss.
    for loss in ["orthohash", "triplet", "csq"] {
        let run = tmp.path().join(format!("frozen-{loss}"));
        let base = csq.to_str().unwrap();
        let text = train_fashion(
            &run,
            &["--mode", "frozen", "--weights", base, "--loss", loss],
        );
        assert!(text.contains(&format!("{loss} loss, test mAP")), "{text}");
        let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
        assert!(config.contains(&format!("kind = \"{loss}\"")), "{config}");
        assert_eq!(run.join("centres.json").is_file(), loss != "triplet");
        let map = test_map(&run);
        assert!(map > 0.12 && map <= 1.0, "{loss}: test mAP {map}");
    }
}

#[test]
fn an_unknown_loss_is_refused_with_the_choices() {
    let out = deephash()
        .args(["train", "--loss", "dsh", "--out", "/nonexistent/run"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("triplet") && text.contains("csq") && text.contains("orthohash"),
        "{text}"
    );
}

#[test]
fn frozen_default_recipe_chooses_the_loss_by_validation_and_folds_the_standardisation() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    train_fashion(&base, &["--epochs", "1"]);
    let run = tmp.path().join("frozen");
    let text = run_ok(
        deephash()
            .args([
                "train",
                "--dataset",
                "fashion-mnist",
                "--backbone",
                "small-cnn",
            ])
            .args([
                "--bits",
                "16",
                "--max-per-class",
                "12",
                "--quiet",
                "--mode",
                "frozen",
            ])
            .arg("--weights")
            .arg(&base)
            .arg("--out")
            .arg(&run),
    );
    assert!(
        text.contains("loss selected by 5-fold cross-validated mAP, one-standard-error rule: "),
        "{text}"
    );
    let selection: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("selection.json")).unwrap())
            .unwrap();
    let chosen = selection["chosen"].as_str().unwrap().to_string();
    let scores = selection["candidates"].as_array().unwrap();
    assert_eq!(scores.len(), 3);
    // The first candidate within one standard error of the best mean (over its folds).
    let mean = |s: &serde_json::Value| s["val_map"].as_f64().unwrap();
    let fold_scores = |s: &serde_json::Value| -> Vec<f64> {
        s["folds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_f64().unwrap())
            .collect()
    };
    let best = scores
        .iter()
        .max_by(|a, b| mean(a).total_cmp(&mean(b)))
        .unwrap();
    let deviation = (fold_scores(best)
        .iter()
        .map(|m| (m - mean(best)).powi(2))
        .sum::<f64>()
        / 4.0)
        .sqrt();
    let bar = mean(best) - deviation / 5f64.sqrt();
    let expected = scores.iter().find(|s| mean(s) >= bar).unwrap();
    assert_eq!(expected["loss"], chosen.as_str(), "{selection}");
    assert!(text.contains(&format!("{chosen} loss, test mAP")), "{text}");

    // Every candidate's score is the mean of its five folds' scores.
    for score in scores {
        let folds = fold_scores(score);
        assert_eq!(folds.len(), 5, "{score}");
        let mean = folds.iter().sum::<f64>() / 5.0;
        assert!((score["val_map"].as_f64().unwrap() - mean).abs() < 1e-12);
    }

    // 120 training and validation rows, 96 in each fold's training rows: full batch, 300
    // steps, one per epoch.
    let sub = run.join("candidates").join(&chosen).join("fold0");
    let config = std::fs::read_to_string(sub.join("config.toml")).unwrap();
    assert!(config.contains("epochs = 300"), "{config}");
    assert!(config.contains("classes_per_batch = 10"), "{config}");
    assert!(config.contains("standardize = true"), "{config}");
    assert_eq!(metrics_lines(&run).len(), 300);
    assert!(run.join("standardize.json").is_file());
    let run_config = std::fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(run_config.contains("feature_power = 0.5"), "{run_config}");
    assert!(
        run_config.contains("power_on_small_data_only = false"),
        "the power is settled for the data before training: {run_config}"
    );

    // The standardisation and the feature power live in the saved head: codes computed again from the images by
    // `eval --run` (the kept codes made stale) give the mAP training reported.
    let trained = test_map(&run);
    let model = std::fs::File::options()
        .append(true)
        .open(run.join("model.bpk"))
        .unwrap();
    model
        .set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(60))
        .unwrap();
    drop(model);
    let out = deephash()
        .args(["eval", "--json", "--run"])
        .arg(&run)
        .output()
        .unwrap();
    ok(&out);
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        (again["map"].as_f64().unwrap() - trained).abs() < 1e-9,
        "{} vs {trained}",
        again["map"]
    );

    // A smaller subset of the same data set next to it does not reuse those cached features.
    let fewer = tmp.path().join("fewer");
    run_ok(
        deephash()
            .args([
                "train",
                "--dataset",
                "fashion-mnist",
                "--backbone",
                "small-cnn",
            ])
            .args([
                "--bits",
                "16",
                "--max-per-class",
                "6",
                "--quiet",
                "--mode",
                "frozen",
            ])
            .args(["--loss", "csq", "--weights"])
            .arg(&base)
            .arg("--out")
            .arg(&fewer),
    );
    assert!(test_map(&fewer) > 0.0);
}
