//! Shared pieces of the retrieval workflow (`encode`, `query`, `demo`, `reproduce`,
//! `eval --run`): loading a trained run, turning images into codes, writing code files,
//! thumbnails for the report. Evaluating a run and writing its report: [`evaluation`].

pub mod evaluation;
pub mod final_codes;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use deephash_codes::{CodeDb, CodeMatrix, Labels, write_codes_npy, write_labels_npy};
use deephash_data::{
    DEFAULT_MAX_PIXELS, DatasetKind, DatasetSpec, RgbImage, Sample, decode_file, resize_bilinear,
};
use deephash_model::DeviceSpec;
use deephash_report::Thumbnail;
use deephash_train::dataset_source::DatasetSource;
use deephash_train::memory_source::{MemorySource, transforms_for};
use deephash_train::{ImageSource, TrainedModel};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

/// Images decoded, transformed and embedded per step (bounds memory on large folders).
pub const ENCODE_CHUNK: usize = 256;
/// Side of the report's thumbnails, in pixels.
pub const THUMB_SIDE: u32 = 64;

/// Loads `RUN` (its `config.toml` and final `model.bpk`) on `--device`.
pub fn load_model(run: &Path, device: &str) -> anyhow::Result<TrainedModel> {
    let spec: DeviceSpec = device.parse()?;
    let device = spec.device()?;
    TrainedModel::load(run, &device)
        .with_context(|| format!("cannot load the trained run {}", run.display()))
}

/// A progress bar over `len` items with a rate, or a hidden one when `len` is 0.
pub fn progress(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    let style =
        ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {per_sec} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}

