//! A full disk while writing a code database: a clear error naming the file, the
//! previous file intact, no temporary file left. Runs on a 256 KiB tmpfs, so it
//! needs root (and `mount`); elsewhere it prints that it was skipped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use deephash_codes::{CodeDb, CodeMatrix, write_atomically};

/// A small tmpfs mounted for the test, unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(kib: usize) -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        status.success().then_some(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn database(rows: usize) -> CodeDb {
    let packed: Vec<u8> = (0..rows * 8).map(|i| (i * 31) as u8).collect();
    CodeDb::new(CodeMatrix::from_packed(64, packed).unwrap())
}

fn leftovers(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect()
}

#[test]
fn a_full_disk_leaves_the_previous_database_intact() {
    let Some(disk) = SmallDisk::mount(256) else {
        eprintln!("NOTICE: full-disk test skipped: mounting a tmpfs needs root");
        return;
    };
    let path = disk.path().join("codes.dhc");
    let small = database(1000);
    small.write(&path).unwrap();
    let before = std::fs::read(&path).unwrap();

    let err = database(100_000).write(&path).unwrap_err().to_string();
    assert!(err.contains("codes.dhc"), "{err}");
    assert!(err.to_lowercase().contains("no space"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "previous file changed"
    );
    assert_eq!(CodeDb::read(&path).unwrap().codes, small.codes);
    assert!(
        leftovers(disk.path()).is_empty(),
        "{:?}",
        leftovers(disk.path())
    );

    // Any atomic write (index files, reports, metrics) behaves the same.
    let report = disk.path().join("report.html");
    write_atomically(&report, |f| f.write_all(b"<html>old</html>")).unwrap();
    let err = write_atomically(&report, |f| f.write_all(&vec![b'x'; 1 << 20])).unwrap_err();
    assert!(err.to_string().contains("report.html"), "{err}");
    assert_eq!(std::fs::read(&report).unwrap(), b"<html>old</html>");
    assert!(leftovers(disk.path()).is_empty());
    // Space is back for a write that fits.
    small.write(&path).unwrap();
}
