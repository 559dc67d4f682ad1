/// One search result: a database row and its Hamming distance to the query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Row of the item in the code database.
    pub index: usize,
    /// Number of differing bits.
    pub distance: u32,
}

/// A search that could not be answered (a code of the wrong length, a broken index).
#[derive(Debug, thiserror::Error)]
#[error("search failed")]
pub struct SearchError(#[source] pub deephash_index::IndexError);
