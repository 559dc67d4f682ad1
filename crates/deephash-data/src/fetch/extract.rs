//! Safe unpacking of tar and tar.gz archives: no absolute paths, no `..`, no links, nothing but
//! files and folders, everything inside the target folder.

use std::io::Read;
use std::path::{Component, Path};

use crate::error::{DataError, Result};

/// Unpacks the tar archive at `archive` (gzip-compressed when its name ends in `.tgz` or `.gz`)
/// into `dest`. Refuses, before writing it, any entry with an absolute path or a `..` component,
/// and any entry that is not a regular file or folder (symbolic and hard links, devices).
/// Returns the number of files written.
pub fn extract_tar(archive: &Path, dest: &Path) -> Result<usize> {
    let file = std::fs::File::open(archive).map_err(|e| DataError::io(archive, e))?;
    let name = archive.to_string_lossy();
    let reader: Box<dyn Read> = if name.ends_with(".tgz") || name.ends_with(".gz") {
        Box::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)))
    } else {
        Box::new(std::io::BufReader::new(file))
    };
    std::fs::create_dir_all(dest).map_err(|e| DataError::io(dest, e))?;
    let root = dest.canonicalize().map_err(|e| DataError::io(dest, e))?;
    let bad = |m: String| DataError::format(archive, m);
    let mut tar = tar::Archive::new(reader);
    let mut files = 0;
    for entry in tar
        .entries()
        .map_err(|e| bad(format!("cannot read archive: {e}")))?
    {
        let mut entry = entry.map_err(|e| bad(format!("corrupt or truncated archive: {e}")))?;
        let path = entry
            .path()
            .map_err(|e| bad(format!("bad entry name: {e}")))?
            .into_owned();
        if path
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(bad(format!(
                "unsafe entry path {} (absolute or with ..)",
                path.display()
            )));
        }
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir()) {
            return Err(bad(format!(
                "entry {} is a {kind:?}, not a file or folder; refusing",
                path.display()
            )));
        }
        let target = dest.join(&path);
        if kind.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| DataError::io(&target, e))?;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| DataError::io(parent, e))?;
            let real = parent
                .canonicalize()
                .map_err(|e| DataError::io(parent, e))?;
            if !real.starts_with(&root) {
                return Err(bad(format!(
                    "entry {} would land outside {} (through a link)",
                    path.display(),
                    dest.display()
                )));
            }
        }
        let mut out = std::fs::File::create(&target).map_err(|e| DataError::io(&target, e))?;
        std::io::copy(&mut entry, &mut out)
            .map_err(|e| bad(format!("{}: {e} (truncated archive?)", path.display())))?;
        files += 1;
    }
    Ok(files)
}
