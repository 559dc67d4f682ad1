//! An [`ImageSource`] over a data-crate split (files or in-memory images) with its loader,
//! transforms and optional decoded-image cache.

use std::path::Path;

use deephash_data::{DecodedCache, LoaderConfig, Sample, TransformConfig, make_batch};

use crate::TrainError;
use crate::source::ImageSource;

/// One split of a data set, ready to be batched with training or evaluation transforms.
pub struct DatasetSource {
    samples: Vec<Sample>,
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
        let (train, eval) = (LoaderConfig::new(train), LoaderConfig::new(eval));
        let has_files = samples.iter().any(|s| s.path().is_some());
        let cache = match cache_dir {
            Some(dir) if has_files => Some(
                DecodedCache::open_or_build(dir, &samples, &eval.transform, eval.max_pixels, false)
                    .map_err(|e| TrainError::Source(e.to_string()))?,
            ),
            _ => None,
        };
        if train.transform.resize != eval.transform.resize {
            return Err(TrainError::Config(
                "training and evaluation transforms must share the resize (the cached part)".into(),
            ));
        }
        Ok(Self {
            samples,
            train,
            eval,
            cache,
            key,
        })
    }

    /// The samples.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }
}

impl ImageSource for DatasetSource {
    fn len(&self) -> usize {
        self.samples.len()
    }

    fn labels(&self) -> Vec<Vec<u32>> {
        self.samples.iter().map(|s| s.labels.clone()).collect()
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
        let batch = make_batch(&self.samples, indices, 0, &config, self.cache.as_ref())
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
