use std::num::NonZeroUsize;
use std::sync::Arc;

use crate::compute::ComputePool;
use crate::inference::InferenceQueue;
use crate::metrics::Metrics;
use crate::thumbnail::ThumbnailCache;
use crate::{Access, Catalog, ImageEncoder, Limits, ServeError};

/// Everything a request handler needs, shared by all requests.
#[derive(Debug)]
pub struct AppState {
    /// Codes, items and their index.
    pub catalog: Catalog,
    /// The threads that encode, search and make thumbnails.
    pub compute: ComputePool,
    /// The encoder behind its bounded queue.
    pub queue: InferenceQueue,
    /// Thumbnails of item images.
    pub thumbnails: ThumbnailCache,
    /// Request limits.
    pub limits: Limits,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// Token, CORS origin and where an open service may listen.
    pub access: Access,
}

impl AppState {
    /// Checks that the encoder's codes fit the database and the limits are
    /// usable, and assembles the shared state of an open service (no token, no
    /// CORS, loopback only).
    pub fn new(
        catalog: Catalog,
        encoder: Arc<dyn ImageEncoder>,
        limits: Limits,
    ) -> Result<Arc<Self>, ServeError> {
        Self::with_access(catalog, encoder, limits, Access::default())
    }

    /// Like [`AppState::new`], with the given access rules.
    pub fn with_access(
        catalog: Catalog,
        encoder: Arc<dyn ImageEncoder>,
        limits: Limits,
        access: Access,
    ) -> Result<Arc<Self>, ServeError> {
        limits.validate()?;
        if encoder.bits() != catalog.bits() {
            return Err(ServeError::BitsMismatch {
                encoder: encoder.bits(),
                database: catalog.bits(),
            });
        }
        let compute = ComputePool::new(compute_threads(&limits)).map_err(ServeError::Server)?;
        let queue = InferenceQueue::new(
            encoder,
            limits.max_concurrent_inference,
            limits.max_queued_inference,
            compute.clone(),
        );
        let capacity = NonZeroUsize::new(limits.thumbnail_cache_entries).ok_or_else(|| {
            ServeError::Config("thumbnail_cache_entries must be greater than 0".into())
        })?;
        let thumbnails = ThumbnailCache::new(limits.thumbnail_size, capacity, limits.max_pixels);
        Ok(Arc::new(Self {
            catalog,
            compute,
            queue,
            thumbnails,
            limits,
            metrics: Metrics::default(),
            access,
        }))
    }

    /// The largest `k` a query may ask for: the limit or the database size.
    pub fn max_k(&self) -> usize {
        self.limits.max_k.min(self.catalog.len())
    }
}

/// Compute threads: one per encoder slot (at most that many images are
/// encoded at once) and one per core for searches and thumbnails, so a full
/// encoder queue never holds up a code search.
fn compute_threads(limits: &Limits) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    limits.max_concurrent_inference + cores
}
