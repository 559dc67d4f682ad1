//! `deephash fetch` and `deephash bench pipeline` through the binary. Fetch runs against a server on
//! 127.0.0.1 (via DEEPHASH_FETCH_BASE_URL) that serves a wrong weights file: the official checksum
//! must refuse it and the partial file must be gone.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;

use common::ok;

fn deephash() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deephash"))
}

/// Serves `body` for every request, forever.
fn serve(body: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
        }
    });
    base
}

#[test]
fn fetch_refuses_a_file_with_the_wrong_checksum() {
    let base = serve(b"not the real weights");
    let dir = tempfile::tempdir().unwrap();
    let out = deephash()
        .args(["fetch", "resnet18", "--quiet", "--dir"])
        .arg(dir.path())
        .env("DEEPHASH_FETCH_BASE_URL", &base)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("resnet18-f37072fd.pth") && err.contains("expected f37072fd"),
        "{err}"
    );
    assert!(!dir.path().join("resnet18-f37072fd.pth.part").exists());
    assert!(!dir.path().join("resnet18-f37072fd.pth").exists());
}

#[test]
fn fetch_rejects_unknown_targets() {
    let out = deephash().args(["fetch", "imagenet"]).output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("expected cub, dogs, resnet18 or resnet50")
    );
}

#[test]
fn bench_pipeline_prints_images_per_second() {
    let out = deephash()
        .args([
            "bench",
            "pipeline",
            "--count",
            "4",
            "--batch",
            "2",
            "--threads",
            "1",
        ])
        .output()
        .unwrap();
    ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap();
    let v: f64 = last.strip_prefix("img_per_s=").unwrap().parse().unwrap();
    assert!(v > 0.0, "{last}");
    assert!(stdout.contains("N=4"), "{stdout}");
}
