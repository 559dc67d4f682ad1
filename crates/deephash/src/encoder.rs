//! [`HashEncoder`]: a trained run that turns images into binary codes, with the run's
//! evaluation transform — the one place where network outputs become bits.

use std::path::{Path, PathBuf};

use deephash_codes::{CodeDb, CodeMatrix, DatasetRef, DbMeta, ModelFingerprint};
use deephash_data::{
    DEFAULT_MAX_PIXELS, DatasetKind, DatasetSpec, RgbImage, Sample, Shard, Split, TransformConfig,
    decode_file,
};
use deephash_model::DeviceSpec;
use deephash_train::dataset_source::DatasetSource;
use deephash_train::memory_source::{MemorySource, transforms_for};
use deephash_train::{ImageSource, RunConfig, RunDir, TrainedModel};
use rayon::prelude::*;

use crate::code_file::check_ids;
use crate::labels::labels_from_sets;
use crate::progress::progress;
use crate::{Error, Result};

/// Images decoded, transformed and embedded per step (bounds memory on large folders).
pub const ENCODE_CHUNK: usize = 256;

/// Codes from network outputs (`n x bits`, row-major): bit 1 where the output is positive.
/// Every code deephash makes from a network goes through here.
///
/// ```
/// let codes = deephash::codes_from_outputs(&[0.5, -1.0, 0.0, 2.0, 1.0, 1.0, -3.0, 0.1], 8)?;
/// assert_eq!(codes.code(0), &[0b1001_1101]);
/// assert!(deephash::codes_from_outputs(&[f32::NAN; 8], 8).is_err());
/// # Ok::<(), deephash::Error>(())
/// ```
pub fn codes_from_outputs(values: &[f32], bits: usize) -> Result<CodeMatrix> {
    CodeMatrix::from_signs(values, bits).map_err(Error::Binarise)
}

/// A finished run loaded for encoding: `RUN/config.toml` and `RUN/model.bpk` on a device.
///
/// ```no_run
/// use deephash::{DeviceSpec, HashEncoder};
/// # fn main() -> deephash::Result<()> {
/// let encoder = HashEncoder::open("deephash-demo/runs/fm64".as_ref(), &DeviceSpec::Cpu)?;
/// let encoded = encoder.encode_folder("photos".as_ref(), 64)?;
/// println!("{} codes of {} bits", encoded.db.codes.len(), encoder.bits());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct HashEncoder {
    run: PathBuf,
    model: TrainedModel,
    fingerprint: ModelFingerprint,
}

/// Codes with what is known about them: the code database and its metadata (class names,
/// source data set), as written to a `.dhc` file.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    /// Codes, ids and labels.
    pub db: CodeDb,
    /// Class names, source data set, model fingerprint.
    pub meta: DbMeta,
}

/// Which images of a named data set to encode, and how.
#[derive(Debug, Clone)]
pub struct SplitRequest {
    /// The data set.
    pub kind: DatasetKind,
    /// Its folder (`None`: the data set's default location).
    pub data_dir: Option<PathBuf>,
    /// Which part of it.
    pub split: Split,
    /// Images per forward pass.
    pub batch: usize,
    /// Folder of the decoded-image cache for file data sets (decoded once, reused).
    pub cache: Option<PathBuf>,
    /// Log and leave out unreadable images instead of stopping.
    pub skip_bad: bool,
    /// Which shard of the split to encode ([`Shard::ALL`]: all of it); the shards' code files
    /// merge back in shard order ([`deephash_codes::merge_db_files`]) into the whole split's.
    pub shard: Shard,
}

impl HashEncoder {
    /// Loads the finished run `run` onto `device`.
    pub fn open(run: &Path, device: &DeviceSpec) -> Result<Self> {
        let device = device.device()?;
        let model = TrainedModel::load(run, &device).map_err(|e| {
            Error::from(e).context(format!("cannot load the trained run {}", run.display()))
        })?;
        let fingerprint = fingerprint(run, &model)?;
        Ok(Self {
            run: run.to_path_buf(),
            model,
            fingerprint,
        })
    }

    /// Which model this is: recorded with every code database it makes, and compared with
    /// the record of a database it is asked to search.
    pub fn fingerprint(&self) -> &ModelFingerprint {
        &self.fingerprint
    }

    /// The run directory.
    pub fn run(&self) -> &Path {
        &self.run
    }

    /// The loaded network and its configuration.
    pub fn model(&self) -> &TrainedModel {
        &self.model
    }

    /// The run's configuration.
    pub fn config(&self) -> &RunConfig {
        self.model.config()
    }

    /// Code length in bits.
    pub fn bits(&self) -> usize {
        self.model.bits()
    }

    /// The evaluation transform of the run's backbone (what every encoded image gets).
    pub fn transform(&self) -> TransformConfig {
        transforms_for(self.model.backbone()).1
    }

    /// Codes of decoded images, `batch` per forward pass.
    pub fn encode_images(&self, images: Vec<RgbImage>, batch: usize) -> Result<CodeMatrix> {
        let (train, eval) = transforms_for(self.model.backbone());
        let n = images.len();
        let source = MemorySource::new(images, vec![Vec::new(); n], train, eval, "encode".into())?;
        let rows: Vec<usize> = (0..n).collect();
        let values = self
            .model
            .embed_source(&source, &rows, batch.max(1))?
            .values;
        codes_from_outputs(&values, self.bits())
    }

