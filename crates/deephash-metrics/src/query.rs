//! Every metric of one query from one scan of the database.

use crate::average_precision::tie_aware_with;
use crate::harmonic::Harmonic;
use deephash_codes::CodeMatrix;

use crate::MetricsError;
use crate::relevance::Relevance;
use crate::scan::{LOCAL_BITS, ScanBuffers, scan};
use crate::sums::Sums;

/// Everything shared by all queries of an evaluation.
pub(crate) struct Context<'a> {
    pub(crate) query: &'a CodeMatrix,
    pub(crate) db: &'a CodeMatrix,
    pub(crate) relevance: Relevance<'a>,
    pub(crate) harmonic: Harmonic,
    pub(crate) bits: usize,
    /// Number of database items.
    pub(crate) database: usize,
    /// Cut-off of mAP@k; the database size when no `topk` was given.
    pub(crate) topk: usize,
    /// Cut-off of precision@k.
    pub(crate) k: usize,
    /// Cut-offs of the precision@k curve, ascending.
    pub(crate) curve_ks: Vec<usize>,
}

/// Scratch space of one thread, reused from query to query.
pub(crate) struct Workspace {
    scan: ScanBuffers,
    hist_relevant: Vec<u32>,
    cursor: Vec<usize>,
    start: Vec<usize>,
    positions: Vec<usize>,
}

impl Workspace {
    /// Scratch space for codes of `bits` bits and `database` items.
    pub(crate) fn new(bits: usize, database: usize) -> Self {
        Self {
            scan: ScanBuffers::new(bits, database),
            hist_relevant: vec![0; bits + 1],
            cursor: vec![0; bits + 1],
            start: vec![0; bits + 1],
            positions: Vec::with_capacity(database),
        }
    }
}

/// Evaluates query `q` and adds its metrics to `sums`.
pub(crate) fn evaluate_query(
    ctx: &Context<'_>,
    q: usize,
    ws: &mut Workspace,
    sums: &mut Sums,
) -> Result<(), MetricsError> {
    scan(ctx.query, q, ctx.db, &ctx.relevance, &mut ws.scan)?;
    sums.queries += 1;
    count_relevant(ws);
    for d in 0..=ctx.bits {
        let rel = ws.hist_relevant[d];
        sums.hist_relevant[d] += u64::from(rel);
        sums.hist_irrelevant[d] += u64::from(ws.scan.hist[d] - rel);
    }
    if ws.scan.relevant == 0 {
        // No relevant item: AP, precision and recall are all 0 for this query.
        sums.without_relevant += 1;
        return Ok(());
    }
    rank_relevant(ws);
    add_ranking_metrics(ctx, &ws.positions, sums);
    let groups = ws
        .scan
        .hist
        .iter()
        .zip(&ws.hist_relevant)
        .filter(|(n, _)| **n > 0);
    sums.ap_tie_aware += tie_aware_with(
        groups.map(|(&n, &r)| (n as usize, r as usize)),
        &ctx.harmonic,
    );
    add_radius_metrics(&ws.scan.hist, &ws.hist_relevant, ws.scan.relevant, sums);
    Ok(())
}

/// Relevant items at each distance.
fn count_relevant(ws: &mut Workspace) {
    ws.hist_relevant.fill(0);
    for &item in &ws.scan.items[..ws.scan.relevant] {
        ws.hist_relevant[(item >> LOCAL_BITS) as usize] += 1;
    }
}

/// Second half of the counting sort: the 0-based rank of every relevant item
/// in the stable ranking, ascending, into `ws.positions`.
fn rank_relevant(ws: &mut Workspace) {
    let (mut items_before, mut relevant_before) = (0usize, 0usize);
    for d in 0..ws.start.len() {
        ws.start[d] = items_before;
        ws.cursor[d] = relevant_before;
        items_before += ws.scan.hist[d] as usize;
        relevant_before += ws.hist_relevant[d] as usize;
    }
    ws.positions.clear();
    ws.positions.resize(ws.scan.relevant, 0);
    let mask = (1u64 << LOCAL_BITS) - 1;
    for &item in &ws.scan.items[..ws.scan.relevant] {
        let d = (item >> LOCAL_BITS) as usize;
        ws.positions[ws.cursor[d]] = ws.start[d] + (item & mask) as usize;
        ws.cursor[d] += 1;
    }
}

/// AP, AP@k, precision@k and the precision@k curve from the ascending ranks
/// of the relevant items.
fn add_ranking_metrics(ctx: &Context<'_>, positions: &[usize], sums: &mut Sums) {
    let (mut ap, mut ap_k, mut in_topk, mut in_k) = (0.0f64, 0.0f64, 0usize, 0usize);
    let mut next = 0;
    for (found, &pos) in positions.iter().enumerate() {
        while next < ctx.curve_ks.len() && ctx.curve_ks[next] <= pos {
            sums.curve[next] += found as f64 / ctx.curve_ks[next] as f64;
            next += 1;
        }
        let precision = (found + 1) as f64 / (pos + 1) as f64;
        ap += precision;
        if pos < ctx.topk {
            ap_k += precision;
            in_topk += 1;
        }
        in_k += usize::from(pos < ctx.k);
    }
    for (slot, &k) in sums.curve[next..].iter_mut().zip(&ctx.curve_ks[next..]) {
        *slot += positions.len() as f64 / k as f64;
    }
    sums.ap += ap / positions.len() as f64;
    if in_topk > 0 {
        sums.ap_at_k += ap_k / in_topk as f64;
    }
    sums.precision_at_k += in_k as f64 / ctx.k as f64;
}

/// Precision and recall within every radius 0..=bits.
fn add_radius_metrics(hist: &[u32], hist_relevant: &[u32], relevant: usize, sums: &mut Sums) {
    let (mut within, mut relevant_within) = (0u64, 0u64);
    for d in 0..hist.len() {
        within += u64::from(hist[d]);
        relevant_within += u64::from(hist_relevant[d]);
        if within > 0 {
            sums.pr_precision[d] += relevant_within as f64 / within as f64;
        }
        sums.pr_recall[d] += relevant_within as f64 / relevant as f64;
    }
}
