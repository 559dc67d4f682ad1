//! A catalog over a Milvus collection (`deephash serve --milvus URI --collection NAME`): the
//! items are the collection's rows, every search goes to Milvus.

use std::path::Path;

use deephash_milvus::{MilvusClient, MilvusIndex, SearchOptions};

use crate::{Catalog, Item, ServeError};

impl Catalog {
    /// The rows of collection `collection` on `uri` (pushed by `deephash milvus push`) as the
    /// catalog's items (paths under `image_root`, labels by class name), searched through
    /// [`MilvusIndex`]. The rows are read once, for result cards and `/items/{id}`, so memory
    /// grows with the collection; the scan itself runs in Milvus.
    pub fn from_milvus(uri: &str, collection: &str, image_root: &Path) -> Result<Self, ServeError> {
        let client = MilvusClient::connect(uri)?;
        let rows = client.fetch_rows(collection)?;
        // Not a warning: it holds for every collection and is documented (docs/scale.md).
        tracing::info!(
            "collection `{collection}`: Milvus records no model fingerprint, so the run is checked \
             against its code length only"
        );
        let label = |l: i64| -> Option<String> {
            let name = usize::try_from(l)
                .ok()
                .map(|c| rows.class_names.get(c).cloned());
            name.map(|n| n.unwrap_or_else(|| l.to_string()))
        };
        let items = rows
            .paths
            .iter()
            .zip(&rows.labels)
            .map(|(path, &l)| Item::file(image_root.join(path), label(l)))
            .collect();
        let index = MilvusIndex::open(client, collection, SearchOptions::default())?;
        Self::with_index(rows.codes, items, Box::new(index))
    }
}
