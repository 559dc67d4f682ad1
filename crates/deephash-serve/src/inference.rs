use std::sync::Arc;

use axum::body::Bytes;
use tokio::sync::Semaphore;

use crate::compute::ComputePool;
use crate::{EncodeError, ImageEncoder};

/// Why an image was not encoded.
#[derive(Debug, thiserror::Error)]
pub enum InferenceError {
    /// Every encoder slot is busy and the waiting queue is full.
    #[error("the encoder queue is full ({capacity} images): try again shortly")]
    QueueFull {
        /// Running plus waiting images admitted at most.
        capacity: usize,
    },
    /// The encoder refused or failed.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The encoder panicked, or the compute threads have stopped.
    #[error("the encoder task failed: {0}")]
    Task(String),
}

/// Bounded concurrent inference with back-pressure.
///
/// At most `concurrent` images are encoded at once (each on a thread of the
/// service's [`ComputePool`])
/// and at most `queued` more wait; a request beyond that is refused at once
/// instead of piling up memory and latency. Permits travel into the blocking
/// task, so a request that times out still holds its slot until its encode
/// really ends: the bound holds for the work, not just for the requests.
#[derive(Clone)]
pub struct InferenceQueue {
    encoder: Arc<dyn ImageEncoder>,
    admitted: Arc<Semaphore>,
    running: Arc<Semaphore>,
    capacity: usize,
    pool: ComputePool,
}

impl InferenceQueue {
    /// A queue in front of `encoder`, encoding on `pool`'s threads.
    pub fn new(
        encoder: Arc<dyn ImageEncoder>,
        concurrent: usize,
        queued: usize,
        pool: ComputePool,
    ) -> Self {
        let capacity = concurrent + queued;
        Self {
            encoder,
            admitted: Arc::new(Semaphore::new(capacity)),
            running: Arc::new(Semaphore::new(concurrent)),
            capacity,
            pool,
        }
    }

    /// Code length of the encoder.
    pub fn bits(&self) -> usize {
        self.encoder.bits()
    }

    /// Images admitted now (running or waiting).
    pub fn in_flight(&self) -> usize {
        self.capacity - self.admitted.available_permits()
    }

    /// Encodes one image, waiting for a slot when all are busy, or refuses
    /// with [`InferenceError::QueueFull`] when too many already wait.
    pub async fn encode(&self, image: Bytes) -> Result<Vec<u8>, InferenceError> {
        let admitted =
            self.admitted
                .clone()
                .try_acquire_owned()
                .map_err(|_| InferenceError::QueueFull {
                    capacity: self.capacity,
                })?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| InferenceError::Task(e.to_string()))?;
        let encoder = self.encoder.clone();
        let task = self.pool.run(move || {
            let _slots = (admitted, running);
            encoder.encode(&image)
        });
        let code = task
            .await
            .map_err(|e| InferenceError::Task(e.to_string()))??;
        if code.len() * 8 != self.encoder.bits() {
            let message = format!(
                "encoder returned {} bytes for {} bit codes",
                code.len(),
                self.encoder.bits()
            );
            return Err(EncodeError::Model(message).into());
        }
        Ok(code)
    }
}

impl std::fmt::Debug for InferenceQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InferenceQueue")
            .field("capacity", &self.capacity)
            .field("in_flight", &self.in_flight())
            .finish()
    }
}
