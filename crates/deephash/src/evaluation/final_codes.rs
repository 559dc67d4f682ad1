//! The codes `deephash train` computed for its final evaluation, kept in the run directory
//! (`RUN/codes-test.dhc`, `RUN/codes-train.dhc`) so that evaluating the run again reuses them
//! instead of encoding every image again.
//!
//! They are used only when they are newer than the run's model and hold exactly the image
//! ids (in order) and code length the evaluation asks for; anything else means encoding anew.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use deephash_codes::{CodeDb, CodeMatrix};
use deephash_train::RunDir;

use crate::Result;

/// `RUN/codes-{split}.dhc`.
pub fn final_codes_path(run: &Path, split: &str) -> PathBuf {
    run.join(format!("codes-{split}.dhc"))
}

/// Writes `db` as the run's final codes of `split`.
pub fn save_final_codes(run: &Path, split: &str, db: &CodeDb) -> Result<()> {
    db.write(&final_codes_path(run, split))?;
    Ok(())
}

/// The run's saved codes of `split` when they are still valid for the model and match `ids`
/// and `bits`; `None` when they must be computed again.
pub fn reuse_final_codes(
    run: &Path,
    split: &str,
    ids: &[String],
    bits: usize,
) -> Option<CodeMatrix> {
    let path = final_codes_path(run, split);
    let model = RunDir::open(run).ok()?.model_path();
    if modified(&path)? < modified(&model)? {
        return None;
    }
    let db = match CodeDb::read(&path) {
        Ok(db) => db,
        Err(e) => {
            tracing::warn!("{e}; encoding again");
            return None;
        }
    };
    let same_ids = db.ids.as_deref() == Some(ids);
    (same_ids && db.codes.bits() == bits).then_some(db.codes)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).ok()?.modified().ok()
}
