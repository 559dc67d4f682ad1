//! Running a target over many mutated inputs and collecting findings.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use crate::Mutator;
use crate::targets::Target;

/// An input a target got wrong (a panic or a failed check).
#[derive(Clone, Debug)]
pub struct Finding {
    /// Index of the input in the campaign (replays with the same seed).
    pub iteration: u64,
    /// The input.
    pub input: Vec<u8>,
    /// The panic message or the failed check.
    pub message: String,
}

/// What a campaign did.
#[derive(Clone, Debug)]
pub struct Campaign {
    /// The target's name.
    pub target: &'static str,
    /// Inputs run (the seeds and corpus first, then mutants).
    pub inputs: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Findings, at most the first 20.
    pub findings: Vec<Finding>,
    /// Total number of findings.
    pub finding_count: u64,
}

/// Runs `target` on its seeds and corpus, then on mutants of them until
/// `inputs` inputs in all, the mutations following `seed`.
pub fn run_campaign(target: &Target, inputs: u64, seed: u64) -> Campaign {
    let start = Instant::now();
    let pool = target.inputs();
    let mut mutator = Mutator::new(seed);
    let mut campaign = Campaign {
        target: target.name,
        inputs: 0,
        seconds: 0.0,
        findings: Vec::new(),
        finding_count: 0,
    };
    for iteration in 0..inputs {
        let input = match pool.get(iteration as usize) {
            Some(valid) => valid.clone(),
            None => {
                let mut mutant = mutator.mutant(&pool, target.text);
                if mutator.rng().below(4) != 0 {
                    (target.repair)(&mut mutant);
                }
                mutant
            }
        };
        if let Some(message) = check(target, &input) {
            campaign.finding_count += 1;
            if campaign.findings.len() < 20 {
                campaign.findings.push(Finding {
                    iteration,
                    input,
                    message,
                });
            }
        }
        campaign.inputs += 1;
    }
    campaign.seconds = start.elapsed().as_secs_f64();
    campaign
}

/// The target's verdict on one input: `None` when it returned normally.
fn check(target: &Target, input: &[u8]) -> Option<String> {
    match catch_unwind(AssertUnwindSafe(|| (target.check)(input))) {
        Ok(Ok(())) => None,
        Ok(Err(message)) => Some(message),
        Err(panic) => Some(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .map_or_else(|| "panic".to_owned(), |m| format!("panic: {m}")),
        ),
    }
}
