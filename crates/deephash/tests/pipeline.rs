//! The pipeline on a randomly initialised small-CNN run over the bundled Fashion-MNIST
//! subset (no training: these tests check the plumbing — codes, ids, search order, errors).

use std::path::{Path, PathBuf};

use deephash::data::{DEFAULT_MAX_PIXELS, DatasetKind, ImageSource};
use deephash::index::IndexKind;
use deephash::index::index_file::{write_index, write_index_with};
use deephash::training::{TrainSettings, untrained_run};
use deephash::{DeviceSpec, Error, HashEncoder, Retriever, RetrieverOptions, Split, SplitRequest};

/// A finished run of a randomly initialised small CNN with `bits`-bit codes.
fn random_run(root: &Path, bits: usize) -> PathBuf {
    let settings = TrainSettings {
        bits,
        max_per_class: Some(20),
        ..TrainSettings::default()
    };
    let path = root.join(format!("run{bits}"));
    untrained_run(&path, &settings.run_config().unwrap()).unwrap();
    path
}

fn test_split() -> SplitRequest {
    SplitRequest {
        kind: DatasetKind::FashionMnist,
        data_dir: None,
        split: Split::Test,
        batch: 256,
        cache: None,
        skip_bad: false,
        shard: deephash::data::Shard::ALL,
    }
}

#[test]
fn a_split_is_encoded_indexed_and_searched_by_stored_code_and_by_image() {
    let tmp = tempfile::tempdir().unwrap();
    let run = random_run(tmp.path(), 32);
    let encoder = HashEncoder::open(&run, &DeviceSpec::Cpu).unwrap();
    let encoded = encoder.encode_split(&test_split()).unwrap();
    let db = &encoded.db;
    assert_eq!((db.codes.len(), db.codes.bits()), (2000, 32));
    let index = tmp.path().join("test.idx");
    write_index_with(&index, db, &encoded.meta, IndexKind::Scan).unwrap();

    let retriever = Retriever::open(&run, &index, &RetrieverOptions::default()).unwrap();
    assert_eq!((retriever.len(), retriever.bits()), (2000, 32));
    let id = db.ids.as_ref().unwrap()[7].clone();
    let row = retriever.stored_row(Path::new(&id)).unwrap();
    assert_eq!(row, 7);
    let by_code = retriever.search_code(db.codes.code(7), 5).unwrap();
    assert_eq!(by_code[0].distance, 0);
    assert!(by_code.windows(2).all(|w| w[0].distance <= w[1].distance));
    // Encoding the image again gives its stored code: same ranking.
    let data = deephash::data::DatasetSpec::new(DatasetKind::FashionMnist, None)
        .load()
        .unwrap();
    let image = data.test[7].load(DEFAULT_MAX_PIXELS).unwrap();
    assert_eq!(retriever.search_image(image, 5).unwrap(), by_code);
    // Class names and the images themselves come from the data set the codes record.
    let item = retriever.item(row);
    let class = data.class_names[data.test[7].labels[0] as usize].clone();
    assert_eq!(item.label.as_deref(), Some(class.as_str()));
    assert!(
        matches!(item.image, ImageSource::Memory(_)),
        "{:?}",
        item.path
    );

    let err = retriever.search_code(db.codes.code(0), 0).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidK {
                k: 0,
                len: 2000,
                ..
            }
        ),
        "{err}"
    );
    let other = random_run(tmp.path(), 16);
    let err = Retriever::open(&other, &index, &RetrieverOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("32-bit") && err.contains("16-bit"), "{err}");
}

#[test]
fn codes_of_another_model_are_refused_and_unrecorded_ones_searched() {
    let tmp = tempfile::tempdir().unwrap();
    let run = random_run(tmp.path(), 16);
    let other = random_run(&tmp.path().join("other"), 16);
    let encoder = HashEncoder::open(&run, &DeviceSpec::Cpu).unwrap();
    let encoded = encoder.encode_split(&test_split()).unwrap();
    assert_eq!(encoded.meta.model.as_ref(), Some(encoder.fingerprint()));
    let recorded = tmp.path().join("recorded.dhc");
    encoded.db.write_with(&recorded, &encoded.meta).unwrap();
    let err = Retriever::open(&other, &recorded, &RetrieverOptions::default())
        .err()
        .unwrap();
    assert!(matches!(err, Error::ModelMismatch { .. }), "{err}");
    let text = err.to_string();
    for name in [&run, &other] {
        assert!(text.contains(&name.display().to_string()), "{text}");
    }
    // A file written before codes recorded their model still opens (with a warning).
    let old = tmp.path().join("old.idx");
    write_index(&old, &encoded.db, IndexKind::Scan).unwrap();
    let retriever = Retriever::open(&other, &old, &RetrieverOptions::default()).unwrap();
    let label = retriever.item(0).label.clone().unwrap();
    assert!(
        label.parse::<u32>().is_ok(),
        "no class names recorded: {label}"
    );
    assert!(Retriever::open(&run, &recorded, &RetrieverOptions::default()).is_ok());
}

#[test]
fn shards_of_a_split_merge_into_the_unsharded_encode() {
    let tmp = tempfile::tempdir().unwrap();
    let run = random_run(tmp.path(), 16);
    let encoder = HashEncoder::open(&run, &DeviceSpec::Cpu).unwrap();
    let request = |shard: deephash::data::Shard| SplitRequest {
        kind: DatasetKind::FashionMnist,
        data_dir: None,
        split: Split::Test,
        batch: 256,
        cache: None,
        skip_bad: false,
        shard,
    };
    let whole = encoder
        .encode_split(&request(deephash::data::Shard::ALL))
        .unwrap();
    let whole_path = tmp.path().join("whole.dhc");
    whole.db.write_with(&whole_path, &whole.meta).unwrap();
    let mut parts = Vec::new();
    for index in 0..3 {
        let shard = deephash::data::Shard { index, count: 3 };
        let part = encoder.encode_split(&request(shard)).unwrap();
        assert_eq!(part.db.codes.len(), shard.range(whole.db.codes.len()).len());
        let path = tmp.path().join(format!("part{index}.dhc"));
        part.db.write_with(&path, &part.meta).unwrap();
        parts.push(path);
    }
    let (merged, meta) = deephash::codes::merge_db_files(&parts).unwrap();
    assert_eq!(merged, whole.db);
    assert_eq!(meta, whole.meta);
}
