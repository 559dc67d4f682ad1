//! deephash end to end on the bundled Fashion-MNIST subset: train the small CNN (a quick
//! 8-epoch recipe, 64-bit codes), encode the training split as the database and the test
//! split as queries, build a Hamming index, rank the whole database for every test image,
//! and print the mean average precision of those rankings.
//!
//! `cargo run --release -p deephash --example quickstart [RUN_DIR]` (a few minutes on 2 cores).

use deephash::data::{DatasetKind, Shard};
use deephash::index::{IndexKind, build};
use deephash::metrics::average_precision;
use deephash::training::{TrainOptions, TrainSettings, train};
use deephash::{DeviceSpec, HashEncoder, Labels, Split, SplitRequest};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let run = std::env::args().nth(1).unwrap_or("quickstart-run".into());
    if std::path::Path::new(&run).join("config.toml").is_file() {
        std::fs::remove_dir_all(&run)?; // a fresh run each time
    }

    // 1. Train: the small CNN's recipe, shortened to 8 epochs validated once at the end.
    let settings = TrainSettings {
        bits: 64,
        epochs: Some(8),
        validate_every: Some(8),
        ..TrainSettings::default()
    };
    let options = TrainOptions::default();
    let trained = train(run.as_ref(), &settings.run_config()?, &options)?;
    let trained = trained.finished().ok_or("training stopped early")?;
    eprintln!("{}", trained.summary());

    // 2. Encode: database = training split, queries = test split.
    let encoder = HashEncoder::open(run.as_ref(), &DeviceSpec::Cpu)?;
    let split = |split: Split| SplitRequest {
        kind: DatasetKind::FashionMnist,
        data_dir: None,
        split,
        batch: 256,
        cache: None,
        skip_bad: false,
        shard: Shard::ALL,
    };
    let database = encoder.encode_split(&split(Split::Train))?.db;
    let queries = encoder.encode_split(&split(Split::Test))?.db;

    // 3. Index the database and rank all of it for every query (nearest first).
    let index = build(IndexKind::Scan, &database.codes)?;
    let ranking = index.knn(&queries.codes, index.len())?;

    // 4. Mean average precision: a result is relevant when it shares the query's class.
    let (Some(query_labels), Some(db_labels)) = (&queries.labels, &database.labels) else {
        return Err("encoded splits carry labels".into());
    };
    let map = mean_ap(&ranking, query_labels, db_labels);
    println!("map={map:.4}");
    Ok(())
}

/// The mean over queries of the average precision of each query's ranking.
fn mean_ap(ranking: &deephash::index::Neighbors, queries: &Labels, db: &Labels) -> f64 {
    let total: f64 = (0..ranking.queries())
        .map(|q| {
            let relevant: Vec<bool> = (ranking.ids_of(q).iter())
                .map(|&id| queries.relevant(q, db, id as usize))
                .collect();
            average_precision(&relevant)
        })
        .sum();
    total / ranking.queries() as f64
}
