//! Targets whose parser reads a file: the input is written to a temporary file
//! (one per thread, reused) first.

use std::cell::RefCell;
use std::path::PathBuf;

use deephash_codes::CodeMatrix;

thread_local! {
    static DIR: RefCell<Option<tempfile::TempDir>> = const { RefCell::new(None) };
}

/// Writes `bytes` to `name` in this thread's temporary folder; its path.
fn as_file(name: &str, bytes: &[u8]) -> Result<PathBuf, String> {
    DIR.with(|dir| {
        let mut dir = dir.borrow_mut();
        if dir.is_none() {
            // Memory-backed where there is one: a file per input is the cost here.
            let shm = std::path::Path::new("/dev/shm");
            let made = if shm.is_dir() {
                tempfile::tempdir_in(shm)
            } else {
                tempfile::tempdir()
            };
            *dir = Some(made.map_err(|e| e.to_string())?);
        }
        let path = dir
            .as_ref()
            .map(|d| d.path().join(name))
            .unwrap_or_default();
        std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
        Ok(path)
    })
}

/// Index files; an index that loads must answer a search.
pub fn index(bytes: &[u8]) -> Result<(), String> {
    let path = as_file("fuzz.dhi", bytes)?;
    let Ok(loaded) = deephash_index::index_file::read_index(&path) else {
        return Ok(());
    };
    let index = &loaded.index;
    if index.is_empty() {
        return Ok(());
    }
    let query = CodeMatrix::from_packed(index.bits(), vec![0xA5; index.bits() / 8])
        .map_err(|e| format!("loaded index of {} bits: {e}", index.bits()))?;
    let k = index.len().min(3);
    index
        .knn(&query, k)
        .map_err(|e| format!("loaded index cannot search: {e}"))?;
    index
        .radius(&query, 3)
        .map_err(|e| format!("loaded index cannot search a radius: {e}"))?;
    Ok(())
}

/// List files.
pub fn list(bytes: &[u8]) -> Result<(), String> {
    let path = as_file("fuzz.txt", bytes)?;
    let _ = deephash_data::list::read_list(&path);
    Ok(())
}

/// `config.toml` of a run directory; a configuration that loads is saved, loaded
/// back and saved again to the same text (text, not values: NaN is a value).
#[cfg(feature = "config")]
pub fn config(bytes: &[u8]) -> Result<(), String> {
    let path = as_file("config.toml", bytes)?;
    let Ok(config) = deephash_train::RunConfig::load(&path) else {
        return Ok(());
    };
    let (first, second) = (
        path.with_file_name("first.toml"),
        path.with_file_name("second.toml"),
    );
    config
        .save(&first)
        .map_err(|e| format!("loaded but cannot be saved: {e}"))?;
    let back = deephash_train::RunConfig::load(&first)
        .map_err(|e| format!("saved but cannot be loaded back: {e}"))?;
    back.save(&second).map_err(|e| e.to_string())?;
    let read = |p: &std::path::Path| std::fs::read(p).map_err(|e| e.to_string());
    if read(&first)? != read(&second)? {
        return Err("saved, loaded and saved again differently".into());
    }
    Ok(())
}
