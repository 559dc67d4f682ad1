//! Real-valued network outputs of a set of samples, handed to retrieval scorers.

use burn::tensor::Tensor;

use crate::TrainError;

/// `rows x bits` relaxed codes (row-major) with the labels of each row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Embeddings {
    /// Row-major values, `rows * bits` of them.
    pub values: Vec<f32>,
    /// Code length.
    pub bits: usize,
    /// Label set of each row.
    pub labels: Vec<Vec<u32>>,
}

impl Embeddings {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.labels.len()
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.bits..(i + 1) * self.bits]
    }

    /// Runs `forward` over `rows` in chunks of `chunk` rows and gathers its `(n, bits)`
    /// outputs, in row order, with each row's label set from `labels`.
    pub(crate) fn collect(
        rows: &[usize],
        labels: &[Vec<u32>],
        chunk: usize,
        mut forward: impl FnMut(&[usize]) -> Result<Tensor<2>, TrainError>,
    ) -> Result<Self, TrainError> {
        let mut values = Vec::new();
        let mut bits = 0;
        for part in rows.chunks(chunk.max(1)) {
            let h = forward(part)?;
            bits = h.dims()[1];
            values.extend(
                h.into_data()
                    .try_to_vec::<f32>()
                    .map_err(|e| TrainError::Config(format!("reading codes: {e:?}")))?,
            );
        }
        Ok(Self {
            values,
            bits,
            labels: rows.iter().map(|&i| labels[i].clone()).collect(),
        })
    }
}

/// Scores retrieval quality (validation mAP) of `queries` against `database`.
///
/// The training crate stays independent of the code and metric crates: the caller (the
/// CLI) supplies this, usually binarising with `sign` and computing mAP@all.
pub trait RetrievalScorer {
    /// The score (higher is better).
    fn score(&self, queries: &Embeddings, database: &Embeddings) -> Result<f64, String>;
}

impl<F> RetrievalScorer for F
where
    F: Fn(&Embeddings, &Embeddings) -> Result<f64, String>,
{
    fn score(&self, queries: &Embeddings, database: &Embeddings) -> Result<f64, String> {
        self(queries, database)
    }
}
