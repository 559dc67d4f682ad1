use std::net::SocketAddr;
use std::path::PathBuf;

/// Errors while setting up or running the search service.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// Why the operating system refused.
        #[source]
        source: std::io::Error,
    },
    /// The server stopped with an I/O error.
    #[error("server failed: {0}")]
    Server(#[source] std::io::Error),
    /// The code database and its item list do not fit together.
    #[error("catalog: {0}")]
    Catalog(String),
    /// The encoder produces codes of another length than the database holds.
    #[error("the encoder makes {encoder} bit codes but the database holds {database} bit codes")]
    BitsMismatch {
        /// Code length of the encoder.
        encoder: usize,
        /// Code length of the database.
        database: usize,
    },
    /// A limit in the configuration is unusable (zero or inconsistent).
    #[error("configuration: {0}")]
    Config(String),
    /// The access token is unusable (too short, odd characters).
    #[error("access token from {source_name}: {problem}")]
    Token {
        /// Where the token came from (a file or `DEEPHASH_TOKEN`).
        source_name: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The token file could not be read.
    #[error("cannot read the token file {path}: {source}")]
    TokenFile {
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// An open service (no token) was asked to listen beyond loopback.
    #[error(
        "refusing to listen on {addr} without an access token: anyone who can reach it could \
         use the service; give a token (--token-file or DEEPHASH_TOKEN), listen on 127.0.0.1, \
         or pass --insecure-public"
    )]
    InsecureBind {
        /// The non-loopback address asked for.
        addr: SocketAddr,
    },
    /// The Milvus collection behind `Catalog::from_milvus` could not be read.
    #[cfg(feature = "milvus")]
    #[error(transparent)]
    Milvus(#[from] deephash_milvus::MilvusError),
}

/// Why an image could not be decoded into pixels.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// No bytes at all.
    #[error("the image is empty")]
    Empty,
    /// The bytes are not in an image format this build can read.
    #[error("not a supported image format (PNG, JPEG, GIF, WebP, BMP, TIFF, ...)")]
    UnknownFormat,
    /// The declared size exceeds the pixel limit (a decompression bomb guard).
    #[error("image of {width}x{height} pixels exceeds the limit of {max_pixels} pixels")]
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// The configured limit.
        max_pixels: u64,
    },
    /// The decoder refused the image under its memory limit (a bomb whose
    /// header it rejected before reporting a size, or one whose size was fine
    /// but would still allocate too much).
    #[error("image refused by the decoder's memory limit: {0}")]
    OverLimit(String),
    /// The format was recognised but the data is broken.
    #[error("corrupt image: {0}")]
    Corrupt(String),
    /// An image file on disk could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
}

/// Why an [`crate::ImageEncoder`] could not turn an image into a code.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// The image itself is unusable: the client's fault (answered with 4xx).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The model failed on a valid image: the server's fault (answered with 500).
    #[error("encoder failed: {0}")]
    Model(String),
}
