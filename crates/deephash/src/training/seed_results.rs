//! A reproduction's results next to the seed's published numbers: the Markdown table that
//! `deephash reproduce` prints and writes to `results.md`, and the report's model line.

use std::fmt::Write as _;

use deephash_train::loss::LossKind;

use super::seed::{SeedRun, seed_margin};

/// One code length's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedRow {
    /// Code length.
    pub bits: usize,
    /// Our test mAP.
    pub map: f64,
    /// The seed's published mAP, when it published one.
    pub published: Option<f64>,
    /// Seconds of training.
    pub train_s: f64,
    /// Seconds of evaluation.
    pub eval_s: f64,
}

/// The report's description of the model and its loss.
pub fn model_fact(loss: LossKind) -> String {
    let loss = match loss {
        LossKind::Triplet => "the seed's triplet loss",
        LossKind::Csq => "the CSQ loss (instead of the seed's triplet loss)",
        LossKind::Orthohash => "the OrthoHash loss (instead of the seed's triplet loss)",
    };
    format!(
        "ResNet-18 (ImageNet weights) fine-tuned, linear hash head, tanh; {loss} and the seed's SGD"
    )
}

/// The Markdown table: our mAP next to the seed's, with run times.
pub fn results_table(run: &SeedRun, rows: &[SeedRow]) -> String {
    let mut t = format!(
        "# {} with the seed's configuration (ResNet-18 fine-tuned, {} loss, device {})\n\n\
         | bits | margin | our mAP | seed's mAP | difference | training | evaluation |\n\
         |-----:|-------:|--------:|-----------:|-----------:|---------:|-----------:|\n",
        run.dataset, run.loss, run.device
    );
    for r in rows {
        let (seed, diff) = match r.published {
            Some(p) => (format!("{p:.4}"), format!("{:+.4}", r.map - p)),
            None => ("-".into(), "-".into()),
        };
        let _ = writeln!(
            t,
            "| {} | {} | {:.4} | {seed} | {diff} | {:.0} s | {:.0} s |",
            r.bits,
            seed_margin(r.bits),
            r.map,
            r.train_s,
            r.eval_s
        );
    }
    t.push_str(
        "\nOur protocol: the epoch is chosen on a validation split carved from the training \
         split; every test image then queries the whole training split once. The seed's numbers \
         are from its README (1000-4000 epochs, model chosen on the test split).\n",
    );
    t
}
