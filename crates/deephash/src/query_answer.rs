//! [`QueryAnswer`]: one image file searched through a [`Retriever`], with where its code came
//! from — what `deephash query` prints as a table or as JSON.

use std::path::{Path, PathBuf};

use deephash_data::{DEFAULT_MAX_PIXELS, decode_file};
use serde_json::json;

use crate::{Hit, Item, Result, Retriever};

/// Where the query's code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeFrom {
    /// The image is an item of the database: its stored code.
    Database,
    /// The image was encoded by the run.
    Image,
}

impl CodeFrom {
    /// The word the outputs use: `database` or `image`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Database => "database",
            Self::Image => "image",
        }
    }
}

/// The `k` nearest items to one query image.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryAnswer {
    /// The query image as given.
    pub image: PathBuf,
    /// Where its code came from.
    pub code_from: CodeFrom,
    /// Code length.
    pub bits: usize,
    /// Results asked for.
    pub k: usize,
    /// The results, nearest first.
    pub hits: Vec<Hit>,
}

impl Retriever {
    /// The `k` nearest items to the image file `image`: its stored code when it is an item of
    /// the database (see [`Retriever::stored_row`]), else its code from the run.
    pub fn query_file(&self, image: &Path, k: usize) -> Result<QueryAnswer> {
        let (hits, code_from) = match self.stored_row(image) {
            Some(row) => (
                self.search_code(self.db().codes.code(row), k)?,
                CodeFrom::Database,
            ),
            None => {
                let decoded = decode_file(image, DEFAULT_MAX_PIXELS)?;
                (self.search_image(decoded, k)?, CodeFrom::Image)
            }
        };
        Ok(QueryAnswer {
            image: image.to_path_buf(),
            code_from,
            bits: self.bits(),
            k,
            hits,
        })
    }
}

impl QueryAnswer {
    /// A header naming the query and one line per result: rank, distance, label, path.
    /// `items` are the retriever's, in database order.
    pub fn table(&self, items: &[Item]) -> String {
        let mut out = format!(
            "query: {} (code from the {})\nrank  distance  label  path\n",
            self.image.display(),
            self.code_from.name()
        );
        for (rank, h) in self.hits.iter().enumerate() {
            let item = &items[h.row];
            out.push_str(&format!(
                "{:>4}  {:>8}  {:>5}  {}\n",
                rank + 1,
                h.distance,
                item.label.as_deref().unwrap_or_default(),
                item.id
            ));
        }
        out
    }

    /// The answer as one JSON object: query, code source, bits, k and the ranked results.
    pub fn to_json(&self, items: &[Item]) -> serde_json::Value {
        let results: Vec<_> = (self.hits.iter().enumerate())
            .map(|(rank, h)| {
                let item = &items[h.row];
                json!({"rank": rank + 1, "distance": h.distance, "path": item.id,
                       "label": item.label.as_deref().unwrap_or_default()})
            })
            .collect();
        json!({
            "query": self.image.display().to_string(),
            "code_from": self.code_from.name(),
            "bits": self.bits,
            "k": self.k,
            "results": results,
        })
    }
}

#[cfg(test)]
mod tests {
    use deephash_data::ImageSource;

    use super::*;

    fn item(id: &str, label: Option<&str>) -> Item {
        Item {
            id: id.into(),
            path: PathBuf::from(id),
            label: label.map(String::from),
            image: ImageSource::File(PathBuf::from(id)),
        }
    }

    #[test]
    fn the_table_and_the_json_rank_the_hits_with_labels_and_paths() {
        let items = [item("a.png", Some("cat")), item("b.png", None)];
        let answer = QueryAnswer {
            image: PathBuf::from("q.jpg"),
            code_from: CodeFrom::Image,
            bits: 16,
            k: 2,
            hits: vec![
                Hit {
                    row: 1,
                    distance: 0,
                },
                Hit {
                    row: 0,
                    distance: 5,
                },
            ],
        };
        assert_eq!(
            answer.table(&items),
            "query: q.jpg (code from the image)\nrank  distance  label  path\n   \
             1         0         b.png\n   2         5    cat  a.png\n"
        );
        let json = answer.to_json(&items);
        assert_eq!(json["code_from"], "image");
        assert_eq!(
            (json["bits"].as_u64(), json["k"].as_u64()),
            (Some(16), Some(2))
        );
        assert_eq!(json["results"][0]["path"], "b.png");
        assert_eq!(json["results"][1]["label"], "cat");
        assert_eq!(json["results"][1]["rank"], 2);
    }
}
