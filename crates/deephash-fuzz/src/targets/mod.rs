//! The fuzz targets: one parser of outside bytes each, with its seeds. A check
//! returns `Err` for a wrong answer that is not a panic (a server error for
//! client input, a loaded index that cannot search); panics are caught by the
//! campaign.

mod files;
mod formats;
mod repair;
mod service;

use crate::seeds;

/// One target: its name (also its corpus folder), whether its format is text,
/// its seeds and its check.
#[derive(Clone, Copy)]
pub struct Target {
    /// Name and corpus folder.
    pub name: &'static str,
    /// Whether the format is text (adds text-token mutations).
    pub text: bool,
    /// Valid inputs to start from.
    pub seeds: fn() -> Vec<Vec<u8>>,
    /// Parses one input; `Err` for a wrong but non-panicking answer.
    pub check: fn(&[u8]) -> Result<(), String>,
    /// Recomputes the format's checksums after a mutation (no-op for most).
    pub repair: fn(&mut [u8]),
}

impl Target {
    /// The seeds and the committed corpus (past findings included).
    pub fn inputs(&self) -> Vec<Vec<u8>> {
        let mut all = (self.seeds)();
        all.extend(seeds::corpus(self.name));
        all
    }
}

/// Every target.
pub const ALL: &[Target] = &[
    Target {
        name: "npy",
        text: false,
        seeds: seeds::npy,
        check: formats::npy,
        repair: repair::none,
    },
    Target {
        name: "dhc",
        text: false,
        seeds: seeds::dhc,
        check: formats::dhc,
        repair: repair::dhc,
    },
    Target {
        name: "index",
        text: false,
        seeds: seeds::index,
        check: files::index,
        repair: repair::index,
    },
    Target {
        name: "mat5",
        text: false,
        seeds: seeds::mat5,
        check: formats::mat5,
        repair: repair::none,
    },
    Target {
        name: "list",
        text: true,
        seeds: seeds::list,
        check: files::list,
        repair: repair::none,
    },
    Target {
        name: "code_text",
        text: true,
        seeds: seeds::code_text,
        check: formats::code_text,
        repair: repair::none,
    },
    Target {
        name: "image",
        text: false,
        seeds: seeds::image,
        check: formats::image,
        repair: repair::none,
    },
    #[cfg(feature = "config")]
    Target {
        name: "config",
        text: true,
        seeds: seeds::config,
        check: files::config,
        repair: repair::none,
    },
    Target {
        name: "multipart",
        text: true,
        seeds: seeds::multipart,
        check: service::multipart,
        repair: repair::none,
    },
];

/// The target called `name`.
pub fn by_name(name: &str) -> Option<Target> {
    ALL.iter().copied().find(|t| t.name == name)
}
