//! Helpers shared by the CLI end-to-end tests.
#![allow(dead_code)] // each test file uses its own subset

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the `deephash` binary under test with `args`.
pub fn deephash<S: AsRef<OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_deephash"))
        .args(args)
        .output()
        .expect("run deephash")
}

/// Asserts that `out` succeeded (showing everything it printed if not); returns its stdout.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "deephash failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts that `out` failed with a one-line error and no panic; returns that line.
pub fn one_line_error(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "should have failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert!(!err.contains("panicked"), "panicked: {err}");
    assert_eq!(err.lines().count(), 1, "not a one-line error: {err}");
    err
}

/// A CUB-200-2011 look-alike: `classes` x `per_class` PNG images (alternately train and test),
/// each class a different colour with stripes of a class-specific period; returns
/// `root/CUB_200_2011`.
pub fn make_cub(root: &Path, classes: usize, per_class: usize) -> PathBuf {
    let cub = root.join("CUB_200_2011");
    let (mut images, mut labels, mut split, mut names) =
        (String::new(), String::new(), String::new(), String::new());
    let mut id = 0;
    for c in 0..classes {
        let class = format!("{:03}.Bird_{c}", c + 1);
        names.push_str(&format!("{} {class}\n", c + 1));
        std::fs::create_dir_all(cub.join("images").join(&class)).unwrap();
        for k in 0..per_class {
            id += 1;
            let rel = format!("{class}/{class}_{k}.png");
            let img = image::RgbImage::from_fn(40 + 4 * k as u32, 36, |x, _| {
                let v = if (x / (2 + c as u32)).is_multiple_of(2) {
                    200
                } else {
                    40
                };
                image::Rgb([v, (c * 60 % 256) as u8, (255 - c * 40) as u8])
            });
            img.save(cub.join("images").join(&rel)).unwrap();
            images.push_str(&format!("{id} {rel}\n"));
            labels.push_str(&format!("{id} {}\n", c + 1));
            split.push_str(&format!("{id} {}\n", u8::from(k.is_multiple_of(2))));
        }
    }
    for (f, t) in [
        ("images.txt", images),
        ("image_class_labels.txt", labels),
        ("train_test_split.txt", split),
        ("classes.txt", names),
    ] {
        std::fs::write(cub.join(f), t).unwrap();
    }
    cub
}
