//! End-to-end tests of the retrieval workflow commands: `encode`, `index build` + `query`,
//! on a few generated images and a randomly initialised small-cnn run (fast: no training;
//! these tests check the plumbing — codes, files, ids, search order, errors — not quality).
#![cfg(feature = "ml")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{deephash, ok, one_line_error};

use deephash::training::{TrainSettings, untrained_run};
use deephash_codes::CodeDb;

/// A finished run of a randomly initialised small-cnn with `bits`-bit codes (its data: the
/// first 20 images per class of the bundled Fashion-MNIST subset).
fn random_run(root: &Path, bits: usize) -> PathBuf {
    let settings = TrainSettings {
        bits,
        max_per_class: Some(20),
        ..TrainSettings::default()
    };
    let path = root.join("run");
    untrained_run(&path, &settings.run_config().unwrap()).unwrap();
    path
}

/// Six 40 × 32 PNG images with different patterns, in two sub-folders.
fn photos(root: &Path) -> PathBuf {
    let dir = root.join("photos");
    for (i, name) in [
        "a/1.png", "a/2.png", "a/3.png", "b/1.png", "b/2.png", "b/10.png",
    ]
    .iter()
    .enumerate()
    {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let img = image::RgbImage::from_fn(40, 32, |x, y| {
            let v = ((x * (i as u32 + 1) + y * (7 - i as u32)) % 23 * 11) as u8;
            image::Rgb([v, 255 - v, (v / 2).wrapping_add(40 * i as u8)])
        });
        img.save(&path).unwrap();
    }
    dir
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn encode_index_and_query_by_image_and_by_database_path() {
    let tmp = tempfile::tempdir().unwrap();
    let run = random_run(tmp.path(), 32);
    let photos = photos(tmp.path());
    let (run_s, photos_s) = (run.to_str().unwrap(), photos.to_str().unwrap());
    let db_path = tmp.path().join("photos.dhc");
    ok(&deephash(&[
        "encode",
        "--run",
        run_s,
        "--images",
        photos_s,
        "--out",
        db_path.to_str().unwrap(),
    ]));
    let db = CodeDb::read(&db_path).unwrap();
    assert_eq!(db.codes.bits(), 32);
    let ids = db.ids.clone().unwrap();
    assert_eq!(
        ids,
        [
            "a/1.png", "a/2.png", "a/3.png", "b/1.png", "b/10.png", "b/2.png"
        ],
        "byte order of paths"
    );
    assert!(db.labels.is_none());

    let npy = tmp.path().join("photos.npy");
    ok(&deephash(&[
        "encode",
        "--run",
        run_s,
        "--images",
        photos_s,
        "--out",
        npy.to_str().unwrap(),
    ]));
    assert_eq!(
        deephash_codes::read_codes(&npy).unwrap(),
        db.codes,
        ".npy holds the same codes"
    );
    let listed = std::fs::read_to_string(tmp.path().join("photos.ids.txt")).unwrap();
    assert_eq!(listed.lines().collect::<Vec<_>>(), ids);

    let index = tmp.path().join("photos.idx");
    ok(&deephash(&[
        "index",
        "build",
        "--codes",
        db_path.to_str().unwrap(),
        "--out",
        index.to_str().unwrap(),
    ]));

    // A database image by its stored path: its own code, itself first at distance 0.
    let inside = photos.join("b/2.png");
    let out = ok(&deephash(&[
        "query",
        "--run",
        run_s,
        "--index",
        index.to_str().unwrap(),
        "--image",
        inside.to_str().unwrap(),
        "-k",
        "6",
        "--json",
    ]));
    let v = json(&out);
    assert_eq!(v["code_from"], "database");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    let distances: Vec<u64> = results
        .iter()
        .map(|r| r["distance"].as_u64().unwrap())
        .collect();
    assert!(
        distances.windows(2).all(|w| w[0] <= w[1]),
        "nearest first: {distances:?}"
    );
    let own = results.iter().find(|r| r["path"] == "b/2.png").unwrap();
    assert_eq!(own["distance"], 0);

    // The same picture from outside the database: encoded by the run, same code.
    let outside = tmp.path().join("query.png");
    std::fs::copy(&inside, &outside).unwrap();
    let out = ok(&deephash(&[
        "query",
        "--run",
        run_s,
        "--index",
        db_path.to_str().unwrap(),
        "--image",
        outside.to_str().unwrap(),
        "-k",
        "6",
        "--json",
    ]));
    let v = json(&out);
    assert_eq!(v["code_from"], "image");
    let own = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "b/2.png")
        .unwrap();
    assert_eq!(
        own["distance"], 0,
        "encoding at query time gives the stored code"
    );

    // The table form.
    let table = ok(&deephash(&[
        "query",
        "--run",
        run_s,
        "--index",
        index.to_str().unwrap(),
        "--image",
        outside.to_str().unwrap(),
        "-k",
        "2",
    ]));
    assert!(table.contains("rank  distance  label  path"), "{table}");
    assert_eq!(table.lines().count(), 2 + 2, "{table}");
}