/// Codes of the images `paths` (relative to `root`): decoded, with the run's evaluation
/// transform, embedded in batches of `batch` and binarised by sign.
pub fn encode_files(
    model: &TrainedModel,
    root: &Path,
    paths: &[PathBuf],
    batch: usize,
) -> anyhow::Result<CodeMatrix> {
    let bar = progress(paths.len(), "encoding");
    let mut values = Vec::with_capacity(paths.len() * model.bits());
    for chunk in paths.chunks(ENCODE_CHUNK) {
        let images = chunk
            .par_iter()
            .map(|p| decode_file(&root.join(p), DEFAULT_MAX_PIXELS).map_err(anyhow::Error::from))
            .collect::<anyhow::Result<Vec<RgbImage>>>()?;
        values.extend(embed_images(model, images, batch)?);
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    codes_from_values(&values, model.bits())
}

/// Relaxed codes of decoded images with the run's evaluation transform.
pub fn embed_images(
    model: &TrainedModel,
    images: Vec<RgbImage>,
    batch: usize,
) -> anyhow::Result<Vec<f32>> {
    let (train, eval) = transforms_for(model.backbone());
    let n = images.len();
    let source = MemorySource::new(images, vec![Vec::new(); n], train, eval, "encode".into())?;
    let rows: Vec<usize> = (0..n).collect();
    Ok(model.embed_source(&source, &rows, batch.max(1))?.values)
}

/// Codes of the images `rows` of a data set, embedded in chunks under a progress bar.
pub fn encode_source(
    model: &TrainedModel,
    source: &dyn ImageSource,
    rows: &[usize],
    batch: usize,
    what: &str,
) -> anyhow::Result<CodeMatrix> {
    let bar = progress(rows.len(), what);
    let mut values = Vec::with_capacity(rows.len() * model.bits());
    for chunk in rows.chunks(ENCODE_CHUNK) {
        values.extend(model.embed_source(source, chunk, batch.max(1))?.values);
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    codes_from_values(&values, model.bits())
}

fn codes_from_values(values: &[f32], bits: usize) -> anyhow::Result<CodeMatrix> {
    CodeMatrix::from_signs(values, bits)
        .context("the network produced codes that cannot be binarised")
}

/// Label sets as [`Labels`]: one class each when every item has exactly one, else a 0/1
/// matrix over all classes seen (multi-label).
pub fn labels_from_sets(sets: &[Vec<u32>]) -> Labels {
    if sets.iter().all(|s| s.len() == 1) {
        return Labels::Single(sets.iter().map(|s| i64::from(s[0])).collect());
    }
    let classes = sets.iter().flatten().max().map_or(0, |&m| m as usize + 1);
    let mut matrix = vec![false; sets.len() * classes];
    for (i, set) in sets.iter().enumerate() {
        set.iter()
            .for_each(|&c| matrix[i * classes + c as usize] = true);
    }
    Labels::Multi { classes, matrix }
}

/// Writes a code database: `.npy` (packed codes; labels in `STEM.labels.npy` and ids, one
/// per line, in `STEM.ids.txt` next to it) or, for any other name, the own `.dhc` format
/// holding all three.
pub fn write_code_file(out: &Path, db: &CodeDb) -> anyhow::Result<Vec<PathBuf>> {
    let is_npy = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    if !is_npy {
        db.write(out)?;
        return Ok(vec![out.to_path_buf()]);
    }
    write_codes_npy(out, &db.codes)?;
    let mut written = vec![out.to_path_buf()];
    if let Some(labels) = &db.labels {
        let path = out.with_extension("labels.npy");
        write_labels_npy(&path, labels)?;
        written.push(path);
    }
    if let Some(ids) = &db.ids {
        let path = out.with_extension("ids.txt");
        let text: String = ids.iter().map(|id| format!("{id}\n")).collect();
        std::fs::write(&path, text)
            .with_context(|| format!("{}: cannot write the ids", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// Ids must be one line each in `.ids.txt` files: refuses ids with line breaks.
pub fn check_ids(ids: &[String]) -> anyhow::Result<()> {
    if let Some(bad) = ids.iter().find(|id| id.contains(['\n', '\r'])) {
        bail!("the image path {bad:?} contains a line break; rename it");
    }
    Ok(())
}

/// A report thumbnail of a decoded image: its shorter side scaled to [`THUMB_SIDE`] and
/// centre-cropped to a square (small images such as Fashion-MNIST are kept as they are).
pub fn thumbnail(img: &RgbImage) -> anyhow::Result<Thumbnail> {
    let side = img.width.min(img.height);
    if side == 0 {
        bail!("an image without pixels has no thumbnail");
    }
    let (x0, y0) = ((img.width - side) / 2, (img.height - side) / 2);
    let mut square = Vec::with_capacity(side as usize * side as usize * 3);
    for y in y0..y0 + side {
        let start = ((y * img.width + x0) * 3) as usize;
        square.extend_from_slice(&img.pixels[start..start + side as usize * 3]);
    }
    let square = RgbImage {
        width: side,
        height: side,
        pixels: square,
    };
    let small = if side > THUMB_SIDE {
        resize_bilinear(&square, THUMB_SIDE, THUMB_SIDE)
    } else {
        square
    };
    Ok(Thumbnail::from_rgb(
        small.width,
        small.height,
        &small.pixels,
    )?)
}

/// Codes of one split (or both) of a named data set, with image ids (the samples' names)
/// and labels. Images get the run's evaluation transform; file images are decoded once into
/// the data crate's decoded-image cache under `cache` when given. With `skip_bad`,
/// unreadable images are logged and left out of the codes.
#[allow(clippy::too_many_arguments)]
pub fn encode_split(
    model: &TrainedModel,
    name: &str,
    data_dir: Option<&Path>,
    split: super::encode::Split,
    batch: usize,
    cache: Option<&Path>,
    skip_bad: bool,
) -> anyhow::Result<CodeDb> {
    let kind: DatasetKind = name.parse()?;
    let dataset = DatasetSpec::new(kind, data_dir.map(Path::to_path_buf)).load()?;
    let samples: Vec<Sample> = match split {
        super::encode::Split::Train => dataset.train,
        super::encode::Split::Test => dataset.test,
        super::encode::Split::All => dataset.train.into_iter().chain(dataset.test).collect(),
    };
    if samples.is_empty() {
        bail!("data set `{name}`: the {split:?} split holds no image");
    }
    let source = dataset_source(
        model,
        samples,
        cache,
        &format!("{name}:{data_dir:?}:{split:?}"),
        skip_bad,
    )?;
    let ids: Vec<String> = source.samples().map(|s| s.name.clone()).collect();
    check_ids(&ids)?;
    let sets: Vec<Vec<u32>> = source.samples().map(|s| s.labels.clone()).collect();
    let rows: Vec<usize> = (0..source.len()).collect();
    let codes = encode_source(model, &source, &rows, batch, "encoding")?;
    Ok(CodeDb {
        codes,
        ids: Some(ids),
        labels: Some(labels_from_sets(&sets)),
    })
}

/// An image source over `samples` with the run's transforms (evaluation view only is used
/// here) and, for file images, the decoded-image cache in `cache`; with `skip_bad`,
/// unreadable images are left out (see [`DatasetSource::samples`] for the kept ones).
pub fn dataset_source(
    model: &TrainedModel,
    samples: Vec<Sample>,
    cache: Option<&Path>,
    key: &str,
    skip_bad: bool,
) -> anyhow::Result<DatasetSource> {
    let (train, eval) = transforms_for(model.backbone());
    Ok(DatasetSource::with_skip_bad(
        samples,
        train,
        eval,
        cache,
        key.to_string(),
        skip_bad,
    )?)
}

/// `deephash train` as a child process of this binary: each run gets its own Ctrl-C
/// handling and exactly the train command's recipe and flags.
pub fn train_command() -> anyhow::Result<std::process::Command> {
    let exe = std::env::current_exe().context("cannot find the deephash binary")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("train");
    Ok(cmd)
}

/// Adds the flags every workflow run passes on, runs the `train_command` child and
/// turns its failure into an error naming the run.
pub fn run_train_child(
    mut cmd: std::process::Command,
    bits: usize,
    run: &Path,
    max_per_class: Option<usize>,
    quiet: bool,
) -> anyhow::Result<()> {
    if let Some(m) = max_per_class {
        cmd.args(["--max-per-class", &m.to_string()]);
    }
    if quiet {
        cmd.arg("--quiet");
    }
    eprintln!("training {bits}-bit codes into {}", run.display());
    let status = cmd.status().context("cannot start `deephash train`")?;
    if !status.success() {
        bail!(
            "training the {bits}-bit run in {} failed ({status})",
            run.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_multi_labels() {
        assert_eq!(
            labels_from_sets(&[vec![3], vec![1]]),
            Labels::Single(vec![3, 1])
        );
        let multi = labels_from_sets(&[vec![0, 2], vec![1]]);
        assert_eq!(
            multi,
            Labels::Multi {
                classes: 3,
                matrix: vec![true, false, true, false, true, false]
            }
        );
    }

    #[test]
    fn thumbnails_are_square_and_small() {
        let img = RgbImage {
            width: 200,
            height: 100,
            pixels: vec![7; 200 * 100 * 3],
        };
        let t = thumbnail(&img).unwrap();
        assert_eq!((t.width(), t.height()), (THUMB_SIDE, THUMB_SIDE));
        let tiny = RgbImage::from_grey(28, 28, &[9; 28 * 28]).unwrap();
        assert_eq!(thumbnail(&tiny).unwrap().width(), 28);
    }

    #[test]
    fn npy_output_writes_sibling_label_and_id_files() {
        let dir = tempfile::tempdir().unwrap();
        let codes = CodeMatrix::from_packed(8, vec![1, 2]).unwrap();
        let db = CodeDb {
            codes,
            ids: Some(vec!["a.jpg".into(), "b.jpg".into()]),
            labels: Some(Labels::Single(vec![0, 1])),
        };
        let written = write_code_file(&dir.path().join("codes.npy"), &db).unwrap();
        assert_eq!(written.len(), 3);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("codes.ids.txt")).unwrap(),
            "a.jpg\nb.jpg\n"
        );
        assert_eq!(
            deephash_codes::read_labels(&dir.path().join("codes.labels.npy")).unwrap(),
            Labels::Single(vec![0, 1])
        );
        let own = dir.path().join("codes.dhc");
        write_code_file(&own, &db).unwrap();
        assert_eq!(CodeDb::read(&own).unwrap(), db);
    }
}
