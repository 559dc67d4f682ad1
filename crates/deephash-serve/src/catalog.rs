use std::path::PathBuf;
use std::sync::Arc;

use deephash_codes::CodeMatrix;
use deephash_index::{HammingIndex, LinearScan};

use crate::ServeError;
use crate::search::{Hit, SearchError};

/// What the service knows about one database item besides its code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Path of the item's image file (or its name in its data set); thumbnails are made
    /// from the file unless `pixels` holds the image.
    pub path: PathBuf,
    /// Human-readable label (class name or id), when the database has labels.
    pub label: Option<String>,
    /// The item's pixels when they live in memory rather than in a file (images of a data
    /// set such as the bundled Fashion-MNIST subset); thumbnails are made from them.
    pub pixels: Option<Arc<image::RgbImage>>,
}

impl Item {
    /// An item whose image is the file `path`.
    pub fn file(path: impl Into<PathBuf>, label: Option<String>) -> Self {
        Self {
            path: path.into(),
            label,
            pixels: None,
        }
    }
}

/// The searchable database: codes, the item each code stands for, and the
/// `deephash-index` index that answers k-NN queries over the codes.
pub struct Catalog {
    codes: CodeMatrix,
    items: Vec<Item>,
    index: Box<dyn HammingIndex>,
}

impl Catalog {
    /// A catalog searched by the exact SIMD linear scan. `items[i]` describes code row `i`.
    pub fn new(codes: CodeMatrix, items: Vec<Item>) -> Result<Self, ServeError> {
        let index = LinearScan::new(&codes).map_err(|e| ServeError::Catalog(e.to_string()))?;
        Self::with_index(codes, items, Box::new(index))
    }

    /// A catalog answered by `index`, which must index exactly `codes` (e.g. a multi-index
    /// hashing index read from an index file).
    pub fn with_index(
        codes: CodeMatrix,
        items: Vec<Item>,
        index: Box<dyn HammingIndex>,
    ) -> Result<Self, ServeError> {
        if codes.len() != items.len() {
            return Err(ServeError::Catalog(format!(
                "{} codes but {} item paths: each code needs exactly one item",
                codes.len(),
                items.len()
            )));
        }
        if codes.is_empty() {
            return Err(ServeError::Catalog("the code database is empty".into()));
        }
        if index.len() != codes.len() || index.bits() != codes.bits() {
            return Err(ServeError::Catalog(format!(
                "the index holds {} codes of {} bits, the database {} of {} bits",
                index.len(),
                index.bits(),
                codes.len(),
                codes.bits()
            )));
        }
        Ok(Self {
            codes,
            items,
            index,
        })
    }

    /// Code length in bits.
    pub fn bits(&self) -> usize {
        self.codes.bits()
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Always false: an empty catalog cannot be built.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Item `index`, if it exists.
    pub fn item(&self, index: usize) -> Option<&Item> {
        self.items.get(index)
    }

    /// Packed code of item `index`, if it exists.
    pub fn code(&self, index: usize) -> Option<&[u8]> {
        (index < self.codes.len()).then(|| self.codes.code(index))
    }

    /// The `k` nearest items to `query` (packed bytes of the database's code length), or all
    /// of them when the database holds fewer: nearest first, ties by lower row.
    pub fn search(&self, query: &[u8], k: usize) -> Result<Vec<Hit>, SearchError> {
        let k = k.min(self.len());
        if k == 0 {
            return Ok(Vec::new());
        }
        let query = CodeMatrix::from_packed(self.bits(), query.to_vec())
            .map_err(|e| SearchError(e.into()))?;
        let found = self.index.knn(&query, k).map_err(SearchError)?;
        let hits = found.ids_of(0).iter().zip(found.distances_of(0));
        Ok(hits
            .map(|(&id, &d)| Hit {
                index: id as usize,
                distance: u32::from(d),
            })
            .collect())
    }
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("bits", &self.bits())
            .field("len", &self.len())
            .field("index", &self.index.name())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deephash_index::MultiIndexHashing;

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

    fn items(n: usize) -> Vec<Item> {
        (0..n)
            .map(|i| Item::file(format!("{i}.png"), None))
            .collect()
    }

    #[test]
    fn scan_and_mih_catalogs_agree_ties_included_and_clamp_k() {
        let m = codes(500);
        let scan = Catalog::new(m.clone(), items(500)).unwrap();
        let mih = MultiIndexHashing::new(&m).unwrap();
        let mih = Catalog::with_index(m.clone(), items(500), Box::new(mih)).unwrap();
        for q in [0, 17, 499] {
            for k in [1, 10, 500, 600] {
                let want = scan.search(m.code(q), k).unwrap();
                assert_eq!(want.len(), k.min(500));
                assert!(
                    want.windows(2)
                        .all(|w| { (w[0].distance, w[0].index) < (w[1].distance, w[1].index) })
                );
                assert_eq!(mih.search(m.code(q), k).unwrap(), want, "q={q} k={k}");
            }
        }
        assert!(scan.search(&[0; 4], 3).is_err());
    }

    #[test]
    fn mismatched_parts_are_refused() {
        let m = codes(3);
        assert!(Catalog::new(m.clone(), items(2)).is_err());
        let other = LinearScan::new(&codes(4)).unwrap();
        assert!(Catalog::with_index(m, items(3), Box::new(other)).is_err());
    }
}
