//! Shared by the fuzz test binaries: the campaign report.
#![allow(dead_code)]

use std::path::PathBuf;

use deephash_fuzz::{Campaign, run_campaign, targets};

pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Runs every target (or those named in `FUZZ_TARGETS`, comma-separated) for
/// `inputs` inputs each, prints a table, saves findings and fails on any.
pub fn run_all(inputs: u64, seed: u64) {
    let only = std::env::var("FUZZ_TARGETS").ok();
    let chosen: Vec<_> = targets::ALL
        .iter()
        .filter(|t| {
            only.as_deref()
                .is_none_or(|o| o.split(',').any(|n| n == t.name))
        })
        .collect();
    println!("| target | inputs | seconds | inputs/s | findings |");
    println!("|---|---:|---:|---:|---:|");
    let mut failed = Vec::new();
    for target in chosen {
        let campaign = run_campaign(target, inputs, seed);
        println!(
            "| {} | {} | {:.1} | {:.0} | {} |",
            campaign.target,
            campaign.inputs,
            campaign.seconds,
            campaign.inputs as f64 / campaign.seconds.max(1e-9),
            campaign.finding_count
        );
        if campaign.finding_count > 0 {
            failed.push(report(&campaign));
        }
    }
    assert!(failed.is_empty(), "findings:\n{}", failed.join("\n"));
}

/// Saves a campaign's findings under the target folder; a summary line each.
fn report(campaign: &Campaign) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-findings");
    let _ = std::fs::create_dir_all(&dir);
    let mut lines = Vec::new();
    for finding in &campaign.findings {
        let path = dir.join(format!("{}-{}.bin", campaign.target, finding.iteration));
        let _ = std::fs::write(&path, &finding.input);
        lines.push(format!(
            "{} input {} ({} bytes, saved as {}): {}",
            campaign.target,
            finding.iteration,
            finding.input.len(),
            path.display(),
            finding.message
        ));
    }
    lines.join("\n")
}
