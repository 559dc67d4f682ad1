use std::path::Path;
use std::sync::Arc;

use deephash_codes::{CodeDb, CodeMatrix, Labels};
use deephash_index::HammingIndex;
use deephash_index::index_file::LoadedIndex;

use crate::search::{Hit, SearchError, Searcher};
use crate::{Catalog, Item, ServeError};

/// A [`Searcher`] backed by a `deephash-index` index (linear SIMD scan or
/// multi-index hashing), as read from an index file.
pub struct IndexSearcher {
    index: Box<dyn HammingIndex>,
}

impl IndexSearcher {
    /// Searches with `index`.
    pub fn new(index: Box<dyn HammingIndex>) -> Self {
        Self { index }
    }
}

impl Searcher for IndexSearcher {
    fn search(&self, query: &[u8], k: usize) -> Result<Vec<Hit>, SearchError> {
        let k = k.min(self.index.len());
        if k == 0 {
            return Ok(Vec::new());
        }
        let queries = CodeMatrix::from_packed(self.index.bits(), query.to_vec())
            .map_err(|e| SearchError(e.to_string()))?;
        let found = self
            .index
            .knn(&queries, k)
            .map_err(|e| SearchError(e.to_string()))?;
        let hits = found.ids_of(0).iter().zip(found.distances_of(0));
        Ok(hits
            .map(|(&id, &d)| Hit {
                index: id as usize,
                distance: u32::from(d),
            })
            .collect())
    }
}

/// The label of item `i` as text: the class id, or the class ids joined by `,`
/// for multi-label data.
pub fn label_text(labels: &Labels, i: usize) -> String {
    match labels {
        Labels::Single(ids) => ids[i].to_string(),
        Labels::Multi { classes, matrix } => {
            let row = &matrix[i * classes..(i + 1) * classes];
            let on: Vec<String> = row
                .iter()
                .enumerate()
                .filter(|(_, b)| **b)
                .map(|(c, _)| c.to_string())
                .collect();
            on.join(",")
        }
    }
}

/// Items of a code database: ids are image paths, relative ones resolved
/// against `image_root`; labels as text, named by `class_names` when given.
pub fn items_of(
    db: &CodeDb,
    image_root: &Path,
    class_names: Option<&[String]>,
) -> Result<Vec<Item>, ServeError> {
    let ids = db.ids.as_ref().ok_or_else(|| {
        ServeError::Catalog(
            "the code database has no item ids (image paths): encode it with paths to serve it"
                .into(),
        )
    })?;
    let name = |text: String| match (class_names, text.parse::<usize>()) {
        (Some(names), Ok(c)) if c < names.len() => names[c].clone(),
        _ => text,
    };
    let items = ids.iter().enumerate().map(|(i, id)| Item {
        path: image_root.join(id),
        label: db.labels.as_ref().map(|l| name(label_text(l, i))),
    });
    Ok(items.collect())
}

impl Catalog {
    /// A catalog from an index file's contents: its codes, item paths and labels,
    /// searched by its own index.
    pub fn from_index(
        loaded: LoadedIndex,
        image_root: &Path,
        class_names: Option<&[String]>,
    ) -> Result<Self, ServeError> {
        let items = items_of(&loaded.db, image_root, class_names)?;
        let searcher = Box::new(IndexSearcher::new(loaded.index));
        Catalog::with_searcher(Arc::new(loaded.db.codes), items, searcher)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::ScanSearcher;
    use deephash_index::index_file::{read_index, write_index};
    use deephash_index::{IndexKind, LinearScan, MultiIndexHashing};

    fn codes(n: usize) -> CodeMatrix {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut data = Vec::new();
        for _ in 0..n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Few distinct codes, so that ties are common.
            data.extend_from_slice(&(x & 0x0F0F_0000_0000_00FF).to_be_bytes());
        }
        CodeMatrix::from_packed(64, data).unwrap()
    }

    #[test]
    fn index_searchers_agree_with_the_scan_ties_included() {
        let m = codes(500);
        let scan = ScanSearcher::new(Arc::new(m.clone()));
        let linear = IndexSearcher::new(Box::new(LinearScan::new(&m).unwrap()));
        let mih = IndexSearcher::new(Box::new(MultiIndexHashing::new(&m).unwrap()));
        for q in [0, 17, 499] {
            for k in [1, 10, 500, 600] {
                let want = scan.search(m.code(q), k).unwrap();
                assert_eq!(
                    linear.search(m.code(q), k).unwrap(),
                    want,
                    "scan q={q} k={k}"
                );
                assert_eq!(mih.search(m.code(q), k).unwrap(), want, "mih q={q} k={k}");
            }
        }
        assert!(linear.search(&[0; 4], 3).is_err());
    }

    #[test]
    fn catalog_from_an_index_file_resolves_paths_and_names_labels() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = CodeDb::new(codes(3));
        db.ids = Some(vec![
            "a/x.png".into(),
            "b/y.png".into(),
            "/abs/z.png".into(),
        ]);
        db.labels = Some(Labels::Single(vec![1, 0, 7]));
        let path = dir.path().join("db.dhidx");
        write_index(&path, &db, IndexKind::Scan).unwrap();
        let names = vec!["cat".to_string(), "dog".to_string()];
        let root = Path::new("/data");
        let catalog = Catalog::from_index(read_index(&path).unwrap(), root, Some(&names)).unwrap();
        assert_eq!(catalog.len(), 3);
        assert_eq!(catalog.item(0).unwrap().path, Path::new("/data/a/x.png"));
        assert_eq!(catalog.item(2).unwrap().path, Path::new("/abs/z.png"));
        let labels: Vec<_> = (0..3)
            .map(|i| catalog.item(i).unwrap().label.clone().unwrap())
            .collect();
        assert_eq!(labels, ["dog", "cat", "7"]);
        db.ids = None;
        assert!(items_of(&db, root, None).is_err());
    }

    #[test]
    fn multi_labels_are_joined() {
        let labels = Labels::Multi {
            classes: 3,
            matrix: vec![true, false, true, false, false, false],
        };
        assert_eq!(label_text(&labels, 0), "0,2");
        assert_eq!(label_text(&labels, 1), "");
    }
}