#[test]
fn bad_inputs_give_one_line_errors_naming_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let run = random_run(tmp.path(), 16);
    let photos = photos(tmp.path());
    let run_s = run.to_str().unwrap();
    let db = tmp.path().join("db.dhc");
    ok(&deephash(&[
        "encode",
        "--run",
        run_s,
        "--images",
        photos.to_str().unwrap(),
        "--out",
        db.to_str().unwrap(),
    ]));
    let img = photos.join("a/1.png");
    let (db_s, img_s) = (db.to_str().unwrap(), img.to_str().unwrap());

    let err = one_line_error(&deephash(&[
        "query", "--run", run_s, "--index", db_s, "--image", img_s, "-k", "0",
    ]));
    assert!(err.contains("-k 0"), "{err}");
    let err = one_line_error(&deephash(&[
        "query", "--run", run_s, "--index", db_s, "--image", img_s, "-k", "7",
    ]));
    assert!(err.contains("1..=6"), "{err}");
    let missing = tmp.path().join("nothing.png");
    let err = one_line_error(&deephash(&[
        "query",
        "--run",
        run_s,
        "--index",
        db_s,
        "--image",
        missing.to_str().unwrap(),
        "-k",
        "3",
    ]));
    assert!(err.contains("nothing.png"), "{err}");
    let other = random_run(&tmp.path().join("other"), 32);
    let err = one_line_error(&deephash(&[
        "query",
        "--run",
        other.to_str().unwrap(),
        "--index",
        db_s,
        "--image",
        missing.to_str().unwrap(),
        "-k",
        "3",
    ]));
    assert!(err.contains("16-bit") && err.contains("32-bit"), "{err}");

    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = one_line_error(&deephash(&[
        "encode",
        "--run",
        run_s,
        "--images",
        empty.to_str().unwrap(),
        "--out",
        db_s,
    ]));
    assert!(err.contains("no image files"), "{err}");
    let err = one_line_error(&deephash(&[
        "encode",
        "--run",
        tmp.path().join("norun").to_str().unwrap(),
        "--images",
        empty.to_str().unwrap(),
        "--out",
        db_s,
    ]));
    assert!(err.contains("norun"), "{err}");
    let not_image = photos.join("a/broken.png");
    std::fs::write(&not_image, b"not a png").unwrap();
    let err = one_line_error(&deephash(&[
        "encode",
        "--run",
        run_s,
        "--images",
        photos.to_str().unwrap(),
        "--out",
        db_s,
    ]));
    assert!(err.contains("broken.png"), "{err}");
}

#[test]
fn every_workflow_command_has_help_with_an_example() {
    for cmd in ["encode", "query", "demo", "reproduce"] {
        let out = ok(&deephash(&[cmd, "--help"]));
        assert!(
            out.contains("Examples:") && out.contains(&format!("deephash {cmd} ")),
            "{cmd}: {out}"
        );
    }
}

