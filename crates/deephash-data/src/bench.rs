//! Throughput measurement of the input pipeline (used by `deephash bench pipeline`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::cache::DecodedCache;
use crate::dataset::{ImageSource, Sample};
use crate::error::{DataError, Result};
use crate::files::list_images;
use crate::loader::{LoaderConfig, load_batches};
use crate::normalize::Normalization;
use crate::sampler::sequential_batches;
use crate::transform::TransformConfig;

/// What to measure.
#[derive(Debug, Clone)]
pub struct PipelineBench {
    /// Folder of images; `None` generates `count` synthetic 500 x 375 JPEGs first.
    pub images: Option<PathBuf>,
    /// Number of images (at most, from a folder).
    pub count: usize,
    /// Batch size.
    pub batch: usize,
    /// Worker threads (0 = all cores).
    pub threads: usize,
}

/// Results: images per second through the loader with the training transform (resize 256,
/// random crop 224, flip, ImageNet normalisation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PipelineReport {
    /// Images measured.
    pub images: usize,
    /// Threads used.
    pub threads: usize,
    /// Decoding image files each time.
    pub from_files: f64,
    /// Reading resized pixels from the decoded-image cache.
    pub from_cache: f64,
}

/// Runs the measurement (one untimed warm-up batch before each timed pass).
pub fn run_pipeline_bench(cfg: &PipelineBench) -> Result<PipelineReport> {
    let work = std::env::temp_dir().join(format!("deephash-bench-pipeline-{}", std::process::id()));
    let result = run_in(cfg, &work);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn run_in(cfg: &PipelineBench, work: &Path) -> Result<PipelineReport> {
    let dir = match &cfg.images {
        Some(d) => d.clone(),
        None => {
            let d = work.join("images");
            write_synthetic_jpegs(&d, cfg.count)?;
            d
        }
    };
    let samples = Arc::new(samples(&dir, cfg.count)?);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| DataError::Invalid(format!("thread pool: {e}")))?;
    let config = LoaderConfig::new(TransformConfig::train_224(Normalization::imagenet()));
    let batches = sequential_batches(samples.len(), cfg.batch);
    let from_files = pool.install(|| time(&samples, &batches, config, None))?;
    let cache = pool.install(|| {
        DecodedCache::open_or_build(
            &work.join("cache"),
            &samples,
            &config.transform,
            config.max_pixels,
            false,
        )
    })?;
    let from_cache = pool.install(|| time(&samples, &batches, config, Some(Arc::new(cache))))?;
    Ok(PipelineReport {
        images: samples.len(),
        threads: pool.current_num_threads(),
        from_files,
        from_cache,
    })
}

fn time(
    samples: &Arc<Vec<Sample>>,
    batches: &[Vec<usize>],
    config: LoaderConfig,
    cache: Option<Arc<DecodedCache>>,
) -> Result<f64> {
    for b in load_batches(
        samples.clone(),
        batches[..1].to_vec(),
        config,
        cache.clone(),
    ) {
        b?;
    }
    let start = Instant::now();
    let mut n = 0;
    for b in load_batches(samples.clone(), batches.to_vec(), config, cache) {
        let b = b?;
        n += b.shape[0];
        std::hint::black_box(&b.pixels);
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

fn samples(dir: &Path, max: usize) -> Result<Vec<Sample>> {
    let files = list_images(dir)?;
    if files.is_empty() {
        return Err(DataError::layout(dir, "no .jpg/.jpeg/.png images found"));
    }
    Ok(files
        .into_iter()
        .take(max.max(1))
        .map(|rel| Sample {
            source: ImageSource::File(dir.join(&rel)),
            labels: vec![0],
            name: rel.display().to_string(),
        })
        .collect())
}

/// Writes `n` photo-like 500 x 375 JPEGs (smooth gradients plus noise, quality 90) named
/// `00000.jpg`, … into `dir`.
pub fn write_synthetic_jpegs(dir: &Path, n: usize) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    (0..n).into_par_iter().try_for_each(|i| {
        let mut state = (i as u32).wrapping_mul(2_654_435_761) | 1;
        let img = image::RgbImage::from_fn(500, 375, |x, y| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let noise = (state % 24) as f32;
            let (fx, fy) = (x as f32 / 40.0 + i as f32, y as f32 / 30.0);
            image::Rgb([
                (128.0 + 90.0 * fx.sin() * fy.cos() + noise) as u8,
                (128.0 + 80.0 * (fx + fy).cos() + noise) as u8,
                (x as f32 / 2.0 + noise) as u8,
            ])
        });
        let path = dir.join(format!("{i:05}.jpg"));
        let file = std::fs::File::create(&path).map_err(|e| DataError::io(&path, e))?;
        image::codecs::jpeg::JpegEncoder::new_with_quality(std::io::BufWriter::new(file), 90)
            .encode_image(&img)
            .map_err(|e| DataError::Decode {
                path: path.clone(),
                message: e.to_string(),
            })
    })
}
