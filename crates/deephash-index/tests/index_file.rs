//! Index files round-trip, and damaged ones are refused with a precise message.

use deephash_codes::{CodeDb, CodeMatrix, Labels};
use deephash_index::index_file::{read_index, write_index};
use deephash_index::{HammingIndex, IndexKind, LinearScan};

fn db() -> CodeDb {
    let codes = CodeMatrix::from_packed(
        32,
        (0..400u32)
            .flat_map(|i| i.wrapping_mul(2654435761).to_be_bytes())
            .collect(),
    )
    .unwrap();
    CodeDb {
        codes,
        ids: Some((0..400).map(|i| format!("p{i}")).collect()),
        labels: Some(Labels::Single(vec![3; 400])),
    }
}

#[test]
fn both_kinds_roundtrip_and_search_identically() {
    let dir = tempfile::tempdir().unwrap();
    let db = db();
    let want = LinearScan::new(&db.codes)
        .unwrap()
        .knn(&db.codes, 7)
        .unwrap();
    for kind in [IndexKind::Scan, IndexKind::Mih] {
        let path = dir.path().join(format!("{}.dhi", kind.name()));
        write_index(&path, &db, kind).unwrap();
        let loaded = read_index(&path).unwrap();
        assert_eq!(loaded.kind, kind);
        assert_eq!(loaded.db, db);
        assert_eq!(loaded.index.knn(&db.codes, 7).unwrap(), want);
    }
}

#[test]
fn corruption_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("i.dhi");
    write_index(&path, &db(), IndexKind::Mih).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let expect = |data: &[u8], needle: &str| {
        std::fs::write(&path, data).unwrap();
        let msg = read_index(&path).err().expect("must fail").to_string();
        assert!(
            msg.contains(needle) && msg.contains("i.dhi"),
            "{msg} lacks {needle}"
        );
    };
    expect(&bytes[..bytes.len() - 10], "truncated");
    let mut b = bytes.clone();
    *b.last_mut().unwrap() ^= 1;
    expect(&b, "MIH section checksum");
    let mut b = bytes.clone();
    b[100] ^= 1;
    expect(&b, "checksum");
    expect(b"", "empty");
    expect(b"DHCODEDB", "wrong magic");
}

/// Fuzzing found this: a MIH section whose table count said 2^30 (with valid
/// checksums) sized an allocation of gigabytes before the tables were read.
#[test]
fn a_table_count_beyond_the_section_is_refused_without_allocating_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("count.dhi");
    write_index(&path, &db(), IndexKind::Mih).unwrap();
    let mut b = std::fs::read(&path).unwrap();
    let u64_at = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    let (off, len) = (u64_at(&b, 32) as usize, u64_at(&b, 40) as usize);
    for count in [1u32 << 30, u32::MAX] {
        b[off..off + 4].copy_from_slice(&count.to_le_bytes());
        let crc = crc32fast::hash(&b[off..off + len]);
        b[56..60].copy_from_slice(&crc.to_le_bytes());
        let crc = crc32fast::hash(&b[..60]);
        b[60..64].copy_from_slice(&crc.to_le_bytes());
        std::fs::write(&path, &b).unwrap();
        let msg = read_index(&path).err().expect("must fail").to_string();
        assert!(msg.contains("too short for its tables"), "{msg}");
    }
}

#[test]
fn an_index_built_from_code_and_label_files_keeps_them_and_refuses_wrong_label_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (codes, labels, out) = (
        dir.path().join("codes.npy"),
        dir.path().join("labels.npy"),
        dir.path().join("out.dhi"),
    );
    let db = db();
    deephash_codes::write_codes_npy(&codes, &db.codes).unwrap();
    deephash_codes::npy::write_npy_rows(&labels, &[400], (0..400i64).map(|i| i % 5)).unwrap();
    let built = deephash_index::build_index_file(&codes, Some(&labels), &out, None).unwrap();
    assert_eq!(
        (built.kind, built.codes, built.bits),
        (IndexKind::Scan, 400, 32)
    );
    let loaded = read_index(&out).unwrap();
    assert_eq!(loaded.db.codes, db.codes);
    assert_eq!(loaded.db.labels.unwrap().len(), 400);

    deephash_codes::npy::write_npy_rows(&labels, &[3], [1i64, 2, 3]).unwrap();
    let err = deephash_index::build_index_file(&codes, Some(&labels), &out, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: 3 labels for 400 codes", labels.display())
    );
}
