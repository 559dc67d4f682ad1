//! A real Milvus server for the tests: the binary of PyPI's `milvus-lite==2.5.1`, installed by
//! `scripts/milvus-server.sh` (which `scripts/test.sh` runs), started on a free loopback port
//! with a fresh database file and killed when the handle drops.
//!
//! Where the server cannot start the tests fail and say why, unless `DEEPHASH_SKIP_MILVUS=1`,
//! which makes them return early (printing that they were skipped).

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server; killed (and its database removed) on drop.
pub struct Server {
    child: Option<Child>,
    port: u16,
    db: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

/// True when the tests should be skipped (`DEEPHASH_SKIP_MILVUS=1`).
pub fn skip() -> bool {
    if std::env::var("DEEPHASH_SKIP_MILVUS").as_deref() == Ok("1") {
        eprintln!("DEEPHASH_SKIP_MILVUS=1: Milvus test skipped");
        return true;
    }
    false
}

/// The `milvus_lite` package folder: `DEEPHASH_MILVUS_LITE`, else the virtual environment
/// `scripts/milvus-server.sh` makes in the repository root.
pub fn package_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("DEEPHASH_MILVUS_LITE") {
        return PathBuf::from(dir);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let lib = root.join(".venv-milvus/lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|entries| {
        entries
            .flatten()
            .map(|e| e.path().join("site-packages/milvus_lite"))
            .find(|p| p.join("lib/milvus").exists())
    });
    found.unwrap_or_else(|| lib.join("python3/site-packages/milvus_lite"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

impl Server {
    /// Starts a server on a fresh database.
    pub fn start() -> Server {
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = dir.path().join("milvus.db");
        let mut server = Server::start_on(&db, free_port());
        server._dir = Some(dir);
        server
    }

    /// Starts a server on the database file `db` (kept on drop) and `port`.
    pub fn start_on(db: &Path, port: u16) -> Server {
        let pkg = package_dir();
        let bin = pkg.join("lib/milvus");
        assert!(
            bin.exists(),
            "the Milvus server binary {} is missing: run scripts/milvus-server.sh (or set \
             DEEPHASH_MILVUS_LITE to milvus_lite's package folder, or DEEPHASH_SKIP_MILVUS=1)",
            bin.display()
        );
        let child = Command::new(&bin)
            .arg(db)
            .arg(format!("127.0.0.1:{port}"))
            .arg("ERROR")
            .env("LD_LIBRARY_PATH", pkg.join("lib"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut server = Server {
            child: Some(child),
            port,
            db: db.to_path_buf(),
            _dir: None,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!("the Milvus server exited at start: {status}");
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() && self.stores_a_collection() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the Milvus server did not store a collection on port {} within 60 s",
            self.port
        );
    }

    /// Whether the server can create, fill and drop a collection. Milvus Lite listens before
    /// its storage is set up: a collection created in that moment fails with "Mmap manager
    /// has not been init", so a listening port alone is not ready.
    fn stores_a_collection(&self) -> bool {
        const PROBE: &str = "deephash_readiness_probe";
        let Ok(client) = deephash_milvus::MilvusClient::connect(&self.uri()) else {
            return false;
        };
        let items = deephash_milvus::PushItems::new(random_codes(1, 64, 1));
        let options = deephash_milvus::PushOptions::default();
        client.push(PROBE, &items, &options).is_ok() && client.drop_collection(PROBE).is_ok()
    }

    /// `http://127.0.0.1:<port>`.
    pub fn uri(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database file.
    pub fn db(&self) -> &Path {
        &self.db
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `n` pseudo-random `bits`-bit codes (xorshift), packed; few distinct low bits when `ties`
/// so that equal distances are common.
pub fn random_codes(n: usize, bits: usize, seed: u64) -> deephash_codes::CodeMatrix {
    let mut x = seed | 1;
    let mut data = Vec::with_capacity(n * bits / 8);
    while data.len() < n * bits / 8 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.extend_from_slice(&x.to_le_bytes());
    }
    data.truncate(n * bits / 8);
    deephash_codes::CodeMatrix::from_packed(bits, data).unwrap()
}
