//! Test support: a fake encoder, a generated image database and a server
//! spawned on a loopback port in its own runtime.
#![allow(dead_code)]

pub mod fixtures;
pub mod heap;
pub mod http;
pub mod raw;

use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use deephash_serve::{AppState, EncodeError, ImageEncoder, decode_image};
use image::imageops::FilterType;

/// A deterministic stand-in for a trained model: the 64-bit average hash of the
/// decoded image (8x8 grey, bit = pixel brighter than the mean). Similar images
/// get near codes, the same image the same code. A gate can hold every encode
/// until opened, to test queueing and deadlines deterministically.
pub struct FakeEncoder {
    pub max_pixels: u64,
    gate: Arc<Gate>,
}

/// A latch that blocks encoders while closed.
#[derive(Default)]
pub struct Gate {
    closed: Mutex<bool>,
    changed: Condvar,
}

impl Gate {
    pub fn close(&self) {
        *self.closed.lock().unwrap() = true;
    }
    pub fn open(&self) {
        *self.closed.lock().unwrap() = false;
        self.changed.notify_all();
    }
    fn wait(&self) {
        let mut closed = self.closed.lock().unwrap();
        while *closed {
            closed = self.changed.wait(closed).unwrap();
        }
    }
}

impl FakeEncoder {
    pub fn new(max_pixels: u64) -> (Self, Arc<Gate>) {
        let gate = Arc::new(Gate::default());
        (
            Self {
                max_pixels,
                gate: gate.clone(),
            },
            gate,
        )
    }
}

/// The 64-bit average hash of an image, packed in 8 bytes.
pub fn average_hash(image: &image::DynamicImage) -> Vec<u8> {
    let small = image.resize_exact(8, 8, FilterType::Triangle).to_luma8();
    let mean = small.pixels().map(|p| u32::from(p.0[0])).sum::<u32>() as f32 / 64.0;
    let mut code = vec![0u8; 8];
    for (i, p) in small.pixels().enumerate() {
        if f32::from(p.0[0]) > mean {
            code[i / 8] |= 0x80 >> (i % 8);
        }
    }
    code
}

impl ImageEncoder for FakeEncoder {
    fn bits(&self) -> usize {
        64
    }

    fn encode(&self, image_bytes: &[u8]) -> Result<Vec<u8>, EncodeError> {
        self.gate.wait();
        let image = decode_image(image_bytes, self.max_pixels)?;
        Ok(average_hash(&image))
    }
}

/// A server on 127.0.0.1:<free port>, stopped when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    pub fn spawn(state: Arc<AppState>) -> Self {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = state.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = deephash_serve::bind("127.0.0.1:0".parse().unwrap())
                    .await
                    .unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let shutdown = async move {
                    let _ = stopped.await;
                };
                deephash_serve::serve(listener, served, shutdown)
                    .await
                    .unwrap();
            });
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(20))
            .expect("server did not start");
        Self {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
