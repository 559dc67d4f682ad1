//! Binary codes in a Milvus server: deephash's way past one machine.
//!
//! A deephash collection in Milvus has four fields ([`schema`]): `id` (int64 primary key, the
//! row of the code database), `code` (`BINARY_VECTOR`, dim = bits, the packed bytes exactly as
//! `numpy.packbits` and deephash store them), `label` (int64, -1 when unknown) and `path`
//! (varchar, the item's id or image path). The class names ride along in the collection's
//! description.
//!
//! - [`MilvusClient::connect`] parses the URI ([`MilvusUri`]) and reaches the server;
//! - [`MilvusClient::push`] creates the collection with its index (`BIN_FLAT` exact or
//!   `BIN_IVF_FLAT`), inserts in batches and completes an interrupted push without duplicates;
//! - [`MilvusClient::search`] answers k-NN queries (nearest first, ties by lower id), with an
//!   optional filter expression and `nprobe`;
//! - [`MilvusIndex`] answers deephash's [`deephash_index::HammingIndex`] from a collection, so
//!   everything that searches through that trait can search in Milvus;
//! - [`export_bulk_npy`] writes the `.npy` files of Milvus's bulk import;
//! - [`PushRequest`], [`SearchRequest`] and [`ExportRequest`] are the commands `deephash milvus
//!   push|search` and `deephash export` as single calls (with the `clap` feature, their
//!   command-line flags), from files to files.
//!
//! The SDK is asynchronous; this crate owns a small tokio runtime and offers a blocking API.

mod bulk;
mod client;
mod collection;
mod error;
mod export_request;
mod hamming_index;
mod index_choice;
mod items;
mod push;
mod push_request;
mod rows;
pub mod schema;
mod search;
mod search_request;
mod uri;

pub use bulk::export_bulk_npy;
pub use client::MilvusClient;
pub use collection::CollectionInfo;
pub use error::MilvusError;
pub use export_request::{ExportFormat, ExportRequest};
pub use hamming_index::MilvusIndex;
pub use index_choice::IndexChoice;
pub use items::PushItems;
pub use push::{PushOptions, PushReport};
pub use push_request::{IndexKind, PushRequest};
pub use search::{Hit, MAX_TOPK, SearchOptions};
pub use search_request::{SearchRequest, hits_json, hits_table};
pub use uri::MilvusUri;
