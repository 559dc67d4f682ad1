//! [`Retriever`]: a run's encoder, an index and the code database it was built from, with
//! what is known about each item (its path, its class, where its thumbnail comes from) —
//! the one object `query` and `serve` search through.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use deephash_codes::{CodeDb, CodeMatrix, DatasetRef, DbMeta, ModelFingerprint};
use deephash_data::{DatasetKind, DatasetSpec, ImageSource, RgbImage};
use deephash_index::index_file::LoadedIndex;
use deephash_index::{HammingIndex, IndexKind, open_index};
use deephash_model::DeviceSpec;

use crate::{Error, HashEncoder, Result};

/// One item of the database, as a search result shows it.
#[derive(Debug, Clone)]
pub struct Item {
    /// The id stored with its code (an image path relative to the encoded folder or data
    /// set), or `#ROW` when the database stores no ids.
    pub id: String,
    /// Its image file: the id resolved against the image root.
    pub path: PathBuf,
    /// Its class (names where known; ids joined by `,` for multi-label items).
    pub label: Option<String>,
    /// Where its pixels, e.g. for a thumbnail, come from.
    pub image: ImageSource,
}

/// One search result: a database row and its Hamming distance to the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Row of the item in the code database.
    pub row: usize,
    /// Number of differing bits.
    pub distance: u32,
}

/// How [`Retriever::open`] opens its parts.
#[derive(Debug, Clone)]
pub struct RetrieverOptions {
    /// Where the run's network runs.
    pub device: DeviceSpec,
    /// Folder that relative item paths are relative to.
    pub image_root: PathBuf,
    /// The search structure (`None`: an index file's own, else the documented choice).
    pub kind: Option<IndexKind>,
}

impl Default for RetrieverOptions {
    fn default() -> Self {
        Self {
            device: DeviceSpec::Cpu,
            image_root: PathBuf::from("."),
            kind: None,
        }
    }
}

/// A run's encoder with an index over a code database and its items.
///
/// ```no_run
/// use deephash::{Retriever, RetrieverOptions};
/// # fn main() -> deephash::Result<()> {
/// let retriever = Retriever::open(
///     "runs/photos64".as_ref(),
///     "photos.idx".as_ref(),
///     &RetrieverOptions::default(),
/// )?;
/// for hit in retriever.search_file("my-photo.jpg".as_ref(), 10)? {
///     let item = retriever.item(hit.row);
///     println!("{} {} {:?}", hit.distance, item.id, item.label);
/// }
/// # Ok(())
/// # }
/// ```
pub struct Retriever {
    encoder: HashEncoder,
    source: PathBuf,
    db: CodeDb,
    index: Box<dyn HammingIndex>,
    items: Vec<Item>,
}

impl Retriever {
    /// Opens the run `run` and the index, code database or `.npy` codes at `index`.
    pub fn open(run: &Path, index: &Path, options: &RetrieverOptions) -> Result<Self> {
        let loaded = open_index(index, options.kind)?;
        let encoder = HashEncoder::open(run, &options.device)?;
        Self::new(encoder, index, loaded, &options.image_root)
    }

    /// Puts an encoder and an opened index together; `source` names the index in errors.
    /// Refuses codes of another length than the encoder makes.
    pub fn new(
        encoder: HashEncoder,
        source: &Path,
        loaded: LoadedIndex,
        image_root: &Path,
    ) -> Result<Self> {
        let db = loaded.db;
        if encoder.bits() != db.codes.bits() {
            return Err(Error::BitsMismatch {
                index: source.to_path_buf(),
                index_bits: db.codes.bits(),
                run: encoder.run().to_path_buf(),
                run_bits: encoder.bits(),
            });
        }
        check_model(source, &loaded.meta, encoder.fingerprint())?;
        let items = items_with_meta(&db, &loaded.meta, image_root);
        Ok(Self {
            encoder,
            source: source.to_path_buf(),
            db,
            index: loaded.index,
            items,
        })
    }

    /// The encoder (the run's network).
    pub fn encoder(&self) -> &HashEncoder {
        &self.encoder
    }

    /// The code database searched.
    pub fn db(&self) -> &CodeDb {
        &self.db
    }

