//! End-to-end tests of `deephash search`, `deephash index build` and
//! `deephash bench hamming`: the built binary on files written in a temp folder.

mod common;

use std::path::{Path, PathBuf};

use common::{deephash, ok, one_line_error};

use deephash_codes::npy::{read_npy, write_npy_rows, write_npy_u8};
use deephash_codes::{CodeDb, CodeMatrix, Labels, write_codes_npy};

fn codes(n: usize, bytes: usize, seed: u64) -> CodeMatrix {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let data = (0..n * bytes)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            // Few distinct bytes: many ties.
            (s % 4) as u8
        })
        .collect();
    CodeMatrix::from_packed(bytes * 8, data).unwrap()
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let f = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        write_codes_npy(&f.path("db.npy"), &codes(500, 8, 1)).unwrap();
        write_codes_npy(&f.path("q.npy"), &codes(20, 8, 2)).unwrap();
        f
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn p(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }
}

fn reference(db: &CodeMatrix, qs: &CodeMatrix, k: usize) -> (Vec<i64>, Vec<i32>) {
    let (mut ids, mut dists) = (Vec::new(), Vec::new());
    for q in 0..qs.len() {
        let mut all: Vec<(u32, usize)> = (0..db.len())
            .map(|i| {
                (
                    db.code(i)
                        .iter()
                        .zip(qs.code(q))
                        .map(|(a, b)| (a ^ b).count_ones())
                        .sum(),
                    i,
                )
            })
            .collect();
        all.sort();
        ids.extend(all[..k].iter().map(|x| x.1 as i64));
        dists.extend(all[..k].iter().map(|x| x.0 as i32));
    }
    (ids, dists)
}

fn npy_i64(path: &Path) -> (Vec<usize>, Vec<i64>) {
    let a = read_npy(path).unwrap();
    (a.shape.clone(), a.to_i64().unwrap())
}

#[test]
fn search_writes_exact_neighbours_for_scan_and_mih() {
    let f = Fixture::new();
    let want = reference(&codes(500, 8, 1), &codes(20, 8, 2), 10);
    for index in ["scan", "mih"] {
        let out = deephash(&[
            "search",
            "--db",
            &f.p("db.npy"),
            "--queries",
            &f.p("q.npy"),
            "-k",
            "10",
            "--threads",
            "2",
            "--index",
            index,
            "--out-ids",
            &f.p("ids.npy"),
            "--out-dist",
            &f.p("dist.npy"),
        ]);
        ok(&out);
        let (shape, ids) = npy_i64(&f.path("ids.npy"));
        assert_eq!(shape, vec![20, 10]);
        assert_eq!(ids, want.0, "{index}");
        let (_, dists) = npy_i64(&f.path("dist.npy"));
        assert_eq!(
            dists,
            want.1.iter().map(|&d| i64::from(d)).collect::<Vec<_>>()
        );
    }
}

#[test]
fn search_prints_a_table_with_names_from_a_code_database() {
    let f = Fixture::new();
    let db = CodeDb {
        codes: codes(500, 8, 1),
        ids: Some((0..500).map(|i| format!("img_{i}.jpg")).collect()),
        labels: Some(Labels::Single((0..500).collect())),
    };
    db.write(&f.path("db.dhc")).unwrap();
    let out = deephash(&[
        "search",
        "--db",
        &f.p("db.dhc"),
        "--queries",
        &f.p("q.npy"),
        "-k",
        "3",
    ]);
    ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 20 * 3);
    let want = reference(&db.codes, &codes(20, 8, 2), 3);
    let first: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(first[..3], ["0", "0", &want.0[0].to_string()]);
    assert_eq!(first[4], format!("img_{}.jpg", want.0[0]));
}

#[test]
fn index_build_then_search_matches_plain_search() {
    let f = Fixture::new();
    let plain = deephash(&[
        "search",
        "--db",
        &f.p("db.npy"),
        "--queries",
        &f.p("q.npy"),
        "-k",
        "5",
    ]);
    for kind in ["scan", "mih"] {
        let built = deephash(&[
            "index",
            "build",
            "--codes",
            &f.p("db.npy"),
            "--out",
            &f.p("db.dhi"),
            "--index",
            kind,
        ]);
        ok(&built);
        let via = deephash(&[
            "search",
            "--db",
            &f.p("db.dhi"),
            "--queries",
            &f.p("q.npy"),
            "-k",
            "5",
        ]);
        ok(&via);
        assert_eq!(via.stdout, plain.stdout, "{kind}");
    }
}

#[test]
fn bench_hamming_ends_with_qps() {
    let f = Fixture::new();
    let out = deephash(&[
        "bench",
        "hamming",
        "--db",
        &f.p("db.npy"),
        "--queries",
        &f.p("q.npy"),
        "-k",
        "10",
        "--threads",
        "1",
        "--reps",
        "2",
    ]);
    ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let last = text.lines().last().unwrap();
    let qps: f64 = last.strip_prefix("qps=").expect(last).parse().unwrap();
    assert!(qps > 0.0);
}