#[test]
fn encode_a_named_data_set_split_with_ids_and_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let run = random_run(tmp.path(), 16);
    let out = tmp.path().join("test.dhc");
    ok(&deephash(&[
        "encode",
        "--run",
        run.to_str().unwrap(),
        "--dataset",
        "fashion-mnist",
        "--split",
        "test",
        "--out",
        out.to_str().unwrap(),
    ]));
    let db = CodeDb::read(&out).unwrap();
    let data = deephash_data::DatasetSpec::new(deephash_data::DatasetKind::FashionMnist, None)
        .load()
        .unwrap();
    assert_eq!(db.codes.len(), data.test.len());
    assert_eq!(db.codes.bits(), 16);
    let ids = db.ids.unwrap();
    assert_eq!(ids[0], data.test[0].name);
    let expected: Vec<i64> = data.test.iter().map(|s| i64::from(s.labels[0])).collect();
    assert_eq!(db.labels, Some(deephash_codes::Labels::Single(expected)));

    let err = one_line_error(&deephash(&[
        "encode",
        "--run",
        run.to_str().unwrap(),
        "--dataset",
        "imagenet",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(err.contains("imagenet"), "{err}");
}

#[test]
fn eval_run_writes_metrics_and_report_and_prints_the_eval_json() {
    let tmp = tempfile::tempdir().unwrap();
    let run = random_run(tmp.path(), 32);
    let out = ok(&deephash(&[
        "eval",
        "--run",
        run.to_str().unwrap(),
        "--json",
    ]));
    let printed = json(out.trim());
    let written = json(&std::fs::read_to_string(run.join("metrics.json")).unwrap());
    assert_eq!(printed, written);
    assert_eq!(printed["bits"], 32);
    // The run's data: the first 20 images of each of the 10 classes of each split.
    assert_eq!(printed["queries"], 200);
    assert_eq!(printed["database"], 200);
    let map = printed["map"].as_f64().unwrap();
    assert!(map > 0.0 && map <= 1.0, "{map}");
    for key in [
        "map_tie_aware",
        "precision_at_k",
        "pr_curve",
        "precision_radius",
    ] {
        assert!(printed.get(key).is_some(), "missing {key}: {printed}");
    }
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("<svg"), "plots are inline SVG");
    assert!(
        html.contains("data:image/png;base64,"),
        "example thumbnails"
    );
    for attr in ["src=\"http", "href=\"http", "url(http"] {
        assert!(!html.contains(attr), "no network resource ({attr})");
    }

    let table = ok(&deephash(&["eval", "--run", run.to_str().unwrap()]));
    assert!(table.contains("mAP"), "{table}");
    let err = one_line_error(&deephash(&[
        "eval",
        "--run",
        tmp.path().join("nope").to_str().unwrap(),
    ]));
    assert!(err.contains("nope"), "{err}");
}

/// One HTTP/1.1 request on loopback (`Connection: close`); the status code and the body.
fn http(addr: &str, method: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, Vec<u8>) {
    http_with(addr, method, path, "", content_type, body)
}

/// Like `http`, with `extra` header lines (each ending in `\r\n`).
fn http_with(
    addr: &str,
    method: &str,
    path: &str,
    extra: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\n{extra}\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("HTTP head");
    let status_line = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = response[split + 4..].to_vec();
    if status_line
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 2 + size + 2..];
    }
}

/// Kills the server when the test ends, whatever happens.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `deephash serve` on a free loopback port; the server (killed when dropped) and
/// its address.
fn serve(run: &Path, index: &Path, extra: &[&str]) -> (Server, String) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_deephash"))
        .args(["serve", "--addr", "127.0.0.1:0", "--run"])
        .arg(run)
        .arg("--index")
        .arg(index)
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    (server, addr)
}

