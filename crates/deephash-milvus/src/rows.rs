//! Reading a collection's rows back: what the search service shows beside each hit.

use deephash_codes::CodeMatrix;
use milvus::v2::prelude::*;
use std::result::Result;

use crate::error::server;
use crate::push::MAX_BATCH;
use crate::schema::{CODE, ID, LABEL, PATH};
use crate::{MilvusClient, MilvusError, PushItems};

impl MilvusClient {
    /// Every row of a deephash collection (ids `0..N`, as `push` writes them): codes, labels,
    /// paths and class names, as [`PushItems`]. Memory grows with the collection: meant for
    /// serving collections that fit one machine's memory, whose searches still run in Milvus.
    pub fn fetch_rows(&self, name: &str) -> Result<PushItems, MilvusError> {
        let info = self.describe(name)?;
        let n = self.count(name)?;
        let mut bytes = Vec::with_capacity(n * info.bits / 8);
        let (mut labels, mut paths) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for start in (0..n).step_by(MAX_BATCH) {
            let end = (start + MAX_BATCH).min(n);
            let mut rows = self.rows_in_range(name, start, end)?;
            rows.sort_by_key(|r| r.0);
            if rows.len() != end - start || rows.iter().zip(start..).any(|(r, i)| r.0 != i as i64) {
                return Err(MilvusError::Schema {
                    name: name.to_string(),
                    reason: format!("its {n} ids are not 0..{n} (not pushed by deephash?)"),
                });
            }
            for (_, code, label, path) in rows {
                bytes.extend(code);
                labels.push(label);
                paths.push(path);
            }
        }
        let codes = CodeMatrix::from_packed(info.bits, bytes)?;
        Ok(PushItems {
            codes,
            labels,
            paths,
            class_names: info.class_names,
        })
    }

    fn rows_in_range(&self, name: &str, start: usize, end: usize) -> Result<Vec<Row>, MilvusError> {
        let request = QueryRequest::builder()
            .collection_name(name)
            .filter(format!("{ID} >= {start} and {ID} < {end}"))
            .output_fields([ID, CODE, LABEL, PATH])
            .limit((end - start) as i64)
            .consistency_level(ConsistencyLevel::Strong)
            .build()
            .map_err(server("query", name))?;
        let answer = self.block_on(self.client.query(request));
        let answer = answer.map_err(server("query", name))?;
        let rows = answer.results().rows().map_err(server("query", name))?;
        rows.map(|row| {
            let id = row.get_i64(ID).map_err(server("query", name))?;
            let code = row.get_binary_vector(CODE).map_err(server("query", name))?;
            let label = row.get_i64(LABEL).map_err(server("query", name))?;
            let path = row.get_str(PATH).map_err(server("query", name))?;
            Ok((id, code.to_vec(), label, path.to_string()))
        })
        .collect()
    }
}

/// One row: id, packed code, label, path.
type Row = (i64, Vec<u8>, i64, String);
