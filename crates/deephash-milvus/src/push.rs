//! Pushing codes into a collection: created when missing, completed when interrupted.

use std::collections::HashSet;

use indicatif::{ProgressBar, ProgressStyle};
use milvus::v2::prelude::*;
use std::result::Result;

use crate::error::server;
use crate::schema::{CODE, ID, LABEL, MAX_PATH_BYTES, PATH};
use crate::{IndexChoice, MilvusClient, MilvusError, PushItems};

/// The most rows one insert (and one id query) carries: Milvus's query result window.
pub const MAX_BATCH: usize = 16_384;

/// How a push runs.
#[derive(Clone, Debug)]
pub struct PushOptions {
    /// Rows per insert (1 to [`MAX_BATCH`]).
    pub batch: usize,
    /// Drop an existing collection first instead of completing it.
    pub replace: bool,
    /// The index a new collection gets.
    pub index: IndexChoice,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

impl Default for PushOptions {
    fn default() -> Self {
        Self {
            batch: 10_000,
            replace: false,
            index: IndexChoice::Flat,
            progress: false,
        }
    }
}

/// What a push did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PushReport {
    /// Rows inserted by this push.
    pub inserted: usize,
    /// Rows already in the collection (from an interrupted earlier push), left as they were.
    pub present: usize,
    /// Rows in the collection afterwards.
    pub total: usize,
}

impl std::fmt::Display for PushReport {
    /// `pushed N codes (M already there); the collection holds T`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pushed {} codes ({} already there); the collection holds {}",
            self.inserted, self.present, self.total
        )
    }
}

impl MilvusClient {
    /// Puts `items` into collection `name` (row `i` as id `i`): creates it with its index
    /// when missing, checks its code length when present, inserts every row that is not yet
    /// there (so re-running an interrupted push completes it without duplicates), flushes.
    pub fn push(
        &self,
        name: &str,
        items: &PushItems,
        opts: &PushOptions,
    ) -> Result<PushReport, MilvusError> {
        check_push(items, opts)?;
        if opts.replace {
            self.drop_collection(name)?;
        }
        if self.has_collection(name)? {
            self.describe(name)?
                .check_bits(items.codes.bits(), "codes")?;
            self.ensure_index_loaded(name, opts.index)?;
        } else {
            self.create(name, items.codes.bits(), &items.class_names, opts.index)?;
        }
        let bar = progress_bar(items.len(), opts.progress);
        let mut report = PushReport {
            inserted: 0,
            present: 0,
            total: 0,
        };
        for start in (0..items.len()).step_by(opts.batch) {
            let end = (start + opts.batch).min(items.len());
            let present = self.ids_in_range(name, start, end)?;
            let missing: Vec<usize> = (start..end)
                .filter(|i| !present.contains(&(*i as i64)))
                .collect();
            if !missing.is_empty() {
                self.insert_rows(name, items, &missing)?;
            }
            report.inserted += missing.len();
            report.present += end - start - missing.len();
            bar.inc((end - start) as u64);
        }
        bar.finish_and_clear();
        self.flush(name)?;
        report.total = self.count(name)?;
        tracing::info!(collection = name, ?report, "push finished");
        Ok(report)
    }

    /// Number of rows in the collection.
    pub fn count(&self, name: &str) -> Result<usize, MilvusError> {
        let request = QueryRequest::builder()
            .collection_name(name)
            .filter("")
            .output_fields(["count(*)"])
            .consistency_level(ConsistencyLevel::Strong)
            .build()
            .map_err(server("count", name))?;
        let answer = self.block_on(self.client.query(request));
        let answer = answer.map_err(server("count", name))?;
        let mut rows = answer.results().rows().map_err(server("count", name))?;
        let row = rows.next().ok_or_else(|| MilvusError::Schema {
            name: name.to_string(),
            reason: "count(*) returned no row".into(),
        })?;
        let n = row.get_i64("count(*)").map_err(server("count", name))?;
        Ok(n.max(0) as usize)
    }

    /// The ids in `start..end` that the collection holds (`end - start` at most [`MAX_BATCH`]).
    pub fn ids_in_range(
        &self,
        name: &str,
        start: usize,
        end: usize,
    ) -> Result<HashSet<i64>, MilvusError> {
        let request = QueryRequest::builder()
            .collection_name(name)
            .filter(format!("{ID} >= {start} and {ID} < {end}"))
            .output_fields([ID])
            .limit((end - start) as i64)
            .consistency_level(ConsistencyLevel::Strong)
            .build()
            .map_err(server("query", name))?;
        let answer = self.block_on(self.client.query(request));
        let answer = answer.map_err(server("query", name))?;
        let rows = answer.results().rows().map_err(server("query", name))?;
        rows.map(|row| row.get_i64(ID).map_err(server("query", name)))
            .collect()
    }

    fn insert_rows(
        &self,
        name: &str,
        items: &PushItems,
        rows: &[usize],
    ) -> Result<(), MilvusError> {
        let codes = rows.iter().map(|&i| items.codes.code(i).to_vec()).collect();
        let request = InsertRequest::builder()
            .collection_name(name)
            .columns(vec![
                FieldData::int64(ID, rows.iter().map(|&i| i as i64).collect()),
                FieldData::binary_vector(CODE, codes),
                FieldData::int64(LABEL, rows.iter().map(|&i| items.labels[i]).collect()),
                FieldData::varchar(PATH, rows.iter().map(|&i| items.paths[i].clone()).collect()),
            ])
            .build()
            .map_err(server("insert", name))?;
        let inserted = self.block_on(self.client.insert(request));
        inserted.map_err(server("insert", name))?;
        Ok(())
    }
}

fn check_push(items: &PushItems, opts: &PushOptions) -> Result<(), MilvusError> {
    if !(1..=MAX_BATCH).contains(&opts.batch) {
        return Err(MilvusError::Invalid(format!(
            "batch size {} is not from 1 to {MAX_BATCH}",
            opts.batch
        )));
    }
    if items.is_empty() {
        return Err(MilvusError::Invalid("no codes to push".into()));
    }
    if items.labels.len() != items.len() || items.paths.len() != items.len() {
        return Err(MilvusError::Invalid(format!(
            "{} codes but {} labels and {} paths",
            items.len(),
            items.labels.len(),
            items.paths.len()
        )));
    }
    if let Some(p) = items
        .paths
        .iter()
        .find(|p| p.len() > MAX_PATH_BYTES as usize)
    {
        return Err(MilvusError::Invalid(format!(
            "a path of {} bytes is longer than Milvus's {MAX_PATH_BYTES}",
            p.len()
        )));
    }
    Ok(())
}

fn progress_bar(len: usize, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) =
        ProgressStyle::with_template("pushing {bar:40} {pos}/{len} codes ({per_sec}, eta {eta})")
    {
        bar.set_style(style);
    }
    bar
}