/// Runs a failing command: exit status ≠ 0, one `error:` line naming `needle`s, no panic.
fn fails<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S], needles: &[&str]) {
    let err = one_line_error(&deephash(args));
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    for needle in needles {
        assert!(err.contains(needle), "{args:?}: '{err}' lacks '{needle}'");
    }
}

#[test]
fn bad_input_gives_one_line_errors() {
    let f = Fixture::new();
    let (db, q) = (f.p("db.npy"), f.p("q.npy"));
    // k = 0 and k > N.
    fails(&search(&db, &q, "0"), &["-k 0", "db.npy"]);
    fails(&search(&db, &q, "501"), &["-k 501", "500"]);
    // Mismatched bits.
    write_codes_npy(&f.path("q16.npy"), &codes(3, 2, 3)).unwrap();
    fails(
        &search(&db, &f.p("q16.npy"), "1"),
        &["q16.npy", "16 bits", "64 bits"],
    );
    // Wrong bit length (1032 bits) and odd shapes.
    write_npy_u8(&f.path("wide.npy"), 2, 129, &[0; 258]).unwrap();
    fails(
        &search(&f.p("wide.npy"), &q, "1"),
        &["wide.npy", "1032 bits"],
    );
    // Truncated .npy.
    let bytes = std::fs::read(f.path("db.npy")).unwrap();
    std::fs::write(f.path("trunc.npy"), &bytes[..bytes.len() - 5]).unwrap();
    fails(
        &search(&f.p("trunc.npy"), &q, "1"),
        &["trunc.npy", "truncated"],
    );
    // Empty file, wrong magic, missing file.
    std::fs::write(f.path("empty.npy"), b"").unwrap();
    fails(
        &search(&f.p("empty.npy"), &q, "1"),
        &["empty.npy", "empty file"],
    );
    std::fs::write(f.path("junk.bin"), b"PK\x03\x04 not codes").unwrap();
    fails(
        &search(&db, &f.p("junk.bin"), "1"),
        &["junk.bin", "wrong magic"],
    );
    fails(&search(&f.p("missing.npy"), &q, "1"), &["missing.npy"]);
    // Corrupted code database (payload checksum) and truncated one.
    CodeDb::new(codes(500, 8, 1))
        .write(&f.path("db.dhc"))
        .unwrap();
    let mut dhc = std::fs::read(f.path("db.dhc")).unwrap();
    dhc[200] ^= 0x10;
    std::fs::write(f.path("bad.dhc"), &dhc).unwrap();
    fails(&search(&f.p("bad.dhc"), &q, "1"), &["bad.dhc", "checksum"]);
    std::fs::write(f.path("short.dhc"), &dhc[..300]).unwrap();
    fails(
        &search(&f.p("short.dhc"), &q, "1"),
        &["short.dhc", "truncated"],
    );
    // NaN embeddings.
    let mut emb = vec![0.5f32; 3 * 64];
    emb[70] = f32::NAN;
    write_npy_rows(&f.path("emb.npy"), &[3, 64], emb).unwrap();
    fails(&search(&db, &f.p("emb.npy"), "1"), &["emb.npy", "NaN"]);
    // Zero threads, bad index file, bench with bad k.
    fails(
        &[
            "search",
            "--db",
            &db,
            "--queries",
            &q,
            "-k",
            "1",
            "--threads",
            "0",
        ],
        &["--threads 0"],
    );
    std::fs::write(f.path("x.dhi"), b"DHINDEX\0short").unwrap();
    fails(&search(&f.p("x.dhi"), &q, "1"), &["x.dhi", "truncated"]);
    fails(
        &["bench", "hamming", "--db", &db, "--queries", &q, "-k", "0"],
        &["-k 0"],
    );
    fails(
        &[
            "index",
            "build",
            "--codes",
            &f.p("empty.npy"),
            "--out",
            &f.p("o.dhi"),
        ],
        &["empty.npy", "empty file"],
    );
    // Labels that do not match the codes.
    write_npy_rows(&f.path("labels.npy"), &[3], [1i64, 2, 3]).unwrap();
    fails(
        &[
            "index",
            "build",
            "--codes",
            &db,
            "--labels",
            &f.p("labels.npy"),
            "--out",
            &f.p("o.dhi"),
        ],
        &["labels.npy", "3 labels for 500 codes"],
    );
}

fn search(db: &str, queries: &str, k: &str) -> Vec<String> {
    ["search", "--db", db, "--queries", queries, "-k", k]
        .map(String::from)
        .to_vec()
}
