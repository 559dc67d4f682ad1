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

    /// Renders the page and writes it to `path` atomically (the workspace's one writer: a
    /// temporary file in the same folder, readable by all, then a rename), so a reader never
    /// sees half a report.
    pub fn write(&self, path: &Path) -> Result<(), ReportError> {
        let page = self.render()?;
        deephash_codes::write_atomically(path, |f| f.write_all(page.as_bytes()))?;
        Ok(())
    }
}
