//! A synthetic but internally consistent report: codes of 10 clustered classes, their real
//! distance histograms, plausible curves and patterned thumbnails. Shared by the tests and
//! the `sample_report` example (which writes it for a look in a browser).

use deephash_codes::{CodeMatrix, Labels};
use deephash_report::{
    BitsResult, DistanceHistogram, ExampleGrid, ExampleHit, ExampleQuery, PrPoint, Report,
    Thumbnail,
};

/// xorshift64: a tiny deterministic generator, enough for test data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// `n` codes of `bits` bits: class `i % classes` centre with each bit flipped with probability `flip`/256.
pub fn clustered_codes(
    rng: &mut Rng,
    n: usize,
    bits: usize,
    classes: usize,
    flip: u64,
) -> (CodeMatrix, Labels) {
    let centres: Vec<u64> = (0..classes)
        .map(|c| Rng(0x9E37_79B9 + c as u64 * 7919).next())
        .collect();
    let mut emb = Vec::with_capacity(n * bits);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % classes;
        labels.push(c as i64);
        for b in 0..bits {
            let centre_bit = (centres[c].rotate_left(b as u32 * 13) >> (b % 64)) & 1 == 1;
            let flipped = rng.next() % 256 < flip;
            emb.push(if centre_bit != flipped { 1.0 } else { -1.0 });
        }
    }
    (
        CodeMatrix::from_signs(&emb, bits).unwrap(),
        Labels::Single(labels),
    )
}

/// A result for `bits` with a real histogram and smooth made-up curves.
pub fn bits_result(bits: usize, map: f64) -> BitsResult {
    let mut rng = Rng(bits as u64 * 31 + 1);
    let (q, ql) = clustered_codes(&mut rng, 60, bits, 10, 40);
    let (db, dbl) = clustered_codes(&mut rng, 300, bits, 10, 40);
    let histogram = DistanceHistogram::from_codes(&q, &ql, &db, &dbl).unwrap();
    let pr_curve = (0..=bits as u32)
        .map(|r| {
            let t = r as f64 / bits as f64;
            PrPoint {
                radius: r,
                recall: (1.0 - (-6.0 * t).exp()).min(1.0),
                precision: 0.1 + (map - 0.1) * (1.0 - t * t),
            }
        })
        .collect();
    let precision_at_k = [1, 5, 10, 20, 50, 100, 200, 500, 1000]
        .iter()
        .map(|&k| (k, map * (1.0 - (k as f64).ln() / 40.0)))
        .collect();
    BitsResult {
        bits,
        map,
        map_tie_aware: Some(map - 0.004),
        radius: 2,
        precision_radius: map * 0.9,
        recall_radius: 0.05 * bits as f64 / 16.0,
        precision_at_k,
        pr_curve,
        histogram: Some(histogram),
    }
}

/// A 28 × 28 greyscale pattern that differs by class and item.
pub fn thumb(class: usize, item: usize) -> Thumbnail {
    let pixels: Vec<u8> = (0..28 * 28)
        .map(|p| {
            let (x, y) = (p % 28, p / 28);
            let stripe = (x * (class + 1) + y * (item % 3 + 1)) % 14 < 7;
            if stripe { 40 + 20 * class as u8 } else { 230 }
        })
        .collect();
    Thumbnail::from_gray(28, 28, &pixels).unwrap()
}

/// Three example queries with ten hits each, some irrelevant.
pub fn examples(bits: usize) -> ExampleGrid {
    let queries = (0..3)
        .map(|q| ExampleQuery {
            image: thumb(q, 0),
            label: format!("class <{q}>"),
            hits: (0..10)
                .map(|h| {
                    let relevant = (h + q) % 4 != 3;
                    let class = if relevant { q } else { (q + 1) % 10 };
                    ExampleHit {
                        image: thumb(class, h + 1),
                        label: format!("class <{class}>"),
                        distance: h as u32 / 2,
                        relevant,
                    }
                })
                .collect(),
        })
        .collect();
    ExampleGrid { bits, queries }
}

/// The full sample report at 16, 32 and 64 bits.
pub fn sample_report() -> Report {
    Report {
        title: "deephash sample report & <checks>".into(),
        facts: vec![
            ("Data set".into(), "synthetic clustered codes".into()),
            (
                "Protocol".into(),
                "test queries against the training database".into(),
            ),
        ],
        results: vec![
            bits_result(16, 0.71),
            bits_result(32, 0.8),
            bits_result(64, 0.86),
        ],
        examples: Some(examples(64)),
    }
}
