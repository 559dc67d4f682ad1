//! What deephash reads back from an existing collection: its code length and class names.

use milvus::v2::prelude::{CollectionSchema, DataType};
use serde::{Deserialize, Serialize};

use crate::MilvusError;
use crate::schema::{CODE, ID, LABEL, PATH};

/// A deephash collection as the server describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectionInfo {
    /// The collection.
    pub name: String,
    /// Code length in bits (the `code` field's dimension).
    pub bits: usize,
    /// Names of the label classes (empty: unknown).
    pub class_names: Vec<String>,
}

/// The collection description deephash writes: JSON naming the classes.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Description {
    /// Marks a collection written by deephash.
    pub deephash: u32,
    /// Names of the label classes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub class_names: Vec<String>,
}

impl Description {
    /// The description text for a collection with these class names.
    pub fn text(class_names: &[String]) -> String {
        let d = Description {
            deephash: 1,
            class_names: class_names.to_vec(),
        };
        serde_json::to_string(&d).unwrap_or_default()
    }
}

impl CollectionInfo {
    /// Checks that `schema` is a deephash collection's and reads its code length; `description`
    /// gives the class names (anything but deephash's JSON: none).
    pub(crate) fn from_schema(
        name: &str,
        schema: &CollectionSchema,
        description: &str,
    ) -> Result<Self, MilvusError> {
        let bad = |reason: String| MilvusError::Schema {
            name: name.to_string(),
            reason,
        };
        let field = |field: &str, want: DataType| {
            let f = schema.get_fields().iter().find(|f| f.get_name() == field);
            match f {
                None => Err(bad(format!("no field `{field}`"))),
                Some(f) if f.get_data_type() != want => Err(bad(format!(
                    "field `{field}` is {:?}, not {want:?}",
                    f.get_data_type()
                ))),
                Some(f) => Ok(f),
            }
        };
        let id = field(ID, DataType::Int64)?;
        if !id.is_primary_key() {
            return Err(bad(format!("field `{ID}` is not the primary key")));
        }
        field(LABEL, DataType::Int64)?;
        field(PATH, DataType::VarChar)?;
        let bits = field(CODE, DataType::BinaryVector)?.get_dimension() as usize;
        let class_names = serde_json::from_str::<Description>(description)
            .map(|d| d.class_names)
            .unwrap_or_default();
        Ok(Self {
            name: name.to_string(),
            bits,
            class_names,
        })
    }

    /// Refuses codes of another length than the collection's.
    pub fn check_bits(&self, bits: usize, what: &'static str) -> Result<(), MilvusError> {
        if bits != self.bits {
            return Err(MilvusError::DimensionMismatch {
                name: self.name.clone(),
                collection_bits: self.bits,
                bits,
                what,
            });
        }
        Ok(())
    }
}