    /// Code length in bits.
    pub fn bits(&self) -> usize {
        self.db.codes.bits()
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when the database holds no item (never, once opened).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Item `row` (panics when out of range, like slice indexing).
    pub fn item(&self, row: usize) -> &Item {
        &self.items[row]
    }

    /// Every item, in database order.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The `k` nearest items to each code of `queries`, nearest first, ties by lower row.
    pub fn search_codes(&self, queries: &CodeMatrix, k: usize) -> Result<Vec<Vec<Hit>>> {
        if k == 0 || k > self.len() {
            return Err(Error::InvalidK {
                k,
                index: self.source.clone(),
                len: self.len(),
            });
        }
        let found = self.index.knn(queries, k)?;
        Ok((0..found.queries())
            .map(|q| {
                let pairs = found.ids_of(q).iter().zip(found.distances_of(q));
                pairs
                    .map(|(&id, &d)| Hit {
                        row: id as usize,
                        distance: u32::from(d),
                    })
                    .collect()
            })
            .collect())
    }

    /// The `k` nearest items to the packed code `code`.
    pub fn search_code(&self, code: &[u8], k: usize) -> Result<Vec<Hit>> {
        let query = CodeMatrix::from_packed(self.bits(), code.to_vec())?;
        Ok(self.search_codes(&query, k)?.remove(0))
    }

    /// Encodes a decoded image with the run and searches its `k` nearest items.
    pub fn search_image(&self, image: RgbImage, k: usize) -> Result<Vec<Hit>> {
        let code = self.encoder.encode_images(vec![image], 1)?;
        Ok(self.search_codes(&code, k)?.remove(0))
    }

    /// The `k` nearest items to the image file `path`: its stored code when it is an item
    /// of the database (see [`Retriever::stored_row`]), else its code from the run.
    pub fn search_file(&self, path: &Path, k: usize) -> Result<Vec<Hit>> {
        Ok(self.query_file(path, k)?.hits)
    }

    /// The row of the item whose id is `image`'s path (as given, or a suffix of it after a
    /// `/`), if any.
    pub fn stored_row(&self, image: &Path) -> Option<usize> {
        stored_row(&self.db, image)
    }

    /// The parts, for a caller that serves them: encoder, codes, items and index.
    pub fn into_parts(self) -> (HashEncoder, CodeDb, Vec<Item>, Box<dyn HammingIndex>) {
        (self.encoder, self.db, self.items, self.index)
    }
}

/// Refuses codes that another model made; codes without a record (files written before
/// codes recorded their model, `.npy` codes) are searched with a warning.
fn check_model(source: &Path, meta: &DbMeta, run: &ModelFingerprint) -> Result<()> {
    match &meta.model {
        Some(made_by) if !made_by.same_model(run) => Err(Error::ModelMismatch {
            index: source.to_path_buf(),
            codes: Box::new(made_by.clone()),
            run: Box::new(run.clone()),
        }),
        Some(_) => Ok(()),
        None => {
            tracing::warn!(
                "{}: no record of the model that made these codes (written by an older \
                 version, or .npy); assuming {} made them",
                source.display(),
                run.run
            );
            Ok(())
        }
    }
}

/// The items of a code database with its metadata: labels named by its class names, and
/// items of a recorded data set resolved to that data set's images (files or pixels in
/// memory). A data set that cannot be loaded any more is logged; its items keep their paths.
pub fn items_with_meta(db: &CodeDb, meta: &DbMeta, image_root: &Path) -> Vec<Item> {
    let mut items = items_of(db, image_root, &meta.class_names);
    let Some(set) = &meta.dataset else {
        return items;
    };
    match dataset_images(set) {
        Ok(images) => {
            for item in &mut items {
                if let Some(source) = images.get(&item.id) {
                    if let ImageSource::File(path) = source {
                        item.path = path.clone();
                    }
                    item.image = source.clone();
                }
            }
        }
        Err(e) => tracing::warn!(
            "the data set {} of the codes cannot be loaded ({}); images are looked up by path",
            set.kind,
            e
        ),
    }
    items
}

/// The images of every sample of a recorded data set, by sample name.
fn dataset_images(set: &DatasetRef) -> Result<HashMap<String, ImageSource>> {
    let kind: DatasetKind = set.kind.parse()?;
    let dataset = DatasetSpec::new(kind, set.dir.as_ref().map(PathBuf::from)).load()?;
    let samples = dataset.train.into_iter().chain(dataset.test);
    Ok(samples.map(|s| (s.name, s.source)).collect())
}

/// The row of `db` whose id is `image`'s path (as given, or a suffix of it after a `/`).
pub fn stored_row(db: &CodeDb, image: &Path) -> Option<usize> {
    let given = image.to_string_lossy().replace('\\', "/");
    let ids = db.ids.as_ref()?;
    ids.iter()
        .position(|id| *id == given || given.ends_with(&format!("/{id}")))
}

/// The items of a code database: ids resolved against `image_root` (`#ROW` without ids),
/// labels named by `class_names` where given.
pub fn items_of(db: &CodeDb, image_root: &Path, class_names: &[String]) -> Vec<Item> {
    (0..db.codes.len())
        .map(|row| {
            let id = db
                .ids
                .as_ref()
                .and_then(|ids| ids.get(row).cloned())
                .unwrap_or_else(|| format!("#{row}"));
            let path = image_root.join(&id);
            Item {
                label: db.labels.as_ref().map(|l| l.text(row, class_names)),
                image: ImageSource::File(path.clone()),
                path,
                id,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use deephash_codes::Labels;

    #[test]
    fn a_database_image_is_found_by_its_path() {
        let codes = CodeMatrix::from_packed(8, vec![1, 2]).unwrap();
        let db = CodeDb {
            codes,
            ids: Some(vec!["a/x.png".into(), "b/y.png".into()]),
            labels: None,
        };
        assert_eq!(stored_row(&db, Path::new("b/y.png")), Some(1));
        assert_eq!(stored_row(&db, Path::new("/photos/a/x.png")), Some(0));
        assert_eq!(stored_row(&db, Path::new("/photos/aa/x.png")), None);
        assert_eq!(stored_row(&db, Path::new("x.png")), None);
    }

    #[test]
    fn items_resolve_paths_and_name_labels() {
        let mut db = CodeDb::new(CodeMatrix::from_packed(8, vec![1, 2, 3]).unwrap());
        db.ids = Some(vec![
            "a/x.png".into(),
            "b/y.png".into(),
            "/abs/z.png".into(),
        ]);
        db.labels = Some(Labels::Single(vec![1, 0, 7]));
        let names = vec!["cat".to_string(), "dog".to_string()];
        let items = items_of(&db, Path::new("/data"), &names);
        assert_eq!(items[0].path, Path::new("/data/a/x.png"));
        assert_eq!(items[2].path, Path::new("/abs/z.png"));
        let labels: Vec<_> = items.iter().map(|i| i.label.clone().unwrap()).collect();
        assert_eq!(labels, ["dog", "cat", "7"]);
        db.ids = None;
        db.labels = None;
        let items = items_of(&db, Path::new("."), &[]);
        assert_eq!((items[1].id.as_str(), items[1].label.clone()), ("#1", None));
    }
}
