//! Writes a sample report with synthetic data, to look at in a browser:
//! `cargo run -p deephash-report --example sample_report -- OUT.html`.

#[path = "../tests/common/mod.rs"]
mod common;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sample-report.html".into());
    common::sample_report().write(std::path::Path::new(&out))?;
    println!("wrote {out}");
    Ok(())
}
