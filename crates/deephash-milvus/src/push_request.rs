//! `deephash milvus push` as one library call: a code file into a collection.

use std::path::PathBuf;

use crate::{IndexChoice, MilvusClient, MilvusError, PushItems, PushOptions, PushReport};

/// The index a new collection gets (with the `clap` feature, a command-line value: `flat`,
/// `ivf`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum IndexKind {
    /// `BIN_FLAT`: exact.
    #[default]
    Flat,
    /// `BIN_IVF_FLAT`: approximate, `--nlist` clusters (Milvus Lite refuses it).
    Ivf,
}

/// A code file to put into a collection: the arguments of `deephash milvus push` (with the
/// `clap` feature, its flags), so that the command only parses, calls [`PushRequest::run`]
/// and prints.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct PushRequest {
    /// The server: `[http[s]://]host[:port]` (port 19530 by default).
    #[cfg_attr(feature = "clap", arg(long))]
    pub uri: String,
    /// The collection (created when missing).
    #[cfg_attr(feature = "clap", arg(long))]
    pub collection: String,
    /// A code database (.dhc: ids, labels and class names go along) or .npy packed codes
    /// (ids = rows).
    #[cfg_attr(feature = "clap", arg(long, value_name = "FILE"))]
    pub codes: PathBuf,
    /// Labels (.npy) for the codes, replacing a code database's own.
    #[cfg_attr(feature = "clap", arg(long, value_name = "L.npy"))]
    pub labels: Option<PathBuf>,
    /// Drop the collection first instead of completing it.
    #[cfg_attr(feature = "clap", arg(long))]
    pub replace: bool,
    /// The index of a new collection.
    #[cfg_attr(feature = "clap", arg(long, value_enum, default_value = "flat"))]
    pub index: IndexKind,
    /// IVF clusters (with --index ivf).
    #[cfg_attr(feature = "clap", arg(long, default_value_t = IndexChoice::DEFAULT_NLIST))]
    pub nlist: u32,
    /// Rows per insert (1 to 16384).
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 10_000))]
    pub batch: usize,
}

impl PushRequest {
    /// Reads the code file ([`PushItems::read`]), connects and pushes ([`MilvusClient::push`]),
    /// with a progress bar on stderr when `progress`.
    pub fn run(&self, progress: bool) -> Result<PushReport, MilvusError> {
        let items = PushItems::read(&self.codes, self.labels.as_deref())?;
        let client = MilvusClient::connect(&self.uri)?;
        let opts = PushOptions {
            batch: self.batch,
            replace: self.replace,
            index: self.index_choice(),
            progress,
        };
        client.push(&self.collection, &items, &opts)
    }

    /// The index as the client takes it.
    pub fn index_choice(&self) -> IndexChoice {
        match self.index {
            IndexKind::Flat => IndexChoice::Flat,
            IndexKind::Ivf => IndexChoice::Ivf { nlist: self.nlist },
        }
    }
}
