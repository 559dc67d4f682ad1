//! The entry point: validate the inputs, scan every query in parallel, average.

use deephash_codes::{CodeMatrix, Labels};
use rayon::prelude::*;

use crate::config::EvalConfig;
use crate::harmonic::Harmonic;
use crate::query::{Context, Workspace, evaluate_query};
use crate::relevance::{Relevance, check_count};
use crate::report::EvalReport;
use crate::sums::{ReportShape, Sums};
use crate::{MetricsError, Side};

/// Queries per parallel block. Blocks are summed in order, so the result is
/// bit-identical whatever the number of threads.
const BLOCK: usize = 32;

/// Evaluates the Hamming ranking of `db` for every query: every metric of
/// [`EvalReport`] from one O(N) scan of the database per query (a stable
/// counting sort by distance), queries in parallel on the rayon pool.
///
/// Relevance is a shared label ([`Labels::relevant`]): equal class ids for
/// single-label data, at least one common class for multi-label data. Queries
/// without any relevant item count as 0 in every average.
pub fn evaluate(
    query: &CodeMatrix,
    query_labels: &Labels,
    db: &CodeMatrix,
    db_labels: &Labels,
    config: &EvalConfig,
) -> Result<EvalReport, MetricsError> {
    let relevance = validate(query, query_labels, db, db_labels, config)?;
    let (bits, database) = (db.bits(), db.len());
    let ctx = Context {
        query,
        db,
        relevance,
        harmonic: Harmonic::new(database),
        bits,
        database,
        topk: config.topk.unwrap_or(database),
        k: config.k(database),
        curve_ks: config.curve_ks(database),
    };
    let sums = run_blocks(&ctx, query.len())?;
    let shape = ReportShape {
        database,
        bits,
        topk: config.topk,
        k: ctx.k,
        radius: config.radius,
        curve_ks: &ctx.curve_ks,
    };
    Ok(sums.into_report(&shape))
}

/// Checks shapes and cut-offs; returns the prepared relevance on success.
fn validate<'a>(
    query: &CodeMatrix,
    query_labels: &'a Labels,
    db: &CodeMatrix,
    db_labels: &'a Labels,
    config: &EvalConfig,
) -> Result<Relevance<'a>, MetricsError> {
    for (side, codes) in [(Side::Query, query), (Side::Database, db)] {
        if codes.is_empty() {
            return Err(MetricsError::Empty { side });
        }
    }
    check_count(Side::Query, query.len(), query_labels)?;
    check_count(Side::Database, db.len(), db_labels)?;
    if query.bits() != db.bits() {
        return Err(MetricsError::BitsMismatch {
            query_bits: query.bits(),
            db_bits: db.bits(),
        });
    }
    if let Some(k) = config.topk
        && !(1..=db.len()).contains(&k)
    {
        return Err(MetricsError::InvalidK {
            k,
            database: db.len(),
        });
    }
    Relevance::new(query_labels, db_labels)
}

/// Evaluates all queries in blocks on the rayon pool and sums the blocks in order.
fn run_blocks(ctx: &Context<'_>, queries: usize) -> Result<Sums, MetricsError> {
    let blocks: Vec<Sums> = (0..queries.div_ceil(BLOCK))
        .into_par_iter()
        .map_init(
            || Workspace::new(ctx.bits, ctx.database),
            |ws, block| {
                let mut sums = Sums::new(ctx.bits, ctx.curve_ks.len());
                for q in block * BLOCK..((block + 1) * BLOCK).min(queries) {
                    evaluate_query(ctx, q, ws, &mut sums)?;
                }
                Ok(sums)
            },
        )
        .collect::<Result<_, MetricsError>>()?;
    let mut total = Sums::new(ctx.bits, ctx.curve_ks.len());
    for block in &blocks {
        total.merge(block);
    }
    Ok(total)
}
