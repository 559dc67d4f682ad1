//! `fetch` end to end against a tiny HTTP server on 127.0.0.1 serving archives made here: good,
//! wrong checksum, interrupted then resumed, truncated, malicious paths and links.
#![cfg(feature = "fetch")]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use deephash_data::fetch::{Asset, Checksum, FetchOptions, fetch_assets};
use md5::{Digest, Md5};

/// How the server answers for one file.
#[derive(Clone, Copy)]
enum Mode {
    Full,
    /// The first request gets only this many bytes, then the connection closes.
    CutOnce(usize),
}

#[derive(Default)]
struct Server {
    files: HashMap<String, (Vec<u8>, Mode)>,
    ranges: Vec<String>,
}

/// Starts the server; returns its base URL and shared state.
fn serve(files: HashMap<String, (Vec<u8>, Mode)>) -> (String, Arc<Mutex<Server>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = Arc::new(Mutex::new(Server {
        files,
        ranges: Vec::new(),
    }));
    let shared = state.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let path = line
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_string();
            let mut range = None;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("range: bytes=") {
                    range = v.trim().trim_end_matches('-').parse::<usize>().ok();
                }
            }
            let mut st = shared.lock().unwrap();
            if let Some(r) = range {
                st.ranges.push(format!("{path}:{r}"));
            }
            let Some((data, mode)) = st.files.get(&path).cloned() else {
                let _ = stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            };
            let start = range.unwrap_or(0).min(data.len());
            let (status, body) = if range.is_some() {
                ("206 Partial Content", &data[start..])
            } else {
                ("200 OK", &data[..])
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let send = match mode {
                Mode::CutOnce(n) => {
                    st.files.get_mut(&path).unwrap().1 = Mode::Full;
                    &body[..n.min(body.len())]
                }
                Mode::Full => body,
            };
            let _ = stream.write_all(send);
            let _ = stream.flush();
        }
    });
    (base, state)
}

fn md5_hex(b: &[u8]) -> &'static str {
    Box::leak(
        Md5::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
            .into_boxed_str(),
    )
}

fn png(shade: u8) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(4, 4, image::Rgb([shade, 1, 2]))
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// A CUB look-alike as a .tgz.
fn cub_tgz() -> Vec<u8> {
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut add = |path: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, data).unwrap();
    };
    add("CUB_200_2011/images.txt", b"1 001.A/a.jpg\n2 002.B/b.jpg\n");
    add("CUB_200_2011/image_class_labels.txt", b"1 1\n2 2\n");
    add("CUB_200_2011/train_test_split.txt", b"1 1\n2 0\n");
    add("CUB_200_2011/classes.txt", b"1 001.A\n2 002.B\n");
    add("CUB_200_2011/images/001.A/a.jpg", &png(10));
    add("CUB_200_2011/images/002.B/b.jpg", &png(20));
    b.into_inner().unwrap().finish().unwrap()
}

fn asset(file: &'static str, data: &[u8]) -> Asset {
    Asset {
        url: "unused",
        file,
        size: Some(data.len() as u64),
        checksum: Checksum::Md5(md5_hex(data)),
        archive: true,
    }
}

fn opts(dir: &Path, base: &str) -> FetchOptions {
    FetchOptions {
        dir: dir.to_path_buf(),
        base_url: Some(base.to_string()),
        quiet: true,
    }
}

#[test]
fn good_archive_downloads_verifies_unpacks_and_loads() {
    let tgz = cub_tgz();
    let (base, _) = serve(HashMap::from([(
        "CUB_200_2011.tgz".to_string(),
        (tgz.clone(), Mode::Full),
    )]));
    let dir = tempfile::tempdir().unwrap();
    fetch_assets(&[asset("CUB_200_2011.tgz", &tgz)], &opts(dir.path(), &base)).unwrap();
    let ds = deephash_data::load_cub(dir.path()).unwrap();
    assert_eq!((ds.train.len(), ds.test.len()), (1, 1));
    assert!(!dir.path().join("CUB_200_2011.tgz.part").exists());
}

#[test]
fn wrong_checksum_is_refused_and_the_part_file_deleted() {
    let tgz = cub_tgz();
    let (base, _) = serve(HashMap::from([(
        "c.tgz".to_string(),
        (tgz.clone(), Mode::Full),
    )]));
    let dir = tempfile::tempdir().unwrap();
    let mut a = asset("c.tgz", &tgz);
    a.checksum = Checksum::Md5("00000000000000000000000000000000");
    let err = fetch_assets(&[a], &opts(dir.path(), &base))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("MD5 is") && err.contains("expected 0000"),
        "{err}"
    );
    assert!(!dir.path().join("c.tgz.part").exists());
    let mut sized = asset("c.tgz", &tgz);
    sized.size = Some(3);
    let err = fetch_assets(&[sized], &opts(dir.path(), &base))
        .unwrap_err()
        .to_string();
    assert!(err.contains("expected 3"), "{err}");
}

