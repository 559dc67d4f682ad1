//! Rendering and atomic writing of the report file.

use std::io::Write;
use std::path::Path;

use crate::{Report, ReportError, html};

impl Report {
    /// The complete, self-contained HTML page.
    pub fn render(&self) -> Result<String, ReportError> {
        self.validate()?;
        html::page(self)
    }

    /// Renders the page and writes it to `path` atomically (a temporary file in the same
    /// folder, then a rename), so a reader never sees half a report.
    pub fn write(&self, path: &Path) -> Result<(), ReportError> {
        let page = self.render()?;
        let io = |source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        tmp.write_all(page.as_bytes()).map_err(io)?;
        make_readable(tmp.as_file()).map_err(io)?;
        tmp.persist(path).map_err(|e| io(e.error))?;
        Ok(())
    }
}

/// Temporary files are created private (0600); a report is meant to be shared like any other
/// output file, so give it the usual 0644 before it gets its final name.
#[cfg(unix)]
fn make_readable(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn make_readable(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}