#[test]
fn serve_answers_image_and_code_searches_over_a_real_run() {
    let tmp = tempfile::tempdir().unwrap();
    let run = random_run(tmp.path(), 32);
    let photos = photos(tmp.path());
    let db_path = tmp.path().join("photos.dhc");
    ok(&deephash(&[
        "encode",
        "--run",
        run.to_str().unwrap(),
        "--images",
        photos.to_str().unwrap(),
        "--out",
        db_path.to_str().unwrap(),
    ]));
    let (_server, addr) = serve(&run, &db_path, &["--image-root", photos.to_str().unwrap()]);

    let (status, body) = http(&addr, "GET", "/health", "text/plain", b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));

    // An image of the database finds itself first, at distance 0.
    let png = std::fs::read(photos.join("b/10.png")).unwrap();
    let (status, body) = http(&addr, "POST", "/search?k=3", "image/png", &png);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let answer = json(&String::from_utf8_lossy(&body));
    assert_eq!(answer["bits"], 32);
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["distance"], 0);
    let own_code = answer["query_code"].as_str().unwrap().to_string();
    let row = results[0]["id"].as_u64().unwrap() as usize;
    let db = CodeDb::read(&db_path).unwrap();
    let path = results[0]["path"].as_str().unwrap();
    assert!(path.ends_with(&db.ids.unwrap()[row]), "{path}");
    assert_eq!(
        deephash_serve::format_hex(db.codes.code(row)),
        own_code,
        "the top hit has the query's own code"
    );

    // The same code as text gives the same ranking.
    let (status, body) = http(
        &addr,
        "POST",
        "/search/code?k=3",
        "application/json",
        format!("{{\"code\":\"{own_code}\"}}").as_bytes(),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let by_code = json(&String::from_utf8_lossy(&body));
    assert_eq!(by_code["results"], answer["results"]);

    // Its thumbnail is a JPEG; a corrupt upload is a 4xx JSON error, not a crash.
    let (status, body) = http(
        &addr,
        "GET",
        &format!("/items/{}/thumbnail", results[0]["id"]),
        "text/plain",
        b"",
    );
    assert_eq!(status, 200);
    assert!(body.starts_with(&[0xFF, 0xD8, 0xFF]), "thumbnail is a JPEG");
    let (status, body) = http(&addr, "POST", "/search", "image/png", b"not a png");
    assert!((400..500).contains(&status), "{status}");
    assert!(json(&String::from_utf8_lossy(&body)).get("error").is_some());
    let (status, _) = http(&addr, "GET", "/health", "text/plain", b"");
    assert_eq!(status, 200, "still serving");
}

#[test]
fn serving_a_split_of_the_bundled_data_shows_its_images_and_class_names() {
    let tmp = tempfile::tempdir().unwrap();
    let run = random_run(tmp.path(), 16);
    let db_path = tmp.path().join("test.dhc");
    ok(&deephash(&[
        "encode",
        "--run",
        run.to_str().unwrap(),
        "--dataset",
        "fashion-mnist",
        "--split",
        "test",
        "--out",
        db_path.to_str().unwrap(),
    ]));
    // No --image-root: the items' images come from the data set the codes record.
    let (_server, addr) = serve(&run, &db_path, &[]);
    let db = CodeDb::read(&db_path).unwrap();
    let code = deephash_serve::format_hex(db.codes.code(0));
    let (status, body) = http(
        &addr,
        "POST",
        "/search/code?k=5",
        "application/json",
        format!("{{\"code\":\"{code}\"}}").as_bytes(),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let answer = json(&String::from_utf8_lossy(&body));
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for result in results {
        let label = result["label"].as_str().unwrap();
        assert!(
            deephash_data::FASHION_CLASSES.contains(&label),
            "a class name, not an id: {result}"
        );
        let (status, jpeg) = http(
            &addr,
            "GET",
            result["thumbnail"].as_str().unwrap(),
            "text/plain",
            b"",
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&jpeg));
        assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]), "thumbnail is a JPEG");
    }
    let (status, body) = http(&addr, "GET", "/items/0", "text/plain", b"");
    assert_eq!(status, 200);
    let item = json(&String::from_utf8_lossy(&body));
    let labels = db.labels.unwrap();
    let class = deephash_data::FASHION_CLASSES[labels.text(0, &[]).parse::<usize>().unwrap()];
    assert_eq!(item["label"], class, "{item}");
}

