//! Example queries for the report: which queries to show and their top results.

use deephash_codes::{CodeMatrix, Labels};
use deephash_index::{HammingIndex, LinearScan};
use deephash_metrics::Side;

use crate::{ExampleGrid, ExampleHit, ExampleQuery, ReportError, Thumbnail};

/// Test queries against a database at one code length: what examples are drawn from.
#[derive(Clone, Copy, Debug)]
pub struct CodeSet<'a> {
    /// Query codes.
    pub query: &'a CodeMatrix,
    /// One label set per query.
    pub query_labels: &'a Labels,
    /// Database codes.
    pub db: &'a CodeMatrix,
    /// One label set per database item.
    pub db_labels: &'a Labels,
}

/// Up to `count` query indices that cover as many classes as possible: the first query of
/// each class in order of first appearance, then more queries spread evenly over the rest.
/// Deterministic, so reports of the same data show the same examples.
pub fn pick_queries(labels: &Labels, count: usize) -> Vec<usize> {
    let n = labels.len();
    let mut picked: Vec<usize> = Vec::new();
    for i in 0..n {
        if picked.len() == count {
            return picked;
        }
        if !picked.iter().any(|&p| labels.relevant(p, labels, i)) {
            picked.push(i);
        }
    }
    let missing = count.saturating_sub(picked.len()).min(n - picked.len());
    let step = n as f64 / (missing + 1) as f64;
    let mut extra = (1..=missing).map(|j| ((j as f64 * step) as usize).min(n - 1));
    while picked.len() < count.min(n) {
        let Some(mut i) = extra.next() else { break };
        while picked.contains(&i) {
            i = (i + 1) % n;
        }
        picked.push(i);
    }
    picked
}

/// The `k` nearest database items of each of the `queries` (rows of `set.query`), through
/// the index crate's exact scan: nearest first, ties by lower database index (the order
/// every deephash search returns).
fn nearest(
    set: CodeSet<'_>,
    queries: &[usize],
    k: usize,
) -> Result<Vec<Vec<(usize, u32)>>, ReportError> {
    let k = k.min(set.db.len());
    if k == 0 || queries.is_empty() {
        return Ok(vec![Vec::new(); queries.len()]);
    }
    let packed: Vec<u8> = queries
        .iter()
        .flat_map(|&q| set.query.code(q).to_vec())
        .collect();
    let query = CodeMatrix::from_packed(set.query.bits(), packed)?;
    let found = LinearScan::new(set.db)?.knn(&query, k)?;
    Ok((0..queries.len())
        .map(|q| {
            let pairs = found.ids_of(q).iter().zip(found.distances_of(q));
            pairs.map(|(&i, &d)| (i as usize, u32::from(d))).collect()
        })
        .collect())
}

/// Builds the example grid: for each of `queries`, its top `k` database items with their
/// distance and relevance. `image(side, index)` gives the thumbnail and `label(side, index)`
/// the label text of a query or database item (the caller knows the files and class names).
pub fn example_grid(
    set: CodeSet<'_>,
    queries: &[usize],
    k: usize,
    image: &mut dyn FnMut(Side, usize) -> Result<Thumbnail, ReportError>,
    label: &dyn Fn(Side, usize) -> String,
) -> Result<ExampleGrid, ReportError> {
    check(set)?;
    let mut grid = ExampleGrid {
        bits: set.query.bits(),
        queries: Vec::with_capacity(queries.len()),
    };
    if let Some(&q) = queries.iter().find(|&&q| q >= set.query.len()) {
        return Err(ReportError::InvalidData(format!(
            "example query {q} of {}",
            set.query.len()
        )));
    }
    for (&q, nearest) in queries.iter().zip(nearest(set, queries, k)?) {
        let mut hits = Vec::with_capacity(k);
        for (i, distance) in nearest {
            let relevant = set.query_labels.relevant(q, set.db_labels, i);
            hits.push(ExampleHit {
                image: image(Side::Database, i)?,
                label: label(Side::Database, i),
                distance,
                relevant,
            });
        }
        grid.queries.push(ExampleQuery {
            image: image(Side::Query, q)?,
            label: label(Side::Query, q),
            hits,
        });
    }
    Ok(grid)
}