    /// Codes of the image files `paths` (relative to `root`), decoded in parallel, in
    /// chunks under a progress bar.
    pub fn encode_files(&self, root: &Path, paths: &[PathBuf], batch: usize) -> Result<CodeMatrix> {
        let bar = progress(paths.len(), "encoding");
        let mut bytes = Vec::with_capacity(paths.len() * self.bits() / 8);
        for chunk in paths.chunks(ENCODE_CHUNK) {
            let images = chunk
                .par_iter()
                .map(|p| decode_file(&root.join(p), DEFAULT_MAX_PIXELS).map_err(Error::from))
                .collect::<Result<Vec<RgbImage>>>()?;
            bytes.extend(self.encode_images(images, batch)?.into_bytes());
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        Ok(CodeMatrix::from_packed(self.bits(), bytes)?)
    }

    /// Every image under `dir` (sorted by relative path): ids are the paths relative to
    /// `dir`, no labels.
    pub fn encode_folder(&self, dir: &Path, batch: usize) -> Result<Encoded> {
        self.encode_folder_shard(dir, batch, Shard::ALL)
    }

    /// Shard `shard` of the images under `dir` (sorted by relative path; see
    /// [`HashEncoder::encode_folder`]).
    pub fn encode_folder_shard(&self, dir: &Path, batch: usize, shard: Shard) -> Result<Encoded> {
        let paths = shard.select(deephash_data::list_images(dir)?);
        if paths.is_empty() {
            return Err(Error::NoImages(dir.to_path_buf()));
        }
        let ids: Vec<String> = paths
            .iter()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .collect();
        check_ids(&ids)?;
        let codes = self
            .encode_files(dir, &paths, batch)
            .map_err(|e| e.context(format!("encoding {}", dir.display())))?;
        let db = CodeDb {
            codes,
            ids: Some(ids),
            labels: None,
        };
        let meta = DbMeta {
            model: Some(self.fingerprint.clone()),
            ..DbMeta::default()
        };
        Ok(Encoded { db, meta })
    }

    /// Codes of the images `rows` of `source`, in chunks under a progress bar named `what`.
    pub fn encode_source(
        &self,
        source: &dyn ImageSource,
        rows: &[usize],
        batch: usize,
        what: &str,
    ) -> Result<CodeMatrix> {
        let bar = progress(rows.len(), what);
        let mut values = Vec::with_capacity(rows.len() * self.bits());
        for chunk in rows.chunks(ENCODE_CHUNK) {
            values.extend(self.model.embed_source(source, chunk, batch.max(1))?.values);
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        codes_from_outputs(&values, self.bits())
    }

    /// An image source over `samples` with the run's transforms and, for file images, the
    /// decoded-image cache in `cache` under `key`; with `skip_bad`, unreadable images are
    /// left out (see [`DatasetSource::samples`] for the kept ones).
    pub fn dataset_source(
        &self,
        samples: Vec<Sample>,
        cache: Option<&Path>,
        key: &str,
        skip_bad: bool,
    ) -> Result<DatasetSource> {
        let (train, eval) = transforms_for(self.model.backbone());
        Ok(DatasetSource::with_skip_bad(
            samples,
            train,
            eval,
            cache,
            key.to_string(),
            skip_bad,
        )?)
    }

    /// Codes of a split of a named data set, with image ids (the samples' names), labels,
    /// and in the metadata the class names and the data set (so that a retriever can show
    /// class names and find the images again, also those that live in memory).
    pub fn encode_split(&self, request: &SplitRequest) -> Result<Encoded> {
        let name = request.kind.name();
        let dataset = DatasetSpec::new(request.kind, request.data_dir.clone()).load()?;
        let meta = DbMeta {
            class_names: dataset.class_names.clone(),
            dataset: Some(DatasetRef {
                kind: name.to_string(),
                dir: request.data_dir.as_ref().map(|d| d.display().to_string()),
            }),
            model: Some(self.fingerprint.clone()),
        };
        let samples = request.shard.select(dataset.into_split(request.split));
        if samples.is_empty() {
            return Err(Error::EmptySplit {
                dataset: name.to_string(),
                split: request.split,
            });
        }
        let mut key = format!(
            "{name}:{:?}:{:?}",
            request.data_dir.as_deref(),
            request.split
        );
        if !request.shard.is_all() {
            key.push_str(&format!(":shard {}", request.shard));
        }
        let source =
            self.dataset_source(samples, request.cache.as_deref(), &key, request.skip_bad)?;
        let ids: Vec<String> = source.samples().map(|s| s.name.clone()).collect();
        check_ids(&ids)?;
        let sets: Vec<Vec<u32>> = source.samples().map(|s| s.labels.clone()).collect();
        let rows: Vec<usize> = (0..source.len()).collect();
        let codes = self.encode_source(&source, &rows, request.batch, "encoding")?;
        let db = CodeDb {
            codes,
            ids: Some(ids),
            labels: Some(labels_from_sets(&sets)),
        };
        Ok(Encoded { db, meta })
    }
}

/// The fingerprint of a loaded run: its directory, the CRC-32 of its weights file, its code
/// length and its evaluation transform.
fn fingerprint(run: &Path, model: &TrainedModel) -> Result<ModelFingerprint> {
    let weights = RunDir::open(run)?.model_path();
    let bytes = std::fs::read(&weights).map_err(|e| Error::io(&weights, e))?;
    Ok(ModelFingerprint {
        run: run.display().to_string(),
        weights: format!("{:08x}", crc32fast::hash(&bytes)),
        bits: model.bits(),
        transform: format!(
            "{}: {:?}",
            model.backbone(),
            transforms_for(model.backbone()).1
        ),
    })
}
