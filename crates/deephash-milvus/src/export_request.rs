//! `deephash export` as one library call: a code file as files another system imports.

use std::path::PathBuf;

use crate::{MilvusError, PushItems, export_bulk_npy};

/// Export formats (with the `clap` feature, a command-line value: `milvus-npy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ExportFormat {
    /// One .npy per field (id, code, label, path): the layout of Milvus's bulk import, for
    /// collections too large to stream with `deephash milvus push`.
    MilvusNpy,
}

/// A code file to export: the arguments of `deephash export` (with the `clap` feature, its
/// flags).
#[derive(Clone, Debug)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(
    feature = "clap",
    command(after_help = "Example:\n  \
        deephash export --codes photos.dhc --format milvus-npy --out photos-bulk/")
)]
pub struct ExportRequest {
    /// A code database (.dhc) or .npy packed codes.
    #[cfg_attr(feature = "clap", arg(long, value_name = "DB.dhc"))]
    pub codes: PathBuf,
    /// The output format.
    #[cfg_attr(feature = "clap", arg(long, value_enum))]
    pub format: ExportFormat,
    /// The output folder (created if missing).
    #[cfg_attr(feature = "clap", arg(long, value_name = "DIR"))]
    pub out: PathBuf,
}

impl ExportRequest {
    /// Reads the code file and writes the export; returns the number of codes and the files
    /// written.
    pub fn run(&self) -> Result<(usize, Vec<PathBuf>), MilvusError> {
        let items = PushItems::read(&self.codes, None)?;
        let files = match self.format {
            ExportFormat::MilvusNpy => export_bulk_npy(&items, &self.out)?,
        };
        Ok((items.len(), files))
    }
}