fn check(set: CodeSet<'_>) -> Result<(), ReportError> {
    let fail = |m: String| Err(ReportError::InvalidData(m));
    if set.query.bits() != set.db.bits() {
        return fail(format!(
            "queries have {} bits, the database {}",
            set.query.bits(),
            set.db.bits()
        ));
    }
    if set.query_labels.len() != set.query.len() || set.db_labels.len() != set.db.len() {
        return fail(format!(
            "labels do not match codes: {} query labels for {} codes, {} database labels for {} codes",
            set.query_labels.len(),
            set.query.len(),
            set.db_labels.len(),
            set.db.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_one_query_per_class_first() {
        let labels = Labels::Single(vec![3, 3, 1, 3, 1, 2, 2, 2]);
        assert_eq!(pick_queries(&labels, 2), vec![0, 2]);
        assert_eq!(pick_queries(&labels, 3), vec![0, 2, 5]);
        let more = pick_queries(&labels, 5);
        assert_eq!(&more[..3], &[0, 2, 5]);
        assert_eq!(more.len(), 5);
        let mut unique = more.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 5, "{more:?}");
        assert_eq!(pick_queries(&labels, 50).len(), 8);
        assert!(pick_queries(&Labels::Single(vec![]), 4).is_empty());
    }

    #[test]
    fn hits_are_nearest_first_with_ties_by_index() {
        let q = CodeMatrix::from_packed(8, vec![0]).unwrap();
        let db = CodeMatrix::from_packed(
            8,
            vec![0b1111_0000, 0b0000_0001, 0b0000_0000, 0b0000_0010, 0xff],
        )
        .unwrap();
        let labels = Labels::Single(vec![0; 5]);
        let set = CodeSet {
            query: &q,
            query_labels: &Labels::Single(vec![0]),
            db: &db,
            db_labels: &labels,
        };
        let mut image = |_, i| Thumbnail::from_gray(1, 1, &[i as u8]);
        let label = |_, i: usize| i.to_string();
        let mut hits = |k| {
            let grid = example_grid(set, &[0], k, &mut image, &label).unwrap();
            let hits = &grid.queries[0].hits;
            hits.iter()
                .map(|h| (h.label.parse::<usize>().unwrap(), h.distance))
                .collect::<Vec<_>>()
        };
        assert_eq!(hits(3), vec![(2, 0), (1, 1), (3, 1)]);
        assert_eq!(hits(10).len(), 5);
        assert_eq!(hits(10)[4], (4, 8));
        assert!(hits(0).is_empty());
    }

    #[test]
    fn grid_marks_relevance_and_asks_for_each_image() {
        let q = CodeMatrix::from_packed(8, vec![0, 0xff]).unwrap();
        let db = CodeMatrix::from_packed(8, vec![0xff, 0x01, 0x00]).unwrap();
        let (ql, dbl) = (Labels::Single(vec![7, 8]), Labels::Single(vec![8, 7, 8]));
        let set = CodeSet {
            query: &q,
            query_labels: &ql,
            db: &db,
            db_labels: &dbl,
        };
        let mut asked = Vec::new();
        let mut image = |side, i| {
            asked.push((side, i));
            Thumbnail::from_gray(1, 1, &[i as u8])
        };
        let grid = example_grid(set, &[0, 1], 2, &mut image, &|side, i| {
            format!("{side} {i}")
        })
        .unwrap();
        assert_eq!(grid.bits, 8);
        let hits: Vec<_> = grid.queries[0]
            .hits
            .iter()
            .map(|h| (h.label.clone(), h.distance, h.relevant))
            .collect();
        assert_eq!(
            hits,
            vec![
                ("database 2".into(), 0, false),
                ("database 1".into(), 1, true)
            ]
        );
        assert_eq!(grid.queries[1].hits[0].label, "database 0");
        assert!(grid.queries[1].hits[0].relevant);
        let err = example_grid(set, &[2], 2, &mut image, &|_, _| String::new()).unwrap_err();
        assert!(err.to_string().contains("example query 2"), "{err}");
        assert_eq!(asked.len(), 2 + 4);
    }
}
