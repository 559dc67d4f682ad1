//! Parity with Pillow (torchvision's PIL path) on fixtures written by
//! `scripts/make_resize_fixtures.py` (Pillow 13.0.0).

use std::path::{Path, PathBuf};

use deephash_data::resize::{PassOrder, resize_bilinear_with};
use deephash_data::{DEFAULT_MAX_PIXELS, RgbImage, decode_file};

fn fixtures(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(sub)
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().unwrap())
}

fn max_abs_diff(a: &[u8], b: &[u8]) -> u8 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| x.abs_diff(*y))
        .max()
        .unwrap_or(0)
}

/// Measured: 0 on every case, against Pillow 13.0.0 (default order) and 12.0.0 (horizontal first):
/// a bit-exact port of Pillow's resampler.
#[test]
fn resize_matches_pillow_bilinear_exactly() {
    let mut cases = 0;
    for entry in std::fs::read_dir(fixtures("resize")).unwrap() {
        let path = entry.unwrap().path();
        let b = std::fs::read(&path).unwrap();
        let (iw, ih, ow, oh) = (u32_at(&b, 0), u32_at(&b, 1), u32_at(&b, 2), u32_at(&b, 3));
        let order = if u32_at(&b, 4) >= 13 {
            PassOrder::Pillow13
        } else {
            PassOrder::HorizontalFirst
        };
        let n_in = (iw * ih * 3) as usize;
        let src = RgbImage::new(iw, ih, b[20..20 + n_in].to_vec()).unwrap();
        let expected = &b[20 + n_in..];
        let got = resize_bilinear_with(&src, ow, oh, order);
        assert_eq!(max_abs_diff(&got.pixels, expected), 0, "{}", path.display());
        cases += 1;
    }
    assert!(cases >= 16, "fixtures missing: found {cases}");
}

/// Decoding against PIL's `convert("RGB")`. PNG is lossless: exact. JPEG decoders differ in IDCT
/// and chroma upsampling (zune-jpeg vs libjpeg-turbo); the measured maxima (Pillow 13.0.0: grey 1,
/// colour 4:2:0 4, CMYK 1 levels of 255) are asserted as bounds.
#[test]
fn decode_matches_pillow_within_measured_bounds() {
    // (file, max allowed abs difference per channel value)
    let cases = [
        ("palette.png", 0),
        ("grey_alpha.png", 0),
        ("grey.jpg", 1),
        ("colour.jpg", 4),
        ("cmyk.jpg", 1),
    ];
    for (name, bound) in cases {
        let path = fixtures("decode").join(name);
        let got = decode_file(&path, DEFAULT_MAX_PIXELS).unwrap();
        let b = std::fs::read(path.with_extension("rgb")).unwrap();
        assert_eq!(
            (got.width, got.height),
            (u32_at(&b, 0), u32_at(&b, 1)),
            "{name}"
        );
        let diff = max_abs_diff(&got.pixels, &b[8..]);
        eprintln!("{name}: max abs difference to PIL = {diff}");
        assert!(diff <= bound, "{name}: max abs difference {diff} > {bound}");
    }
}
