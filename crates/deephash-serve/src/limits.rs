use std::time::Duration;

use crate::ServeError;

/// Smallest accepted `max_header_bytes`: below it a browser's ordinary headers
/// would not fit.
pub const MIN_HEADER_BYTES: usize = 1024;

/// The service's resource limits: what one request may cost and how many may
/// run at once. Every limit answers with a 4xx/5xx JSON error, never a crash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted request body, in bytes (413 beyond).
    pub max_upload_bytes: usize,
    /// Largest accepted image, in pixels, checked from the header before decoding
    /// (guards against decompression bombs; 413 beyond).
    pub max_pixels: u64,
    /// Images encoded at the same time (each on a blocking thread).
    pub max_concurrent_inference: usize,
    /// Images allowed to wait for an encoder slot; beyond, 503 with `Retry-After`.
    pub max_queued_inference: usize,
    /// Whole-request deadline, reading the body included (504 beyond).
    pub request_timeout: Duration,
    /// Largest `k` a query may ask for (also capped by the database size).
    pub max_k: usize,
    /// `k` when a query names none.
    pub default_k: usize,
    /// Longest side of a thumbnail, in pixels.
    pub thumbnail_size: u32,
    /// Thumbnails kept in memory (least recently used are dropped first).
    pub thumbnail_cache_entries: usize,
    /// Time a client has to send a request's whole header, counted from when the
    /// server starts waiting for it: a slow client is cut off, and so is a
    /// keep-alive connection left idle this long between requests.
    pub header_timeout: Duration,
    /// Largest request head (request line and headers) in bytes (431 beyond).
    pub max_header_bytes: usize,
    /// Longest request target (path and query) in bytes (414 beyond, up to
    /// `max_header_bytes`; a longer target makes the head too large: 431).
    pub max_uri_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            max_upload_bytes: 16 << 20,
            max_pixels: 40_000_000,
            max_concurrent_inference: cores,
            max_queued_inference: 64,
            request_timeout: Duration::from_secs(30),
            max_k: 1000,
            default_k: 10,
            thumbnail_size: 160,
            thumbnail_cache_entries: 4096,
            header_timeout: Duration::from_secs(10),
            max_header_bytes: 16 << 10,
            max_uri_bytes: 8 << 10,
        }
    }
}

impl Limits {
    /// Checks that every limit is usable.
    pub fn validate(&self) -> Result<(), ServeError> {
        let positive = [
            ("max_upload_bytes", self.max_upload_bytes as u64),
            ("max_pixels", self.max_pixels),
            (
                "max_concurrent_inference",
                self.max_concurrent_inference as u64,
            ),
            ("max_k", self.max_k as u64),
            ("default_k", self.default_k as u64),
            ("thumbnail_size", u64::from(self.thumbnail_size)),
            (
                "thumbnail_cache_entries",
                self.thumbnail_cache_entries as u64,
            ),
            (
                "request_timeout_ms",
                self.request_timeout.as_millis() as u64,
            ),
            ("header_timeout_ms", self.header_timeout.as_millis() as u64),
            ("max_header_bytes", self.max_header_bytes as u64),
            ("max_uri_bytes", self.max_uri_bytes as u64),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(ServeError::Config(format!("{name} must be greater than 0")));
        }
        if self.max_header_bytes < MIN_HEADER_BYTES {
            return Err(ServeError::Config(format!(
                "max_header_bytes {} is below the minimum of {MIN_HEADER_BYTES}",
                self.max_header_bytes
            )));
        }
        if self.default_k > self.max_k {
            return Err(ServeError::Config(format!(
                "default_k {} exceeds max_k {}",
                self.default_k, self.max_k
            )));
        }
        Ok(())
    }
}
