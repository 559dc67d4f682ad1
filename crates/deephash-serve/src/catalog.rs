use std::path::PathBuf;
use std::sync::Arc;

use deephash_codes::CodeMatrix;

use crate::ServeError;
use crate::search::{ScanSearcher, Searcher};

/// What the service knows about one database item besides its code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Path of the item's image file; thumbnails are made from it.
    pub path: PathBuf,
    /// Human-readable label (class name or id), when the database has labels.
    pub label: Option<String>,
}

/// The searchable database: codes, the item each code stands for, and the
/// searcher that answers k-NN queries over the codes.
pub struct Catalog {
    codes: Arc<CodeMatrix>,
    items: Vec<Item>,
    searcher: Box<dyn Searcher>,
}

impl Catalog {
    /// A catalog searched by a linear scan. `items[i]` describes code row `i`.
    pub fn new(codes: CodeMatrix, items: Vec<Item>) -> Result<Self, ServeError> {
        let codes = Arc::new(codes);
        let searcher = Box::new(ScanSearcher::new(codes.clone()));
        Self::with_searcher(codes, items, searcher)
    }

    /// A catalog answered by `searcher`, which must index exactly `codes`.
    pub fn with_searcher(
        codes: Arc<CodeMatrix>,
        items: Vec<Item>,
        searcher: Box<dyn Searcher>,
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
        Ok(Self {
            codes,
            items,
            searcher,
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

    /// The searcher over the codes.
    pub fn searcher(&self) -> &dyn Searcher {
        self.searcher.as_ref()
    }
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("bits", &self.bits())
            .field("len", &self.len())
            .finish()
    }
}
