//! The connection to a Milvus server and the collection-level operations.

use std::future::Future;
use std::time::Duration;

use milvus::v2::prelude::*;
use std::result::Result;
use tokio::runtime::Runtime;

use crate::collection::{CollectionInfo, Description};
use crate::error::server;
use crate::{IndexChoice, MilvusError, MilvusUri};

/// How long [`MilvusClient::connect`] waits for the server to answer.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one operation keeps retrying a server that stopped answering.
const RETRY_TIMEOUT: Duration = Duration::from_secs(20);

/// A blocking client of one Milvus server (the SDK's async client on a runtime of its own).
///
/// Its methods must not be called from inside another tokio runtime's async task; use
/// `tokio::task::spawn_blocking` there.
pub struct MilvusClient {
    pub(crate) rt: Runtime,
    pub(crate) client: ClientV2,
    pub(crate) uri: MilvusUri,
}

impl MilvusClient {
    /// Connects to the server at `uri` (`[http[s]://]host[:port]`), waiting up to
    /// [`DEFAULT_CONNECT_TIMEOUT`] for it to answer.
    pub fn connect(uri: &str) -> Result<Self, MilvusError> {
        Self::connect_with_timeout(uri, DEFAULT_CONNECT_TIMEOUT)
    }

    /// Connects, waiting up to `timeout` for the server to answer.
    pub fn connect_with_timeout(uri: &str, timeout: Duration) -> Result<Self, MilvusError> {
        let uri = MilvusUri::parse(uri)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(MilvusError::Runtime)?;
        let config = ConnectConfig::new()
            .uri(uri.to_string())
            .connect_timeout(timeout)
            .retry(RetryConfig::new().max_retry_timeout(RETRY_TIMEOUT))
            .telemetry(TelemetryConfig::new().enabled(false));
        let client =
            rt.block_on(ClientV2::new(&config))
                .map_err(|source| MilvusError::Unreachable {
                    uri: uri.to_string(),
                    source: Box::new(source),
                })?;
        tracing::debug!(%uri, "connected to Milvus");
        Ok(Self { rt, client, uri })
    }

    /// The server's address.
    pub fn uri(&self) -> &MilvusUri {
        &self.uri
    }

    pub(crate) fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Whether the collection exists.
    pub fn has_collection(&self, name: &str) -> Result<bool, MilvusError> {
        let request = HasCollectionRequest::builder()
            .collection_name(name)
            .build()
            .map_err(server("has_collection", name))?;
        let found = self.block_on(self.client.has_collection(request));
        Ok(found.map_err(server("has_collection", name))?.exists())
    }

    /// The collection's code length and class names; refuses a missing collection and one
    /// that is not laid out as deephash's.
    pub fn describe(&self, name: &str) -> Result<CollectionInfo, MilvusError> {
        if !self.has_collection(name)? {
            return Err(MilvusError::UnknownCollection {
                name: name.to_string(),
                uri: self.uri.to_string(),
            });
        }
        let request = DescribeCollectionRequest::builder()
            .collection_name(name)
            .build()
            .map_err(server("describe_collection", name))?;
        let described = self.block_on(self.client.describe_collection(request));
        let desc = described.map_err(server("describe_collection", name))?;
        let desc = desc.description();
        CollectionInfo::from_schema(name, desc.get_schema(), desc.get_description())
    }

    /// Drops the collection if it exists.
    pub fn drop_collection(&self, name: &str) -> Result<(), MilvusError> {
        if !self.has_collection(name)? {
            return Ok(());
        }
        let request = DropCollectionRequest::builder()
            .collection_name(name)
            .build()
            .map_err(server("drop_collection", name))?;
        let dropped = self.block_on(self.client.drop_collection(request));
        dropped.map_err(server("drop_collection", name))?;
        Ok(())
    }

    /// Creates a deephash collection for `bits`-bit codes with its index, and loads it.
    pub(crate) fn create(
        &self,
        name: &str,
        bits: usize,
        class_names: &[String],
        index: IndexChoice,
    ) -> Result<(), MilvusError> {
        let request = CreateCollectionRequest::builder()
            .collection_name(name)
            .schema(crate::schema::collection_schema(bits))
            .description(Description::text(class_names))
            .consistency_level(ConsistencyLevel::Strong)
            .build()
            .map_err(server("create_collection", name))?;
        let created = self.block_on(self.client.create_collection(request));
        created.map_err(server("create_collection", name))?;
        tracing::info!(collection = name, bits, "created Milvus collection");
        if let Err(e) = self.create_index(name, index) {
            // Leave nothing half-made: the collection is new and empty.
            let _ = self.drop_collection(name);
            return Err(e);
        }
        self.load(name)
    }

    /// Loads the collection; when that fails because it has no index yet (a push that died
    /// between creating the collection and its index), creates the index and loads again.
    pub(crate) fn ensure_index_loaded(
        &self,
        name: &str,
        index: IndexChoice,
    ) -> Result<(), MilvusError> {
        if self.load(name).is_ok() {
            return Ok(());
        }
        self.create_index(name, index)?;
        self.load(name)
    }

    fn create_index(&self, name: &str, index: IndexChoice) -> Result<(), MilvusError> {
        let request = CreateIndexRequest::builder()
            .collection_name(name)
            .index_param(index.param())
            .build()
            .map_err(server("create_index", name))?;
        let made = self.block_on(self.client.create_index(request));
        made.map_err(server("create_index", name))
    }

    fn load(&self, name: &str) -> Result<(), MilvusError> {
        let load = LoadCollectionRequest::builder()
            .collection_name(name)
            .build()
            .map_err(server("load_collection", name))?;
        let loaded = self.block_on(self.client.load_collection(load));
        loaded.map_err(server("load_collection", name))
    }

    /// Persists inserted rows (Milvus seals and writes its growing segments).
    pub(crate) fn flush(&self, name: &str) -> Result<(), MilvusError> {
        let request = FlushRequest::builder()
            .collection_names([name])
            .build()
            .map_err(server("flush", name))?;
        let flushed = self.block_on(self.client.flush(request));
        flushed.map_err(server("flush", name))?;
        Ok(())
    }
}
