//! `deephash features` end to end: a 256 × 256 PNG through resize, centre crop, normalisation
//! and a (narrow, torchvision-layout) ResNet-18 gives torchvision's features to 1e-4.
//! Fixtures: `crates/deephash-model/tests/fixtures/`, from `scripts/make_parity_fixtures.py`.

#![cfg(feature = "ml")]

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deephash-model/tests/fixtures")
}

fn read_npy(path: &Path) -> (Vec<u64>, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (shape, npy.into_vec::<f32>().unwrap())
}

#[test]
fn features_of_a_folder_match_torchvision() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    std::fs::create_dir_all(images.join("b")).unwrap();
    std::fs::copy(fixtures().join("image.png"), images.join("b/second.png")).unwrap();
    std::fs::copy(fixtures().join("image.png"), images.join("a.png")).unwrap();
    let out = dir.path().join("features.npy");
    let status = Command::new(env!("CARGO_BIN_EXE_deephash"))
        .args([
            "features",
            "--backbone",
            "resnet18",
            "--batch",
            "1",
            "--weights",
        ])
        .arg(fixtures().join("resnet18.pth"))
        .arg("--images")
        .arg(&images)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let (shape, values) = read_npy(&out);
    let (expected_shape, expected) = read_npy(&fixtures().join("image.features.npy"));
    assert_eq!(shape, vec![2, expected_shape[1]]);
    for row in values.chunks(expected.len()) {
        let diff = row
            .iter()
            .zip(&expected)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(diff <= 1e-4, "max abs diff {diff}");
    }
    let paths = std::fs::read_to_string(dir.path().join("features.txt")).unwrap();
    assert_eq!(paths, "a.png\nb/second.png\n");
}

#[test]
fn features_reports_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_deephash"))
        .args([
            "features",
            "--backbone",
            "resnet99",
            "--weights",
            "w.pth",
            "--images",
        ])
        .arg(dir.path())
        .args(["--out", "f.npy"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown backbone `resnet99`"));
}
