//! A synthetic but internally consistent report: codes of 10 clustered classes, evaluated for
//! real by `deephash-metrics`, and patterned thumbnails. Shared by the tests and
//! the `sample_report` example (which writes it for a look in a browser).

use deephash_codes::{CodeMatrix, Labels};
use deephash_metrics::EvalConfig;
use deephash_report::{
    EpochPoint, EvalReport, ExampleGrid, ExampleHit, ExampleQuery, Report, Thumbnail, TrainingCurve,
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

/// A real evaluation of clustered codes of `bits` bits (`flip`/256: bit noise, lower is better).
pub fn eval_result(bits: usize, flip: u64) -> EvalReport {
    let mut rng = Rng(bits as u64 * 31 + 1);
    let (q, ql) = clustered_codes(&mut rng, 60, bits, 10, flip);
    let (db, dbl) = clustered_codes(&mut rng, 1200, bits, 10, flip);
    deephash_metrics::evaluate(&q, &ql, &db, &dbl, &EvalConfig::default()).unwrap()
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
            eval_result(16, 40),
            eval_result(32, 48),
            eval_result(64, 56),
        ],
        examples: Some(examples(64)),
        training: vec![training(16, None), training(64, Some("csq"))],
    }
}

/// A training history of 6 epochs: the loss falls, every second epoch validated.
pub fn training(bits: usize, chosen: Option<&str>) -> TrainingCurve {
    TrainingCurve {
        label: format!("{bits} bits"),
        epochs: (1..=6)
            .map(|epoch| EpochPoint {
                epoch,
                loss: 8.0 / epoch as f64 + bits as f64 / 100.0,
                val_map: (epoch % 2 == 0)
                    .then(|| 0.5 + epoch as f64 / 20.0 - 16.0 / bits as f64 / 10.0),
            })
            .collect(),
        selection: chosen.map(|loss| {
            format!("{loss}, chosen by validation mAP ({loss} 0.8000, triplet 0.7000)")
        }),
    }
}
