//! Crash safety of `deephash train`: SIGKILLed at several points (during an epoch,
//! while a checkpoint is being written, during the final evaluation) and resumed
//! with `--resume` each time, a run ends with the metrics of an uninterrupted
//! run; a second training of a run directory in use is refused.

#![cfg(feature = "ml")]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ARGS: [&str; 14] = [
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
    "7",
];

fn deephash() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deephash"));
    command.stdout(Stdio::null()).stderr(Stdio::piped());
    command
}

fn run_ok(command: &mut Command) {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The name of a temporary file of a checkpoint being written, if one exists.
fn writing_checkpoint(run: &Path) -> Option<String> {
    std::fs::read_dir(run.join("checkpoints"))
        .ok()?
        .flatten()
        .find_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.ends_with(".tmp").then_some(name)
        })
}

fn metrics_lines(run: &Path) -> usize {
    std::fs::read_to_string(run.join("metrics.jsonl")).map_or(0, |t| t.lines().count())
}

/// Polls every half millisecond until `when` holds, then sends SIGKILL. Returns
/// false if the process had ended (or 10 minutes passed) first.
fn kill_when(child: &mut Child, run: &Path, when: impl Fn(&Path) -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        if when(run) {
            child.kill().unwrap(); // SIGKILL on Unix
            child.wait().unwrap();
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let _ = child.kill();
    false
}

fn resume(run: &Path) -> Child {
    deephash()
        .args(["train", "--quiet", "--resume"])
        .arg(run)
        .spawn()
        .unwrap()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn epochs(run: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(run.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn sigkilled_training_resumes_to_the_metrics_of_an_uninterrupted_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (whole, killed) = (tmp.path().join("whole"), tmp.path().join("killed"));
    run_ok(deephash().args(ARGS).arg("--out").arg(&whole));

    // 1. During epoch 2 (after the first checkpoint); meanwhile a second
    //    training of the same directory is refused.
    let mut child = deephash()
        .args(ARGS)
        .arg("--out")
        .arg(&killed)
        .spawn()
        .unwrap();
    let in_epoch = kill_when(&mut child, &killed, |run| {
        if !run.join("checkpoints/latest.json").is_file() {
            return false;
        }
        let second = deephash()
            .args(["train", "--quiet", "--resume"])
            .arg(run)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&second.stderr).into_owned();
        assert!(!second.status.success(), "a second training ran");
        assert!(err.contains("in use"), "{err}");
        true
    });
    assert!(
        in_epoch,
        "the run ended before its first checkpoint was seen"
    );

    // 2. While a checkpoint is being written (its temporary file exists).
    let mut child = resume(&killed);
    let written = std::cell::RefCell::new(None);
    let in_write = kill_when(&mut child, &killed, |run| {
        *written.borrow_mut() = writing_checkpoint(run);
        written.borrow().is_some()
    });

    // 3. During the final evaluation: the model is written, the test metrics are not.
    let mut child = resume(&killed);
    let in_eval = kill_when(&mut child, &killed, |run| {
        run.join("model.bpk").is_file() && !run.join("metrics.json").is_file()
    });
    eprintln!(
        "SIGKILL points hit: during an epoch {in_epoch}, during a write {in_write} ({:?}), during the final evaluation {in_eval} ({} epochs logged at the end)",
        written.borrow(),
        metrics_lines(&killed)
    );

    run_ok(
        deephash()
            .args(["train", "--quiet", "--resume"])
            .arg(&killed),
    );
    let (a, b) = (epochs(&whole), epochs(&killed));
    assert_eq!(a.len(), 3);
    assert_eq!(b.len(), 3, "{b:?}");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x["loss"], y["loss"]);
        assert_eq!(x["val_map"], y["val_map"]);
    }
    let (ra, rb) = (
        json(&whole.join("metrics.json")),
        json(&killed.join("metrics.json")),
    );
    for key in ["map", "map_tie_aware", "queries", "database"] {
        assert_eq!(ra[key], rb[key], "{key}");
    }
}
