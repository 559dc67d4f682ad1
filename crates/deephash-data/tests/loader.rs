//! The batch loader and the decoded-image cache on generated images.

use std::path::Path;
use std::sync::Arc;

use deephash_data::{
    DatasetKind, DatasetSpec, DecodedCache, LoaderConfig, Normalization, Sample, TransformConfig,
    epoch_rng, load_batches, pk_batches, sequential_batches,
};

fn write_image(path: &Path, shade: u8, w: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image::RgbImage::from_fn(w, 20, |x, y| {
        image::Rgb([shade, (x * 9) as u8, (y * 11) as u8])
    })
    .save(path)
    .unwrap();
}

fn samples(dir: &Path) -> Vec<Sample> {
    for c in 0..3u8 {
        for k in 0..4u8 {
            write_image(
                &dir.join(format!("c{c}/{k}.png")),
                c * 60 + k,
                30 + u32::from(k),
            );
        }
    }
    let mut spec = DatasetSpec::new(DatasetKind::Folder, Some(dir.to_path_buf()));
    spec.test_fraction = 0.0;
    spec.load().unwrap().train
}

fn config() -> LoaderConfig {
    let mut t = TransformConfig::train_224(Normalization::imagenet());
    t.resize = deephash_data::Resize::Exact {
        width: 24,
        height: 24,
    };
    t.crop = Some(deephash_data::Crop {
        width: 16,
        height: 16,
        pad: 0,
        mode: deephash_data::CropMode::Random,
    });
    let mut c = LoaderConfig::new(t);
    c.seed = 11;
    c
}

#[test]
fn pk_batches_have_shape_and_labels_and_cache_gives_the_same_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(samples(&dir.path().join("data")));
    let labels: Vec<Vec<u32>> = s.iter().map(|x| x.labels.clone()).collect();
    let all: Vec<usize> = (0..labels.len()).collect();
    let batches = pk_batches(&labels, &all, 3, 2, &mut epoch_rng(0, 0));
    let direct: Vec<_> = load_batches(s.clone(), batches.clone(), config(), None)
        .map(Result::unwrap)
        .collect();
    assert_eq!(direct.len(), 2);
    assert_eq!(direct[0].shape, [6, 3, 16, 16]);
    assert_eq!(direct[0].pixels.len(), 6 * 3 * 16 * 16);
    for b in &direct {
        for (i, l) in b.indices.iter().zip(&b.labels) {
            assert_eq!(&s[*i].labels, l);
        }
    }
    let cache = DecodedCache::open_or_build(
        &dir.path().join("cache"),
        &s,
        &config().transform,
        u64::MAX,
        false,
    )
    .unwrap();
    assert_eq!(cache.len(), 12);
    let cached: Vec<_> = load_batches(s.clone(), batches, config(), Some(Arc::new(cache)))
        .map(Result::unwrap)
        .collect();
    assert_eq!(direct, cached);
}

#[test]
fn cache_is_rebuilt_when_a_source_changes_and_survives_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let s = samples(&data);
    let t = config().transform;
    let c1 =
        DecodedCache::open_or_build(&dir.path().join("cache"), &s, &t, u64::MAX, false).unwrap();
    let before = c1.get(0).unwrap().unwrap();
    let path = c1.path().to_path_buf();
    drop(c1);
    write_image(&data.join("c0/0.png"), 250, 45);
    let c2 =
        DecodedCache::open_or_build(&dir.path().join("cache"), &s, &t, u64::MAX, false).unwrap();
    let rebuilt = c2.get(0).unwrap().unwrap();
    assert_ne!(rebuilt, before, "stale cache entry served");
    drop(c2);
    // Written through the atomic writer: no temporary left; while another builder holds the
    // cache's temporary, a rebuild is refused naming the cache and the cache stays whole.
    let cache_dir = dir.path().join("cache");
    let names: Vec<_> = std::fs::read_dir(&cache_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [path.file_name().unwrap()]);
    let held = std::fs::File::create(deephash_atomic::temp_sibling(&path)).unwrap();
    held.try_lock().unwrap();
    write_image(&data.join("c0/0.png"), 10, 45);
    let refused = DecodedCache::open_or_build(&cache_dir, &s, &t, u64::MAX, false)
        .err()
        .unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(refused.to_string().contains(&name), "{refused}");
    assert_eq!(
        DecodedCache::open(&path).unwrap().get(0).unwrap().unwrap(),
        rebuilt
    );
    drop(held);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[30] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let c3 = DecodedCache::open(&path).unwrap();
    assert!(c3.get(0).unwrap_err().to_string().contains("checksum"));
    std::fs::write(&path, b"DHCACHE1 short").unwrap();
    assert!(DecodedCache::open(&path).is_err());
}

#[test]
fn bad_image_fails_naming_it_or_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = samples(&dir.path().join("data"));
    let bad = dir.path().join("data/c1/broken.jpg");
    std::fs::write(&bad, b"\xff\xd8\xff\xe0 truncated").unwrap();
    s[5].source = deephash_data::ImageSource::File(bad);
    let s = Arc::new(s);
    let batches = sequential_batches(s.len(), 8);
    let err = load_batches(s.clone(), batches.clone(), config(), None)
        .find_map(Result::err)
        .unwrap();
    assert!(err.to_string().contains("broken.jpg"), "{err}");
    let mut cfg = config();
    cfg.skip_bad = true;
    let got: Vec<_> = load_batches(s.clone(), batches, cfg, None)
        .map(Result::unwrap)
        .collect();
    assert_eq!(got[0].shape[0], 7);
    assert!(!got[0].indices.contains(&5));

    // The cache built with skip_bad marks the entry, and says so without reading pixels.
    let t = config().transform;
    assert!(
        DecodedCache::open_or_build(&dir.path().join("strict"), &s, &t, u64::MAX, false).is_err()
    );
    let cache =
        DecodedCache::open_or_build(&dir.path().join("cache"), &s, &t, u64::MAX, true).unwrap();
    assert!(!cache.has_image(5) && cache.get(5).unwrap().is_none());
    assert!((0..s.len()).filter(|&i| i != 5).all(|i| cache.has_image(i)));
    assert!(!cache.has_image(s.len()), "out of range");
}
