//! The bulk-import export: one `.npy` per field, readable by numpy (and Milvus).

use deephash_codes::CodeMatrix;
use deephash_codes::npy::read_npy;
use deephash_milvus::{PushItems, export_bulk_npy};

#[test]
fn export_writes_one_npy_per_field_with_the_rows_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let codes = CodeMatrix::from_packed(16, vec![1, 2, 3, 4, 5, 6]).unwrap();
    let mut items = PushItems::new(codes);
    items.labels = vec![7, -1, 2];
    items.paths = vec!["a.png".into(), "dir/é.jpg".into(), String::new()];
    let files = export_bulk_npy(&items, dir.path()).unwrap();
    let names: Vec<_> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(names, ["id.npy", "code.npy", "label.npy", "path.npy"]);

    let ids = read_npy(&files[0]).unwrap();
    assert_eq!(ids.to_i64().unwrap(), vec![0, 1, 2]);
    let code = read_npy(&files[1]).unwrap();
    assert_eq!((code.rows(), code.cols()), (3, 2));
    let labels = read_npy(&files[2]).unwrap();
    assert_eq!(labels.to_i64().unwrap(), vec![7, -1, 2]);

    // path.npy: a '<U9' vector of three fixed-width UTF-32 strings after a 64-byte-aligned header.
    let bytes = std::fs::read(&files[3]).unwrap();
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    assert_eq!((10 + header_len) % 64, 0);
    let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
    assert!(
        header.contains("'descr': '<U9'") && header.contains("'shape': (3,)"),
        "{header}"
    );
    let body = &bytes[10 + header_len..];
    assert_eq!(body.len(), 3 * 9 * 4);
    let decode = |row: usize| -> String {
        body[row * 36..(row + 1) * 36]
            .chunks(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .take_while(|&c| c != 0)
            .map(|c| char::from_u32(c).unwrap())
            .collect()
    };
    assert_eq!(
        [decode(0), decode(1), decode(2)],
        ["a.png", "dir/é.jpg", ""]
    );
}
