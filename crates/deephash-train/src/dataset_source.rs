//! An [`ImageSource`] over a data-crate split (files or in-memory images) with its loader,
//! transforms and optional decoded-image cache.

use std::path::Path;

use deephash_data::{DecodedCache, LoaderConfig, Sample, TransformConfig, make_batch};

use crate::TrainError;
use crate::source::ImageSource;

/// One split of a data set, ready to be batched with training or evaluation transforms.
///
/// With `skip_bad`, images that cannot be read are dropped once, when the source is built
/// (logged with their names), so row `i` of the source is the `i`-th readable sample.
pub struct DatasetSource {
    samples: Vec<Sample>,
    /// Index into `samples` (and the decoded-image cache) of each row of the source.
    rows: Vec<usize>,
    train: LoaderConfig,
    eval: LoaderConfig,
    cache: Option<DecodedCache>,
    key: String,
}

impl DatasetSource {
    /// `samples` with the training and evaluation transforms; with `cache_dir`, file images
    /// are decoded and resized once into the data crate's memory-mapped cache there.
    pub fn new(
        samples: Vec<Sample>,
        train: TransformConfig,
        eval: TransformConfig,
        cache_dir: Option<&Path>,
        key: String,
    ) -> Result<Self, TrainError> {
        Self::with_skip_bad(samples, train, eval, cache_dir, key, false)
    }

    /// As [`DatasetSource::new`]; with `skip_bad`, unreadable images are logged and left out
    /// instead of failing (they are found while building the cache, or by decoding every
    /// image once when there is no cache).
    pub fn with_skip_bad(
        samples: Vec<Sample>,
        train: TransformConfig,
        eval: TransformConfig,
        cache_dir: Option<&Path>,
        key: String,
        skip_bad: bool,
    ) -> Result<Self, TrainError> {
        let (train, eval) = (LoaderConfig::new(train), LoaderConfig::new(eval));
        if train.transform.resize != eval.transform.resize {
            return Err(TrainError::Config(
                "training and evaluation transforms must share the resize (the cached part)".into(),
            ));
        }
        let has_files = samples.iter().any(|s| s.path().is_some());
        let cache = match cache_dir {
            Some(dir) if has_files => Some(
                DecodedCache::open_or_build(
                    dir,
                    &samples,
                    &eval.transform,
                    eval.max_pixels,
                    skip_bad,
                )
                .map_err(|e| TrainError::Source(e.to_string()))?,
            ),
            _ => None,
        };
        let readable: Vec<bool> = match (&cache, skip_bad) {
            (_, false) => vec![true; samples.len()],
            (Some(c), true) => (0..samples.len()).map(|i| c.has_image(i)).collect(),
            (None, true) => readable_without_cache(&samples, eval.max_pixels),
        };
        let rows: Vec<usize> = (0..samples.len()).filter(|&i| readable[i]).collect();
        let skipped = samples.len() - rows.len();
        if skipped > 0 {
            tracing::warn!("{key}: skipped {skipped} unreadable images (--skip-bad)");
        }
        Ok(Self {
            samples,
            rows,
            train,
            eval,
            cache,
            key,
        })
    }

    /// The samples in row order (the readable ones only, with `skip_bad`).
    pub fn samples(&self) -> impl ExactSizeIterator<Item = &Sample> {
        self.rows.iter().map(|&i| &self.samples[i])
    }
}

/// Which of `samples` decode (in parallel), each failure logged with the image's name.
fn readable_without_cache(samples: &[Sample], max_pixels: u64) -> Vec<bool> {
    use rayon::prelude::*;
    samples
        .par_iter()
        .map(|s| match s.load(max_pixels) {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!("skipping {}: {e}", s.name);
                false
            }
        })
        .collect()
}

impl ImageSource for DatasetSource {
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn labels(&self) -> Vec<Vec<u32>> {
        self.samples().map(|s| s.labels.clone()).collect()
    }

    fn pixels(
        &self,
        indices: &[usize],
        augment: Option<u64>,
    ) -> Result<(Vec<f32>, [usize; 4]), TrainError> {
        let config = match augment {
            Some(seed) => LoaderConfig { seed, ..self.train },
            None => self.eval,
        };
        let sample_indices = indices
            .iter()
            .map(|&row| {
                self.rows.get(row).copied().ok_or_else(|| {
                    TrainError::Source(format!("row {row} of {} out of range", self.rows.len()))
                })
            })
            .collect::<Result<Vec<usize>, _>>()?;
        let batch = make_batch(
            &self.samples,
            &sample_indices,
            0,
            &config,
            self.cache.as_ref(),
        )
        .map_err(|e| TrainError::Source(e.to_string()))?;
        if batch.indices.len() != indices.len() {
            return Err(TrainError::Source(format!(
                "{} of {} images of a batch could not be read",
                indices.len() - batch.indices.len(),
                indices.len()
            )));
        }
        Ok((batch.pixels, batch.shape))
    }

    fn cache_key(&self) -> String {
        self.key.clone()
    }
}
