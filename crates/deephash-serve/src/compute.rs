use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, mpsc};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Why a job gave no result.
#[derive(Debug, thiserror::Error)]
pub enum ComputeError {
    /// The job panicked (the thread survives and takes the next job).
    #[error("the task panicked")]
    Panicked,
    /// The pool's threads are gone (the service is shutting down).
    #[error("the compute threads have stopped")]
    Stopped,
}

/// A fixed set of threads for the service's CPU work: encoding images,
/// searching the index, making thumbnails.
///
/// Tokio's blocking pool (`spawn_blocking`) starts a new thread whenever no
/// idle one is seen at the moment of a call; under saturation on a busy
/// machine it kept adding threads (27 to 46 within a minute of the soak test),
/// and each new thread brought the allocator a new arena and cache, so
/// resident memory crept up while the live heap stayed flat. A fixed pool
/// keeps the thread count, and with it that memory, constant. Jobs queue in
/// order; how many run at once is bounded by the pool, how many are admitted
/// by the callers (the inference queue, the connections).
#[derive(Clone)]
pub struct ComputePool {
    jobs: mpsc::Sender<Job>,
    threads: usize,
}

impl ComputePool {
    /// A pool of `threads` threads (at least one), named `deephash-compute-N`.
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let threads = threads.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("deephash-compute-{n}"))
                .spawn(move || work(&queue))?;
        }
        Ok(Self { jobs, threads })
    }

    /// Number of threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Queues `job` for a pool thread at once and returns a future of its
    /// result, which waits without blocking the async runtime. A job whose
    /// caller stops waiting still runs to its end (as with `spawn_blocking`).
    pub fn run<T, F>(
        &self,
        job: F,
    ) -> impl Future<Output = Result<T, ComputeError>> + Send + 'static
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(job());
        });
        let queued = self.jobs.send(job).is_ok();
        async move {
            if !queued {
                return Err(ComputeError::Stopped);
            }
            // The sender is dropped without a value only when the job panicked.
            result.await.map_err(|_| ComputeError::Panicked)
        }
    }
}

/// A pool thread: takes jobs until every sender is gone; a panicking job is
/// caught (its caller sees [`ComputeError::Panicked`]) and the thread goes on.
fn work(queue: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        let job = {
            let Ok(queue) = queue.lock() else { return };
            match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
    }
}

impl std::fmt::Debug for ComputePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComputePool")
            .field("threads", &self.threads)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    #[test]
    fn many_jobs_run_on_no_more_threads_than_the_pool_has() {
        let pool = ComputePool::new(3).unwrap();
        let names = Arc::new(Mutex::new(HashSet::new()));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        runtime().block_on(async {
            let jobs = (0..200).map(|i| {
                let (names, running, most) = (names.clone(), running.clone(), most.clone());
                pool.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    let name = std::thread::current().name().unwrap().to_owned();
                    names.lock().unwrap().insert(name);
                    std::thread::sleep(std::time::Duration::from_micros(200));
                    running.fetch_sub(1, Ordering::SeqCst);
                    i * 2
                })
            });
            let results: Vec<_> = futures_join_all(jobs).await;
            let expected: Vec<_> = (0..200).map(|i| i * 2).collect();
            assert_eq!(results, expected);
        });
        assert!(most.load(Ordering::SeqCst) <= 3);
        let names = names.lock().unwrap();
        assert!(!names.is_empty() && names.len() <= 3, "{names:?}");
        assert!(names.iter().all(|n| n.starts_with("deephash-compute-")));
    }

    /// Awaits each future in turn after all were started.
    async fn futures_join_all<T, F>(futures: impl Iterator<Item = F>) -> Vec<T>
    where
        F: std::future::Future<Output = Result<T, ComputeError>> + Send + 'static,
        T: Send + 'static,
    {
        let handles: Vec<_> = futures.map(tokio::spawn).collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap().unwrap());
        }
        out
    }

    #[test]
    fn a_panicking_job_is_an_error_and_the_thread_goes_on() {
        let pool = ComputePool::new(1).unwrap();
        runtime().block_on(async {
            let failed = pool.run(|| -> u32 { panic!("job failed") }).await;
            assert!(matches!(failed, Err(ComputeError::Panicked)), "{failed:?}");
            assert_eq!(pool.run(|| 7).await.unwrap(), 7);
        });
    }
}
