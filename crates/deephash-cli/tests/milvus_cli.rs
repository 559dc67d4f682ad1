//! End-to-end tests of `deephash milvus push|search`, `deephash export --format milvus-npy` and
//! `deephash codes merge`: the built binary against a real Milvus server (the Milvus Lite
//! binary of `scripts/milvus-server.sh`; `DEEPHASH_SKIP_MILVUS=1` skips the server tests).
#![cfg(feature = "milvus")]

mod common;
#[path = "../../deephash-milvus/tests/common/mod.rs"]
mod milvus_server;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{deephash, ok, one_line_error};
use deephash_codes::npy::read_npy;
use deephash_codes::{CodeDb, DbMeta, Labels, write_codes_npy};
use deephash_milvus::MilvusClient;
use milvus_server::{Server, random_codes, skip};

fn code_db(n: usize, bits: usize, seed: u64) -> CodeDb {
    CodeDb {
        codes: random_codes(n, bits, seed),
        ids: Some((0..n).map(|i| format!("photos/{i:05}.jpg")).collect()),
        labels: Some(Labels::Single((0..n as i64).map(|i| i % 7).collect())),
    }
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

fn write_db(dir: &Path, name: &str, db: &CodeDb) -> PathBuf {
    let path = dir.join(name);
    let meta = DbMeta {
        class_names: (0..7).map(|c| format!("class{c}")).collect(),
        ..DbMeta::default()
    };
    db.write_with(&path, &meta).unwrap();
    path
}

#[test]
fn push_then_search_answers_like_deephash_search_with_labels_and_paths() {
    if skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start();
    let uri = server.uri();
    let db = write_db(dir.path(), "db.dhc", &code_db(20_000, 64, 1));
    let q = dir.path().join("q.npy");
    write_codes_npy(&q, &random_codes(15, 64, 2)).unwrap();
    let pushed = deephash(&[
        "milvus",
        "push",
        "--uri",
        &uri,
        "--collection",
        "photos",
        "--codes",
        &s(&db),
    ]);
    ok(&pushed);
    let said = String::from_utf8_lossy(&pushed.stderr);
    assert!(
        said.contains("pushed 20000 codes") && said.contains("holds 20000"),
        "{said}"
    );

    let (mi, md) = (dir.path().join("mi.npy"), dir.path().join("md.npy"));
    ok(&deephash(&[
        "milvus",
        "search",
        "--uri",
        &uri,
        "--collection",
        "photos",
        "--queries",
        &s(&q),
        "-k",
        "25",
        "--out-ids",
        &s(&mi),
        "--out-dist",
        &s(&md),
    ]));
    let (si, sd) = (dir.path().join("si.npy"), dir.path().join("sd.npy"));
    ok(&deephash(&[
        "search",
        "--db",
        &s(&db),
        "--queries",
        &s(&q),
        "-k",
        "25",
        "--out-ids",
        &s(&si),
        "--out-dist",
        &s(&sd),
    ]));
    let dist = |p: &Path| read_npy(p).unwrap().to_i64().unwrap();
    assert_eq!(
        dist(&md),
        dist(&sd),
        "distances differ from deephash search"
    );
    assert_eq!(read_npy(&mi).unwrap().rows(), 15);

    let out = ok(&deephash(&[
        "milvus",
        "search",
        "--uri",
        &uri,
        "--collection",
        "photos",
        "--queries",
        &s(&q),
        "-k",
        "5",
        "--json",
        "--filter",
        "label == 4",
    ]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 15);
    for hit in rows.iter().flat_map(|r| r.as_array().unwrap()) {
        let id = hit["id"].as_i64().unwrap();
        assert_eq!(hit["label"], 4);
        assert_eq!(id % 7, 4);
        assert_eq!(hit["path"], format!("photos/{id:05}.jpg"));
    }
}

#[test]
fn a_push_killed_midway_is_completed_by_a_rerun_without_duplicates() {
    if skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start();
    let uri = server.uri();
    let n = 40_000;
    let db = write_db(dir.path(), "db.dhc", &code_db(n, 32, 3));
    let args = [
        "milvus",
        "push",
        "--uri",
        &uri,
        "--collection",
        "k",
        "--codes",
        &s(&db),
        "--batch",
        "500",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_deephash"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = MilvusClient::connect(&uri).unwrap();
    let start = Instant::now();
    let mut seen = 0;
    while start.elapsed() < Duration::from_secs(60) {
        if client.has_collection("k").unwrap() {
            seen = client.count("k").unwrap_or(0);
            if seen > 0 {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL, mid-push
    child.wait().unwrap();
    assert!(seen > 0, "the pusher inserted nothing within 60 s");
    let before = client.count("k").unwrap();
    assert!(
        before < n,
        "the pusher finished before it was killed ({before} rows)"
    );

    let rerun = deephash(&args);
    ok(&rerun);
    assert_eq!(client.count("k").unwrap(), n);
    let mut ids = Vec::new();
    for start in (0..n).step_by(10_000) {
        ids.extend(client.ids_in_range("k", start, start + 10_000).unwrap());
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "ids missing or duplicated");
    eprintln!("killed after {before} rows; the rerun completed {n}");
}

#[test]
fn bad_input_gives_one_line_and_a_failure_status() {
    if skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = write_db(dir.path(), "db.dhc", &code_db(300, 64, 5));
    let narrow = dir.path().join("narrow.npy");
    write_codes_npy(&narrow, &random_codes(10, 32, 6)).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("127.0.0.1:{port}");
    let push = |uri: &str, collection: &str, codes: &Path, extra: &[&str]| {
        let codes = s(codes);
        let mut args = vec![
            "milvus",
            "push",
            "--uri",
            uri,
            "--collection",
            collection,
            "--codes",
            &codes,
        ];
        args.extend_from_slice(extra);
        deephash(&args)
    };
    let e = one_line_error(&push(&dead, "x", &db, &[]));
    assert!(
        e.contains(&format!("cannot reach a Milvus server at http://{dead}")),
        "{e}"
    );
    let e = one_line_error(&push("ftp://host", "x", &db, &[]));
    assert!(e.contains("malformed Milvus URI `ftp://host`"), "{e}");

    let server = Server::start();
    let uri = server.uri();
    ok(&push(&uri, "c", &db, &[]));
    let e = one_line_error(&push(&uri, "c", &narrow, &[]));
    assert!(
        e.contains("collection `c` holds 64-bit codes, the codes are 32-bit"),
        "{e}"
    );
    let search = |collection: &str, queries: &Path| {
        deephash(&[
            "milvus",
            "search",
            "--uri",
            &uri,
            "--collection",
            collection,
            "--queries",
            &s(queries),
            "-k",
            "3",
        ])
    };
    let e = one_line_error(&search("c", &narrow));
    assert!(e.contains("the queries are 32-bit"), "{e}");
    let e = one_line_error(&search("missing", &db));
    assert!(e.contains("no collection `missing`"), "{e}");
    let e = one_line_error(&search("c", &dir.path().join("absent.npy")));
    assert!(e.contains("absent.npy"), "{e}");
    // .npy codes with a label file of another length.
    let labels = dir.path().join("labels.npy");
    deephash_codes::write_labels_npy(&labels, &Labels::Single(vec![1, 2, 3])).unwrap();
    let labels_arg = s(&labels);
    let with_labels = ["--labels", labels_arg.as_str()];
    let e = one_line_error(&push(&uri, "n", &narrow, &with_labels));
    assert!(e.contains("3 labels for 10 codes"), "{e}");
    // With ten labels the .npy codes go in, ids = rows.
    deephash_codes::write_labels_npy(&labels, &Labels::Single((0..10).collect())).unwrap();
    ok(&push(&uri, "n", &narrow, &with_labels));
    let client = MilvusClient::connect(&uri).unwrap();
    let mut ids: Vec<i64> = client
        .ids_in_range("n", 0, 100)
        .unwrap()
        .into_iter()
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..10).collect::<Vec<i64>>());
}

#[test]
fn export_writes_milvus_bulk_files_and_merge_joins_shards() {
    let dir = tempfile::tempdir().unwrap();
    let whole = code_db(9, 16, 7);
    let all = write_db(dir.path(), "all.dhc", &whole);
    let out = dir.path().join("bulk");
    ok(&deephash(&[
        "export",
        "--codes",
        &s(&all),
        "--format",
        "milvus-npy",
        "--out",
        &s(&out),
    ]));
    assert_eq!(
        read_npy(&out.join("id.npy")).unwrap().to_i64().unwrap(),
        (0..9).collect::<Vec<_>>()
    );
    let codes = read_npy(&out.join("code.npy")).unwrap();
    assert_eq!((codes.rows(), codes.cols()), (9, 2));
    let labels = read_npy(&out.join("label.npy")).unwrap().to_i64().unwrap();
    assert_eq!(labels, (0..9).map(|i| i % 7).collect::<Vec<_>>());
    assert!(out.join("path.npy").exists());

    // Shards 0..3 of the same rows merge back into the whole file.
    let mut parts = Vec::new();
    for (i, range) in [0..3, 3..6, 6..9].into_iter().enumerate() {
        let part = CodeDb {
            codes: deephash_codes::CodeMatrix::from_packed(
                16,
                whole.codes.as_bytes()[range.start * 2..range.end * 2].to_vec(),
            )
            .unwrap(),
            ids: whole.ids.as_ref().map(|ids| ids[range.clone()].to_vec()),
            labels: match &whole.labels {
                Some(Labels::Single(l)) => Some(Labels::Single(l[range.clone()].to_vec())),
                _ => None,
            },
        };
        parts.push(s(&write_db(dir.path(), &format!("part{i}.dhc"), &part)));
    }
    let merged = dir.path().join("merged.dhc");
    let mut args = vec![
        "codes".to_string(),
        "merge".into(),
        "--out".into(),
        s(&merged),
    ];
    args.extend(parts);
    ok(&deephash(&args));
    assert_eq!(
        std::fs::read(&merged).unwrap(),
        std::fs::read(&all).unwrap()
    );
    let e = one_line_error(&deephash(&[
        "codes",
        "merge",
        "--out",
        &s(&merged),
        &s(&all),
        &s(&dir.path().join("nope.dhc")),
    ]));
    assert!(e.contains("nope.dhc"), "{e}");
}

#[test]
fn npy_codes_with_labels_filter_and_replace() {
    if skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start();
    let uri = server.uri();
    let codes = dir.path().join("codes.npy");
    write_codes_npy(&codes, &random_codes(3_000, 32, 11)).unwrap();
    let labels = dir.path().join("labels.npy");
    deephash_codes::write_labels_npy(
        &labels,
        &Labels::Single((0..3_000).map(|i| i % 5).collect()),
    )
    .unwrap();
    let push = |codes: &Path, extra: &[&str]| {
        let mut args = vec!["milvus", "push", "--uri", &uri, "--collection", "c"];
        let codes = s(codes);
        args.extend(["--codes", &codes, "--batch", "700"]);
        args.extend(extra);
        deephash(&args)
    };
    ok(&push(&codes, &["--labels", &s(&labels)]));
    let q = dir.path().join("q.npy");
    write_codes_npy(&q, &random_codes(4, 32, 12)).unwrap();
    let out = ok(&deephash(&[
        "milvus",
        "search",
        "--uri",
        &uri,
        "--collection",
        "c",
        "--queries",
        &s(&q),
        "-k",
        "7",
        "--filter",
        "label == 2",
        "--json",
    ]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    for row in json.as_array().unwrap() {
        assert_eq!(row.as_array().unwrap().len(), 7);
        for hit in row.as_array().unwrap() {
            assert_eq!(hit["id"].as_i64().unwrap() % 5, 2, "{hit}");
            assert_eq!(hit["label"], 2);
        }
    }
    // The default output is a table: a header and k lines per query.
    let table = ok(&deephash(&[
        "milvus",
        "search",
        "--uri",
        &uri,
        "--collection",
        "c",
        "--queries",
        &s(&q),
        "-k",
        "3",
    ]));
    assert_eq!(table.lines().count(), 1 + 4 * 3, "{table}");
    assert!(
        table.starts_with("query\trank\tid\tdistance\tlabel\tpath"),
        "{table}"
    );

    // A filter leaving fewer than k: the .npy rows are padded with -1.
    let (ids, dist) = (dir.path().join("ids.npy"), dir.path().join("dist.npy"));
    ok(&deephash(&[
        "milvus",
        "search",
        "--uri",
        &uri,
        "--collection",
        "c",
        "--queries",
        &s(&q),
        "-k",
        "5",
        "--filter",
        "id < 3",
        "--out-ids",
        &s(&ids),
        "--out-dist",
        &s(&dist),
        "--nprobe",
        "8",
    ]));
    let ids = read_npy(&ids).unwrap().to_i64().unwrap();
    let dist = read_npy(&dist).unwrap().to_i64().unwrap();
    for (row, d) in ids.chunks(5).zip(dist.chunks(5)) {
        let mut found = row[..3].to_vec();
        found.sort_unstable();
        assert_eq!(
            (found, &row[3..], &d[3..]),
            (vec![0, 1, 2], &[-1, -1][..], &[-1, -1][..])
        );
        assert!(
            d[..3].iter().all(|&d| (0..=32).contains(&d)) && d[0] <= d[2],
            "{d:?}"
        );
    }

    // 64-bit codes do not go into the 32-bit collection ... unless --replace drops it first.
    let wide = dir.path().join("wide.npy");
    write_codes_npy(&wide, &random_codes(50, 64, 13)).unwrap();
    let e = one_line_error(&push(&wide, &[]));
    assert!(
        e.contains("holds 32-bit codes, the codes are 64-bit"),
        "{e}"
    );
    let said = push(&wide, &["--replace"]);
    ok(&said);
    let said = String::from_utf8_lossy(&said.stderr);
    assert!(
        said.contains("pushed 50 codes") && said.contains("holds 50"),
        "{said}"
    );
    let client = MilvusClient::connect(&uri).unwrap();
    assert_eq!(client.describe("c").unwrap().bits, 64);
    assert_eq!(client.count("c").unwrap(), 50);
}

#[test]
fn malformed_uris_and_unknown_collections_in_search() {
    let dir = tempfile::tempdir().unwrap();
    let q = dir.path().join("q.npy");
    write_codes_npy(&q, &random_codes(2, 32, 1)).unwrap();
    let search = |uri: &str, collection: &str| {
        deephash(&[
            "milvus",
            "search",
            "--uri",
            uri,
            "--collection",
            collection,
            "--queries",
            &s(&q),
            "-k",
            "3",
        ])
    };
    for uri in ["http://", "localhost:notaport", "ftp://host:19530"] {
        let e = one_line_error(&search(uri, "c"));
        assert!(e.contains(&format!("malformed Milvus URI `{uri}`")), "{e}");
    }
    if skip() {
        return;
    }
    let server = Server::start();
    let e = one_line_error(&search(&server.uri(), "absent"));
    assert!(e.contains("no collection `absent`"), "{e}");
}

/// A finished run of a randomly initialised small-cnn (no training: the plumbing is tested).
#[cfg(feature = "ml")]
fn random_run(root: &Path, bits: usize) -> PathBuf {
    use deephash::training::{TrainSettings, untrained_run};
    let settings = TrainSettings {
        bits,
        max_per_class: Some(20),
        ..TrainSettings::default()
    };
    let path = root.join("run");
    untrained_run(&path, &settings.run_config().unwrap()).unwrap();
    path
}

/// Seven 40 × 32 PNG images with different patterns, in two sub-folders.
#[cfg(feature = "ml")]
fn photos(root: &Path) -> PathBuf {
    let dir = root.join("photos");
    for i in 0..7u32 {
        let path = dir.join(format!("{}/{i}.png", ["a", "b"][i as usize % 2]));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let img = image::RgbImage::from_fn(40, 32, |x, y| {
            let v = ((x * (i + 1) + y * (9 - i)) % 23 * 11) as u8;
            image::Rgb([v, 255 - v, (v / 2).wrapping_add(30 * i as u8)])
        });
        img.save(&path).unwrap();
    }
    dir
}

#[cfg(feature = "ml")]
#[test]
fn encode_shards_merge_into_the_unsharded_encode() {
    let tmp = tempfile::tempdir().unwrap();
    let run = s(&random_run(tmp.path(), 32));
    let photos = s(&photos(tmp.path()));
    let encode = |out: &Path, shard: &str| {
        ok(&deephash(&[
            "encode",
            "--run",
            &run,
            "--images",
            &photos,
            "--shard",
            shard,
            "--out",
            &s(out),
        ]))
    };
    let whole = tmp.path().join("whole.dhc");
    encode(&whole, "0/1");
    let mut args = vec!["codes".to_string(), "merge".into(), "--out".into()];
    let merged = tmp.path().join("merged.dhc");
    args.push(s(&merged));
    let mut sizes = Vec::new();
    for i in 0..3 {
        let part = tmp.path().join(format!("part{i}.dhc"));
        encode(&part, &format!("{i}/3"));
        sizes.push(CodeDb::read(&part).unwrap().codes.len());
        args.push(s(&part));
    }
    assert_eq!(sizes, [3, 2, 2]);
    ok(&deephash(&args));
    assert_eq!(
        CodeDb::read_with_meta(&merged).unwrap(),
        CodeDb::read_with_meta(&whole).unwrap()
    );
    // A bad shard is clap's usage error (exit status 2), naming the value and the rule.
    let bad = deephash(&[
        "encode",
        "--run",
        &run,
        "--images",
        &photos,
        "--shard",
        "3/3",
        "--out",
        &s(&whole),
    ]);
    let e = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{e}");
    assert!(e.contains("shard `3/3`: I must be below N"), "{e}");
}

/// One HTTP/1.1 POST on loopback (`Connection: close`): the status and the body.
#[cfg(feature = "ml")]
fn post(addr: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (
        head.split(' ').nth(1).unwrap().parse().unwrap(),
        body.to_string(),
    )
}

/// `deephash serve` with `args` on a free loopback port: the process (killed on drop) and its
/// address.
#[cfg(feature = "ml")]
fn serve(args: &[&str]) -> (Killed, String) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_deephash"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let child = Killed(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next());
    (
        child,
        addr.unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string(),
    )
}

/// A child process killed when dropped.
#[cfg(feature = "ml")]
struct Killed(std::process::Child);

#[cfg(feature = "ml")]
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(feature = "ml")]
#[test]
fn serve_milvus_answers_the_page_searches_like_serve_index() {
    if skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let run = s(&random_run(tmp.path(), 32));
    let photos = photos(tmp.path());
    let db = tmp.path().join("photos.dhc");
    ok(&deephash(&[
        "encode",
        "--run",
        &run,
        "--images",
        &s(&photos),
        "--out",
        &s(&db),
    ]));
    let milvus = Server::start();
    let uri = milvus.uri();
    ok(&deephash(&[
        "milvus",
        "push",
        "--uri",
        &uri,
        "--collection",
        "photos",
        "--codes",
        &s(&db),
    ]));
    let root = s(&photos);
    let (_a, via_milvus) = serve(&[
        "--run",
        &run,
        "--milvus",
        &uri,
        "--collection",
        "photos",
        "--image-root",
        &root,
    ]);
    let (_b, via_index) = serve(&["--run", &run, "--index", &s(&db), "--image-root", &root]);
    let png = std::fs::read(photos.join("b/3.png")).unwrap();
    let answer = |addr: &str| {
        let (status, body) = post(addr, "/search?k=7", "image/png", &png);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()
    };
    let (got, want) = (answer(&via_milvus), answer(&via_index));
    let column = |v: &serde_json::Value, field: &str| -> Vec<serde_json::Value> {
        let rows = v["results"].as_array().unwrap();
        rows.iter().map(|r| r[field].clone()).collect()
    };
    // k = all 7 items and ties by lower id in both: the whole answers agree (ids, paths, codes).
    assert_eq!(got, want);
    assert_eq!(got["results"][0]["distance"], 0);
    let paths = column(&got, "path");
    assert!(
        paths.iter().all(|p| p.as_str().unwrap().starts_with(&root)),
        "{got}"
    );
    let code = format!(
        "{{\"code\":\"{}\",\"k\":7}}",
        got["query_code"].as_str().unwrap()
    );
    let (status, body) = post(
        &via_milvus,
        "/search/code",
        "application/json",
        code.as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
    let by_code: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(column(&by_code, "distance"), column(&want, "distance"));

    // An unknown collection and a run of another code length are one-line errors.
    let e = one_line_error(&deephash(&[
        "serve",
        "--run",
        &run,
        "--milvus",
        &uri,
        "--collection",
        "absent",
    ]));
    assert!(e.contains("no collection `absent`"), "{e}");
    let wide = tmp.path().join("wide.npy");
    write_codes_npy(&wide, &random_codes(5, 64, 3)).unwrap();
    ok(&deephash(&[
        "milvus",
        "push",
        "--uri",
        &uri,
        "--collection",
        "w",
        "--codes",
        &s(&wide),
    ]));
    let e = one_line_error(&deephash(&[
        "serve",
        "--run",
        &run,
        "--milvus",
        &uri,
        "--collection",
        "w",
    ]));
    assert!(e.contains("32 bit") && e.contains("64 bit"), "{e}");
}
