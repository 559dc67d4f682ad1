//! Valid inputs of every target, written by the project's own writers: the
//! starting points of the mutations. `corpus/<target>/` holds the same files
//! (regenerate with `FUZZ_WRITE_CORPUS=1 cargo test -p deephash-fuzz --test smoke`)
//! and the inputs of past findings, kept as regression cases.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use deephash_codes::{CodeDb, CodeMatrix, DbMeta, Labels, write_codes_npy, write_labels_npy};
use deephash_data::mat5::write::{Value, file as mat_file};
use deephash_index::IndexKind;
use deephash_index::index_file::write_index_with;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

/// The committed corpus folder of `target`.
pub fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target)
}

/// Every file of the committed corpus of `target` (seeds and regression inputs).
pub fn corpus(target: &str) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(corpus_dir(target)) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn codes(bits: usize, n: usize) -> CodeMatrix {
    let bytes = bits / 8;
    let packed: Vec<u8> = (0..n * bytes).map(|i| (i * 37 + 11) as u8).collect();
    CodeMatrix::from_packed(bits, packed).expect("valid codes")
}

fn through_file(write: impl FnOnce(&Path)) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("seed");
    write(&path);
    std::fs::read(&path).expect("seed written")
}

fn database() -> (CodeDb, DbMeta) {
    let mut db = CodeDb::new(codes(16, 6));
    db.ids = Some((0..6).map(|i| format!("img/{i}.png")).collect());
    db.labels = Some(Labels::Single(vec![0, 1, 2, 0, 1, 2]));
    let meta = DbMeta {
        class_names: vec!["a".into(), "b".into(), "c".into()],
        ..DbMeta::default()
    };
    (db, meta)
}

/// `.npy` files: packed codes, single and multi labels.
pub fn npy() -> Vec<Vec<u8>> {
    vec![
        through_file(|p| write_codes_npy(p, &codes(64, 3)).expect("npy")),
        through_file(|p| write_labels_npy(p, &Labels::Single(vec![3, 1, 4])).expect("npy")),
        through_file(|p| {
            let multi = Labels::Multi {
                classes: 3,
                matrix: vec![true, false, true, false, true, false],
            };
            write_labels_npy(p, &multi).expect("npy")
        }),
    ]
}

/// `.dhc` code databases, with and without ids, labels and metadata.
pub fn dhc() -> Vec<Vec<u8>> {
    let (db, meta) = database();
    vec![
        CodeDb::new(codes(32, 4)).to_bytes().expect("dhc"),
        db.to_bytes_with(&meta).expect("dhc"),
    ]
}

/// Index files: a scan and a multi-index-hashing index.
pub fn index() -> Vec<Vec<u8>> {
    let (db, meta) = database();
    [IndexKind::Scan, IndexKind::Mih]
        .into_iter()
        .map(|kind| through_file(|p| write_index_with(p, &db, &meta, kind).expect("index")))
        .collect()
}

/// MAT v5 files like Stanford Dogs' lists, plain and compressed.
pub fn mat5() -> Vec<Vec<u8>> {
    let names: Vec<String> = ["n02085620-Chihuahua/a.jpg", "n02085782-Japanese/b.jpg"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let labels = [1.0, 2.0];
    let vars = [
        ("file_list", Value::Strings(&names)),
        ("labels", Value::Doubles(&labels)),
    ];
    vec![mat_file(&vars, false), mat_file(&vars, true)]
}

/// List files (`path label[,label…]` per line).
pub fn list() -> Vec<Vec<u8>> {
    vec![
        b"images/a.png 0\nimages/b.png 1\n".to_vec(),
        b"# a comment\n\nsub dir/c d.jpg 2,5,7\r\nx.png 3\n".to_vec(),
    ]
}

/// Codes as text, as `POST /search/code` takes them (64 bits).
pub fn code_text() -> Vec<Vec<u8>> {
    vec![
        b"8f3a00c1d2e4b577".to_vec(),
        b"0x8F3A00C1D2E4B577".to_vec(),
        b"8f3a 00c1_d2e4 b577".to_vec(),
        "01".repeat(32).into_bytes(),
    ]
}

fn picture(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 9) as u8, (y * 13) as u8, ((x ^ y) * 5) as u8])
    }))
}

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encode seed image");
    out.into_inner()
}

/// PNG and JPEG images (RGB, grey, RGBA; small sizes).
pub fn image() -> Vec<Vec<u8>> {
    let rgb = picture(24, 16);
    vec![
        encoded(&rgb, ImageFormat::Png),
        encoded(&rgb, ImageFormat::Jpeg),
        encoded(&DynamicImage::ImageLuma8(rgb.to_luma8()), ImageFormat::Png),
        encoded(&DynamicImage::ImageRgba8(rgb.to_rgba8()), ImageFormat::Png),
        encoded(&picture(9, 33), ImageFormat::Jpeg),
    ]
}

/// The multipart boundary of the seed forms (the target's content type names it).
pub const BOUNDARY: &str = "deephash-fuzz-boundary";

/// `multipart/form-data` bodies holding an image field.
pub fn multipart() -> Vec<Vec<u8>> {
    let png = encoded(&picture(12, 12), ImageFormat::Png);
    let form = |name: &str, extra: &str| {
        let mut body = format!(
            "--{BOUNDARY}\r\n{extra}Content-Disposition: form-data; name=\"{name}\"; \
             filename=\"q.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&png);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        body
    };
    let mut two =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n")
            .into_bytes();
    two.extend_from_slice(&form("image", ""));
    vec![form("image", ""), form("file", "X-Extra: 1\r\n"), two]
}

/// `config.toml` of run directories: one written before the loss was
/// configurable (kept by `deephash-train`'s tests) and one of today's writer.
#[cfg(feature = "config")]
pub fn config() -> Vec<Vec<u8>> {
    let old = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deephash-train/tests/fixtures/config-before-loss.toml");
    let old = std::fs::read(old).expect("deephash-train's config fixture");
    let text = String::from_utf8_lossy(&old).into_owned();
    let current = through_file(|p| {
        let config: deephash_train::RunConfig = toml_config(&text);
        config.save(p).expect("config")
    });
    vec![old, current]
}

#[cfg(feature = "config")]
fn toml_config(text: &str) -> deephash_train::RunConfig {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).expect("write");
    deephash_train::RunConfig::load(&path).expect("fixture loads")
}