#[test]
fn serve_refuses_open_public_addresses_and_weak_tokens_before_loading_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-run");
    let base = |addr: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_deephash"));
        c.args(["serve", "--addr", addr, "--run"])
            .arg(&missing)
            .arg("--index")
            .arg(&missing)
            .env_remove("DEEPHASH_TOKEN");
        c
    };
    let err = one_line_error(&base("0.0.0.0:0").output().unwrap());
    assert!(err.contains("--insecure-public"), "{err}");
    let err = one_line_error(
        &base("127.0.0.1:0")
            .env("DEEPHASH_TOKEN", "short")
            .output()
            .unwrap(),
    );
    assert!(
        err.contains("DEEPHASH_TOKEN") && err.contains("fewer than 16"),
        "{err}"
    );
    let token_file = tmp.path().join("token.txt");
    let err = one_line_error(
        &base("127.0.0.1:0")
            .args(["--token-file"])
            .arg(&token_file)
            .output()
            .unwrap(),
    );
    assert!(err.contains("token.txt"), "{err}");
    std::fs::write(&token_file, "0123456789abcdef-token\n").unwrap();
    let both = base("127.0.0.1:0")
        .args(["--token-file"])
        .arg(&token_file)
        .env("DEEPHASH_TOKEN", "0123456789abcdef-other")
        .output()
        .unwrap();
    assert!(one_line_error(&both).contains("both"));
    // With a token a public address passes the check and the run is looked at.
    let err = one_line_error(
        &base("0.0.0.0:0")
            .args(["--token-file"])
            .arg(&token_file)
            .output()
            .unwrap(),
    );
    assert!(err.contains("no-such-run"), "{err}");
    let bad_origin = base("127.0.0.1:0")
        .args(["--cors-origin", "example.org"])
        .output()
        .unwrap();
    assert!(!bad_origin.status.success());
    let err = String::from_utf8_lossy(&bad_origin.stderr);
    assert!(
        err.contains("--cors-origin") && err.contains("http://"),
        "{err}"
    );
}

#[test]
fn serve_with_a_token_file_answers_only_with_the_token() {
    let tmp = tempfile::tempdir().unwrap();
    let run = random_run(tmp.path(), 16);
    let db_path = tmp.path().join("test.dhc");
    ok(&deephash(&[
        "encode",
        "--run",
        run.to_str().unwrap(),
        "--dataset",
        "fashion-mnist",
        "--split",
        "test",
        "--out",
        db_path.to_str().unwrap(),
    ]));
    let token_file = tmp.path().join("token.txt");
    std::fs::write(&token_file, "the-cli-test-token-42\n").unwrap();
    let (_server, addr) = serve(
        &run,
        &db_path,
        &["--token-file", token_file.to_str().unwrap()],
    );
    let (status, body) = http(&addr, "GET", "/items/0", "text/plain", b"");
    assert_eq!(status, 401);
    assert!(body.is_empty(), "{}", String::from_utf8_lossy(&body));
    let auth = "Authorization: Bearer the-cli-test-token-42\r\n";
    let (status, body) = http_with(&addr, "GET", "/items/0", auth, "text/plain", b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let wrong = "Authorization: Bearer the-cli-test-token-43\r\n";
    assert_eq!(
        http_with(&addr, "GET", "/items/0", wrong, "text/plain", b"").0,
        401
    );
    let (status, body) = http(&addr, "GET", "/health", "text/plain", b"");
    assert_eq!(status, 200);
    assert_eq!(
        json(&String::from_utf8_lossy(&body))["token_required"],
        true
    );
}
