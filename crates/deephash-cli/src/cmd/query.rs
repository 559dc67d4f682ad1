//! `deephash query`: the database images most like a query image, by Hamming distance.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use deephash_codes::{CodeDb, CodeMatrix, Labels};
use deephash_data::{DEFAULT_MAX_PIXELS, decode_file};
use deephash_index::index_file::{is_index_file, read_index};
use deephash_index::{HammingIndex, build, choose};
use serde_json::json;

use super::workflow::{embed_images, load_model};

/// Arguments of `deephash query`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    deephash index build --codes photos.dhc --out photos.idx\n  \
    deephash query --run runs/fmnist-64 --index photos.idx --image my-photo.jpg -k 10\n  \
    deephash query --run runs/fmnist-64 --index photos.dhc --image photos/cat.png --json\n\n\
    When --image names an image of the database (its path as stored, e.g. relative to the\n\
    encoded folder), its stored code is used directly.")]
pub struct Args {
    /// The trained run that encoded the database.
    #[arg(long, value_name = "RUN")]
    pub run: PathBuf,
    /// An index file (`deephash index build`) or a code database (`deephash encode`).
    #[arg(long, value_name = "INDEX")]
    pub index: PathBuf,
    /// The query image (JPEG or PNG).
    #[arg(long, value_name = "PHOTO")]
    pub image: PathBuf,
    /// Number of results.
    #[arg(short, long, default_value_t = 10)]
    pub k: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Compute device: cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
}

/// One result row.
struct Hit {
    rank: usize,
    distance: u32,
    id: String,
    label: String,
}

/// Runs `deephash query`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let (db, index) = open_index(&args.index)?;
    if args.k == 0 || args.k > db.codes.len() {
        bail!(
            "-k {} is out of range: {} holds {} codes, k must be 1..={}",
            args.k,
            args.index.display(),
            db.codes.len(),
            db.codes.len()
        );
    }
    let (code, source) = match stored_code(&db, &args.image) {
        Some(row) => (
            CodeMatrix::from_packed(db.codes.bits(), db.codes.code(row).to_vec())?,
            "database",
        ),
        None => (encode_image(&args, db.codes.bits())?, "image"),
    };
    let found = index
        .knn(&code, args.k)
        .with_context(|| format!("searching {}", args.index.display()))?;
    let hits: Vec<Hit> = found
        .ids_of(0)
        .iter()
        .zip(found.distances_of(0))
        .enumerate()
        .map(|(r, (&id, &d))| hit(&db, r + 1, id as usize, u32::from(d)))
        .collect();
    if args.json {
        println!("{}", to_json(&args, db.codes.bits(), source, &hits));
    } else {
        print!("{}", table(&args.image, source, &hits));
    }
    Ok(())
}

/// The database and a search structure, from an index file or a plain code database.
fn open_index(path: &Path) -> anyhow::Result<(CodeDb, Box<dyn HammingIndex>)> {
    let head = read_head(path)?;
    if is_index_file(&head) {
        let loaded = read_index(path)?;
        return Ok((loaded.db, loaded.index));
    }
    let db = CodeDb::read(path)?;
    if db.codes.is_empty() {
        bail!("{}: the code database is empty", path.display());
    }
    let index = build(choose(db.codes.len(), db.codes.bits()), &db.codes)?;
    Ok((db, index))
}

fn read_head(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(path)
        .and_then(|f| f.take(16).read_to_end(&mut head))
        .with_context(|| format!("{}: cannot read", path.display()))?;
    Ok(head)
}

/// The row of the database whose id is the query image's path (as given, or a suffix of it
/// after a `/`), if any.
fn stored_code(db: &CodeDb, image: &Path) -> Option<usize> {
    let given = image.to_string_lossy().replace('\\', "/");
    let ids = db.ids.as_ref()?;
    ids.iter()
        .position(|id| *id == given || given.ends_with(&format!("/{id}")))
}

/// Decodes and encodes the query image with the run, checking the code length.
fn encode_image(args: &Args, bits: usize) -> anyhow::Result<CodeMatrix> {
    let model = load_model(&args.run, &args.device)?;
    if model.bits() != bits {
        bail!(
            "{}: {}-bit codes, but the run {} makes {}-bit codes",
            args.index.display(),
            bits,
            args.run.display(),
            model.bits()
        );
    }
    let img = decode_file(&args.image, DEFAULT_MAX_PIXELS)?;
    let values = embed_images(&model, vec![img], 1)?;
    Ok(CodeMatrix::from_signs(&values, bits)?)
}

fn hit(db: &CodeDb, rank: usize, row: usize, distance: u32) -> Hit {
    let id = db
        .ids
        .as_ref()
        .and_then(|ids| ids.get(row).cloned())
        .unwrap_or_else(|| format!("#{row}"));
    let label = db
        .labels
        .as_ref()
        .map(|l| label_text(l, row))
        .unwrap_or_default();
    Hit {
        rank,
        distance,
        id,
        label,
    }
}

/// The label of item `row`: its class id, or its class ids joined by commas (multi-label).
pub fn label_text(labels: &Labels, row: usize) -> String {
    match labels {
        Labels::Single(ids) => ids.get(row).map(|c| c.to_string()).unwrap_or_default(),
        Labels::Multi { classes, matrix } => (0..*classes)
            .filter(|&c| matrix.get(row * classes + c).copied().unwrap_or(false))
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn table(image: &Path, source: &str, hits: &[Hit]) -> String {
    let mut out = format!(
        "query: {} (code from the {source})\nrank  distance  label  path\n",
        image.display()
    );
    for h in hits {
        out.push_str(&format!(
            "{:>4}  {:>8}  {:>5}  {}\n",
            h.rank, h.distance, h.label, h.id
        ));
    }
    out
}

fn to_json(args: &Args, bits: usize, source: &str, hits: &[Hit]) -> serde_json::Value {
    let results: Vec<_> = hits
        .iter()
        .map(|h| json!({"rank": h.rank, "distance": h.distance, "path": h.id, "label": h.label}))
        .collect();
    json!({
        "query": args.image.display().to_string(),
        "code_from": source,
        "bits": bits,
        "k": args.k,
        "results": results,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_text_of_single_and_multi_labels() {
        assert_eq!(label_text(&Labels::Single(vec![4, 9]), 1), "9");
        let multi = Labels::Multi {
            classes: 3,
            matrix: vec![true, false, true, false, true, false],
        };
        assert_eq!(label_text(&multi, 0), "0,2");
        assert_eq!(label_text(&multi, 1), "1");
    }

    #[test]
    fn a_database_image_is_found_by_its_path() {
        let codes = CodeMatrix::from_packed(8, vec![1, 2]).unwrap();
        let db = CodeDb {
            codes,
            ids: Some(vec!["a/x.png".into(), "b/y.png".into()]),
            labels: None,
        };
        assert_eq!(stored_code(&db, Path::new("b/y.png")), Some(1));
        assert_eq!(stored_code(&db, Path::new("/photos/a/x.png")), Some(0));
        assert_eq!(stored_code(&db, Path::new("/photos/aa/x.png")), None);
        assert_eq!(stored_code(&db, Path::new("x.png")), None);
    }
}
