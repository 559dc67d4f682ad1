//! A Milvus collection behind deephash's `HammingIndex` trait.

use deephash_codes::CodeMatrix;
use deephash_index::{HammingIndex, IndexError, Neighbors, RadiusHits};

use crate::{Hit, MilvusClient, MilvusError, SearchOptions};

/// Answers k-NN queries from a collection (ids = rows of the pushed code database), so that
/// everything searching through [`HammingIndex`] (the search service among them) can search
/// in Milvus. Results are nearest first, ties by lower id, like deephash's own indexes when
/// the collection's index is exact (`BIN_FLAT`).
pub struct MilvusIndex {
    client: MilvusClient,
    name: String,
    bits: usize,
    len: usize,
    opts: SearchOptions,
}

impl MilvusIndex {
    /// The collection `name` reached through `client`, searched with `opts` (its `with_fields`
    /// is ignored: only ids and distances are needed).
    pub fn open(
        client: MilvusClient,
        name: &str,
        opts: SearchOptions,
    ) -> Result<Self, MilvusError> {
        let info = client.describe(name)?;
        let len = client.count(name)?;
        if len > u32::MAX as usize {
            return Err(MilvusError::Invalid(format!(
                "collection `{name}` holds {len} codes; deephash's index interface takes at most 2^32 - 1"
            )));
        }
        Ok(Self {
            client,
            name: name.to_string(),
            bits: info.bits,
            len,
            opts: SearchOptions {
                with_fields: false,
                ..opts
            },
        })
    }

    /// The client, for the collection's rows (labels, paths).
    pub fn client(&self) -> &MilvusClient {
        &self.client
    }
}

fn backend(e: impl std::error::Error + Send + Sync + 'static) -> IndexError {
    IndexError::Backend {
        engine: "Milvus",
        source: Box::new(e),
    }
}

fn keys(hits: &[Hit]) -> Vec<u64> {
    hits.iter()
        .map(|h| (u64::from(h.distance) << 32) | (h.id as u64 & 0xFFFF_FFFF))
        .collect()
}

impl HammingIndex for MilvusIndex {
    fn bits(&self) -> usize {
        self.bits
    }

    fn len(&self) -> usize {
        self.len
    }

    fn name(&self) -> &'static str {
        "milvus"
    }

    fn knn(&self, queries: &CodeMatrix, k: usize) -> Result<Neighbors, IndexError> {
        if queries.bits() != self.bits {
            return Err(IndexError::BitsMismatch {
                query: queries.bits(),
                db: self.bits,
            });
        }
        if k == 0 || k > self.len {
            return Err(IndexError::InvalidK { k, n: self.len });
        }
        let hits = self
            .client
            .search_described(&self.name, queries, k, &self.opts)
            .map_err(backend)?;
        if let Some(short) = hits.iter().find(|h| h.len() != k) {
            return Err(IndexError::Shape {
                what: format!("Milvus answered {} of {k} neighbours", short.len()),
            });
        }
        Ok(Neighbors::from_sorted_keys(
            k,
            hits.iter().map(|h| keys(h)).collect(),
        ))
    }

    fn radius(&self, _queries: &CodeMatrix, _radius: u32) -> Result<Vec<RadiusHits>, IndexError> {
        Err(IndexError::Shape {
            what: "radius search is not offered through Milvus (use k-NN)".into(),
        })
    }
}
