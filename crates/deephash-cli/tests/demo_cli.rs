//! End-to-end tests of `deephash demo` and `deephash reproduce` in reduced, fast modes (hidden
//! options: one epoch, a few images per class). They check the plumbing — runs, files, the
//! table, the report — not the quality, which the full demo measures.
#![cfg(feature = "ml")]

mod common;

use std::path::Path;

use common::{deephash, ok};

use deephash_model::burn::store::{BurnToPyTorchAdapter, ModuleSnapshot, SafetensorsStore};
use deephash_model::{BackboneConfig, BackboneKind, cpu_device};

fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The report exists, is one self-contained page with plots and example thumbnails.
fn check_report(path: &Path) {
    let html = std::fs::read_to_string(path).unwrap();
    assert!(html.contains("<svg"), "plots are inline SVG");
    assert!(
        html.contains("data:image/png;base64,"),
        "example thumbnails"
    );
    for attr in ["src=\"http", "href=\"http", "url(http"] {
        assert!(!html.contains(attr), "no network resource ({attr})");
    }
}

#[test]
fn demo_trains_evaluates_and_writes_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let args = [
        "demo",
        "--out",
        out.to_str().unwrap(),
        "--bits",
        "16,32",
        "--epochs",
        "1",
        "--max-per-class",
        "20",
        "--quiet",
    ];
    let stdout = ok(&deephash(&args));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let training = &html[html.find("id=\"training\"").expect("a training section")..];
    for text in ["Training loss", "Validation mAP", "16 bits", "32 bits"] {
        assert!(training.contains(text), "the training section lacks {text}");
    }
    let metrics = read_json(&out.join("metrics.json"));
    let list = metrics.as_array().expect("metrics.json is a list");
    assert_eq!(list.len(), 2);
    for (entry, bits) in list.iter().zip([16, 32]) {
        assert_eq!(entry["bits"], bits);
        let map = entry["map"].as_f64().unwrap();
        assert!(map > 0.0 && map <= 1.0, "{map}");
        assert_eq!(entry["queries"], 200);
        assert_eq!(entry["database"], 200);
        // The same number `deephash train` wrote for the run.
        let run = read_json(&out.join(format!("runs/fm{bits}/metrics.json")));
        assert_eq!(run["map"], entry["map"]);
    }
    // The longest code length is trained end to end; the shorter one is a head on its
    // frozen backbone.
    let config = |bits: usize| {
        std::fs::read_to_string(out.join(format!("runs/fm{bits}/config.toml"))).unwrap()
    };
    assert!(config(32).contains("mode = \"finetune\""), "{}", config(32));
    let short = config(16);
    assert!(short.contains("mode = \"frozen\""), "{short}");
    assert!(short.contains("fm32"), "weights = the 32-bit run: {short}");
    check_report(&out.join("report.html"));
    assert!(stdout.contains("report.html"), "{stdout}");
    assert!(stdout.contains("mAP"), "{stdout}");
    // Running it again replaces the earlier runs.
    ok(&deephash(&args));
}

/// A randomly initialised ResNet-18 in torchvision's layout, as `.safetensors`.
fn random_resnet18(path: &Path) {
    let backbone = BackboneConfig::from_kind(BackboneKind::ResNet18).init(&cpu_device());
    let mut store = SafetensorsStore::from_file(path)
        .with_to_adapter(BurnToPyTorchAdapter)
        .skip_enum_variants(true);
    backbone.save_into(&mut store).unwrap();
}

#[test]
fn reproduce_runs_the_seed_configuration_on_a_tiny_cub_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let cub = common::make_cub(tmp.path(), 3, 6);
    let weights = tmp.path().join("resnet18.safetensors");
    random_resnet18(&weights);
    let out = tmp.path().join("repro");
    let stdout = ok(&deephash(&[
        "reproduce",
        "--dataset",
        "cub",
        "--data-dir",
        cub.to_str().unwrap(),
        "--weights",
        weights.to_str().unwrap(),
        "--epochs",
        "1",
        "--classes-per-batch",
        "3",
        "--per-class",
        "2",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]));
    let table = std::fs::read_to_string(out.join("results.md")).unwrap();
    assert!(stdout.contains(&table), "the table is printed: {stdout}");
    assert!(
        table.contains("| 16 | 8 |") && table.contains("0.6384"),
        "{table}"
    );
    assert!(
        table.contains("| 64 | 20 |") && table.contains("0.7059"),
        "{table}"
    );
    let metrics = read_json(&out.join("metrics.json"));
    let list = metrics.as_array().unwrap();
    assert_eq!(
        list.iter().map(|m| m["bits"].clone()).collect::<Vec<_>>(),
        [16, 64]
    );
    assert_eq!(list[0]["queries"], 9);
    assert_eq!(list[0]["database"], 9);
    for bits in [16, 64] {
        let config = std::fs::read_to_string(out.join(format!("cub{bits}/config.toml"))).unwrap();
        assert!(
            config.contains("resnet18") || config.contains("ResNet18"),
            "{config}"
        );
    }
    check_report(&out.join("report.html"));
}
