//! `deephash export`: a code database as files another system imports (`deephash-milvus`).

/// Runs `deephash export`.
pub fn run(request: deephash_milvus::ExportRequest) -> anyhow::Result<()> {
    let (n, files) = request.run()?;
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    eprintln!("exported {n} codes: {}", names.join(", "));
    Ok(())
}
