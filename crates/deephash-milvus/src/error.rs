//! What can go wrong between deephash and a Milvus server.

use deephash_codes::CodesError;

/// The SDK's error type.
pub type SdkError = milvus::v2::error::Error;

/// A Milvus operation that failed; each variant names the problem in one line and keeps its
/// cause.
#[derive(Debug, thiserror::Error)]
pub enum MilvusError {
    /// The URI is not `[http[s]://]host[:port]`.
    #[error("malformed Milvus URI `{uri}`: {reason}")]
    MalformedUri {
        /// The URI as given.
        uri: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No Milvus server answered at the URI.
    #[error("cannot reach a Milvus server at {uri}")]
    Unreachable {
        /// The normalised URI.
        uri: String,
        /// The SDK's error.
        #[source]
        source: Box<SdkError>,
    },
    /// The collection does not exist.
    #[error("no collection `{name}` on the Milvus server at {uri}")]
    UnknownCollection {
        /// The collection.
        name: String,
        /// The server.
        uri: String,
    },
    /// The collection holds codes of another length than the ones given.
    #[error("collection `{name}` holds {collection_bits}-bit codes, the {what} are {bits}-bit")]
    DimensionMismatch {
        /// The collection.
        name: String,
        /// Its code length.
        collection_bits: usize,
        /// The code length of the codes given.
        bits: usize,
        /// What was given (`codes`, `queries`).
        what: &'static str,
    },
    /// The collection exists but is not laid out as a deephash collection.
    #[error("collection `{name}` is not a deephash code collection: {reason}")]
    Schema {
        /// The collection.
        name: String,
        /// What is missing or of the wrong type.
        reason: String,
    },
    /// Arguments that cannot work together (labels for another number of codes, k = 0).
    #[error("{0}")]
    Invalid(String),
    /// The server refused or failed an operation.
    #[error("Milvus {op} on collection `{name}` failed")]
    Server {
        /// The operation (`insert`, `search`, ...).
        op: &'static str,
        /// The collection.
        name: String,
        /// The SDK's error, with the server's message.
        #[source]
        source: Box<SdkError>,
    },
    /// Reading or writing code files.
    #[error(transparent)]
    Codes(#[from] CodesError),
    /// The client's async runtime could not start.
    #[error("cannot start the Milvus client's runtime")]
    Runtime(#[source] std::io::Error),
}

/// A closure turning an SDK error of operation `op` on `name` into [`MilvusError::Server`].
pub(crate) fn server(op: &'static str, name: &str) -> impl FnOnce(SdkError) -> MilvusError {
    let name = name.to_string();
    move |source| MilvusError::Server {
        op,
        name,
        source: Box::new(source),
    }
}
