//! Which Milvus index a collection's codes get.

use std::collections::HashMap;

use milvus::v2::prelude::{IndexParam, IndexType, MetricType};

use crate::schema::CODE;

/// The index over the `code` field; both use the Hamming metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexChoice {
    /// `BIN_FLAT`: exact, every query scans every code (deephash's own scan, in Milvus).
    Flat,
    /// `BIN_IVF_FLAT`: codes clustered into `nlist` lists, a query scans `nprobe` of them
    /// (approximate; not offered by Milvus Lite, which has `BIN_FLAT` only).
    Ivf {
        /// Number of clusters.
        nlist: u32,
    },
}

impl IndexChoice {
    /// The default number of IVF clusters.
    pub const DEFAULT_NLIST: u32 = 1024;

    /// The SDK's index parameters for the `code` field.
    pub(crate) fn param(self) -> IndexParam {
        let base = IndexParam::new()
            .field_name(CODE)
            .metric_type(MetricType::Hamming);
        match self {
            IndexChoice::Flat => base.index_type(IndexType::BinFlat),
            IndexChoice::Ivf { nlist } => base
                .index_type(IndexType::BinIvfFlat)
                .extra_params(HashMap::from([("nlist".into(), nlist.to_string())])),
        }
    }
}
