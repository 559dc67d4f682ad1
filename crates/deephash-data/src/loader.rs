//! The parallel batch loader: decode, resize, augment and normalise off the training thread, with a
//! bounded number of batches in flight.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};

use rayon::prelude::*;

use crate::cache::DecodedCache;
use crate::dataset::Sample;
use crate::error::{DataError, Result};
use crate::rgb::RgbImage;
use crate::sampler::mix;
use crate::transform::TransformConfig;

/// One batch, ready for a network: `pixels` is `N x 3 x H x W` row-major `f32`.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The normalised pixels, sample after sample, each CHW.
    pub pixels: Vec<f32>,
    /// `[N, 3, H, W]`.
    pub shape: [usize; 4],
    /// Labels of each sample.
    pub labels: Vec<Vec<u32>>,
    /// Index of each sample in the split (after skipping bad images, if asked to).
    pub indices: Vec<usize>,
}

/// How the loader works.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoaderConfig {
    /// Resize, crop, flip, normalisation.
    pub transform: TransformConfig,
    /// Decompression-bomb limit in pixels.
    pub max_pixels: u64,
    /// Log and skip unreadable images instead of failing.
    pub skip_bad: bool,
    /// Seed of the augmentation; each sample's randomness is `mix(seed, batch, position)`, so results
    /// do not depend on thread scheduling.
    pub seed: u64,
    /// Batches prepared ahead of the consumer (memory bound: `prefetch + 1` batches).
    pub prefetch: usize,
}

impl LoaderConfig {
    /// Defaults: [`crate::DEFAULT_MAX_PIXELS`], fail on bad images, seed 0, 2 batches ahead.
    pub fn new(transform: TransformConfig) -> Self {
        Self {
            transform,
            max_pixels: crate::DEFAULT_MAX_PIXELS,
            skip_bad: false,
            seed: 0,
            prefetch: 2,
        }
    }
}

/// Iterator over batches produced by a background thread (which uses rayon to work on the samples
/// of a batch in parallel). Dropping it stops the producer after its current batch.
pub struct BatchLoader {
    rx: Receiver<Result<Batch>>,
}

impl Iterator for BatchLoader {
    type Item = Result<Batch>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rx.recv().ok()
    }
}

/// Starts loading `batches` (lists of indices into `samples`) with `config`, optionally reading
/// resized pixels from `cache` (built for the same `samples`).
pub fn load_batches(
    samples: Arc<Vec<Sample>>,
    batches: Vec<Vec<usize>>,
    config: LoaderConfig,
    cache: Option<Arc<DecodedCache>>,
) -> BatchLoader {
    let (tx, rx) = sync_channel(config.prefetch.max(1));
    std::thread::spawn(move || {
        for (b, indices) in batches.iter().enumerate() {
            let batch = make_batch(&samples, indices, b as u64, &config, cache.as_deref());
            let failed = batch.is_err();
            if tx.send(batch).is_err() || failed {
                return;
            }
        }
    });
    BatchLoader { rx }
}

/// Builds one batch synchronously (used by the loader thread; also handy for tests and tools).
pub fn make_batch(
    samples: &[Sample],
    indices: &[usize],
    batch_no: u64,
    config: &LoaderConfig,
    cache: Option<&DecodedCache>,
) -> Result<Batch> {
    let prepared: Vec<Result<Option<RgbImage>>> = indices
        .par_iter()
        .map(|&i| prepared_image(samples, i, config, cache))
        .collect();
    let mut kept = Vec::with_capacity(indices.len());
    for (&i, p) in indices.iter().zip(prepared) {
        match p {
            Ok(Some(img)) => kept.push((i, img)),
            Ok(None) => {}
            Err(e) if config.skip_bad => tracing::warn!("skipping: {e}"),
            Err(e) => return Err(e),
        }
    }
    let t = &config.transform;
    let (w, h) = match (t.fixed_output_size(), kept.first()) {
        (Some(s), _) => s,
        (None, Some((_, img))) => t.output_size(img.width, img.height),
        (None, None) => (0, 0),
    };
    let per = 3 * w as usize * h as usize;
    let mut pixels = vec![0.0f32; per * kept.len()];
    pixels
        .par_chunks_mut(per.max(1))
        .zip(kept.par_iter().enumerate())
        .try_for_each(|(out, (pos, (i, img)))| {
            if t.output_size(img.width, img.height) != (w, h) {
                return Err(DataError::Invalid(format!(
                    "{}: gives a {} x {} input, the batch is {w} x {h} (set a resize or crop)",
                    samples[*i].name, img.width, img.height
                )));
            }
            t.finish_into(img, mix(mix(config.seed, batch_no), pos as u64), out)
        })?;
    Ok(Batch {
        shape: [kept.len(), 3, h as usize, w as usize],
        labels: kept
            .iter()
            .map(|(i, _)| samples[*i].labels.clone())
            .collect(),
        indices: kept.iter().map(|(i, _)| *i).collect(),
        pixels,
    })
}

/// The resized image of sample `i`: from the cache when it has it, else decoded and resized.
fn prepared_image(
    samples: &[Sample],
    i: usize,
    config: &LoaderConfig,
    cache: Option<&DecodedCache>,
) -> Result<Option<RgbImage>> {
    let sample = samples
        .get(i)
        .ok_or_else(|| DataError::Invalid(format!("sample index {i} out of range")))?;
    if let Some(c) = cache {
        match c.get(i) {
            Ok(img) => return Ok(img),
            Err(e) => tracing::warn!("{e}; decoding {} instead", sample.name),
        }
    }
    Ok(Some(
        config.transform.prepare(&sample.load(config.max_pixels)?),
    ))
}