#[test]
fn interrupted_download_resumes_with_a_range_request() {
    let tgz = cub_tgz();
    let half = tgz.len() / 2;
    let (base, state) = serve(HashMap::from([(
        "r.tgz".to_string(),
        (tgz.clone(), Mode::CutOnce(half)),
    )]));
    let dir = tempfile::tempdir().unwrap();
    let a = asset("r.tgz", &tgz);
    let err = fetch_assets(&[a], &opts(dir.path(), &base))
        .unwrap_err()
        .to_string();
    assert!(err.contains("resume"), "{err}");
    assert_eq!(
        std::fs::metadata(dir.path().join("r.tgz.part"))
            .unwrap()
            .len(),
        half as u64
    );
    fetch_assets(&[a], &opts(dir.path(), &base)).unwrap();
    assert_eq!(state.lock().unwrap().ranges, vec![format!("r.tgz:{half}")]);
    assert_eq!(std::fs::read(dir.path().join("r.tgz")).unwrap(), tgz);
}

#[test]
fn truncated_archive_is_an_error() {
    let tgz = cub_tgz();
    let cut = tgz[..tgz.len() * 2 / 3].to_vec();
    let (base, _) = serve(HashMap::from([(
        "t.tgz".to_string(),
        (cut.clone(), Mode::Full),
    )]));
    let dir = tempfile::tempdir().unwrap();
    let err = fetch_assets(&[asset("t.tgz", &cut)], &opts(dir.path(), &base))
        .unwrap_err()
        .to_string();
    assert!(err.contains("t.tgz"), "{err}");
}

/// A tar with one raw entry (name written straight into the header, bypassing the builder's checks).
fn raw_tar(name: &str, kind: tar::EntryType, link: Option<&str>) -> Vec<u8> {
    let mut h = tar::Header::new_old();
    h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    h.set_entry_type(kind);
    h.set_size(if kind.is_file() { 5 } else { 0 });
    h.set_mode(0o644);
    if let Some(l) = link {
        h.as_old_mut().linkname[..l.len()].copy_from_slice(l.as_bytes());
    }
    h.set_cksum();
    let mut out = h.as_bytes().to_vec();
    if kind.is_file() {
        let mut data = b"evil!".to_vec();
        data.resize(512, 0);
        out.extend(data);
    }
    out.extend([0u8; 1024]);
    out
}

#[test]
fn malicious_paths_and_links_are_refused() {
    let cases = [
        (
            "up.tar",
            raw_tar("../evil.txt", tar::EntryType::Regular, None),
            "unsafe entry path",
        ),
        (
            "abs.tar",
            raw_tar("/tmp/deephash-evil.txt", tar::EntryType::Regular, None),
            "unsafe entry path",
        ),
        (
            "sym.tar",
            raw_tar("link", tar::EntryType::Symlink, Some("/etc")),
            "not a file or folder",
        ),
        (
            "hard.tar",
            raw_tar("hl", tar::EntryType::Link, Some("../../x")),
            "not a file or folder",
        ),
    ];
    let files = cases
        .iter()
        .map(|(n, d, _)| (n.to_string(), (d.clone(), Mode::Full)))
        .collect();
    let (base, _) = serve(files);
    let outer = tempfile::tempdir().unwrap();
    let dir = outer.path().join("inner");
    for (name, data, expected) in &cases {
        let name: &'static str = Box::leak(name.to_string().into_boxed_str());
        let err = fetch_assets(&[asset(name, data)], &opts(&dir, &base))
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{name}: {err}");
    }
    assert!(!outer.path().join("evil.txt").exists());
    assert!(!Path::new("/tmp/deephash-evil.txt").exists());
    assert!(!dir.join("link").exists());
}

#[test]
fn missing_file_is_a_clear_http_error() {
    let (base, _) = serve(HashMap::new());
    let dir = tempfile::tempdir().unwrap();
    let err = fetch_assets(&[asset("nope.tgz", b"x")], &opts(dir.path(), &base))
        .unwrap_err()
        .to_string();
    assert!(err.contains("404") && err.contains("nope.tgz"), "{err}");
}
