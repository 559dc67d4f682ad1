//! The layout of a deephash collection in Milvus.

use milvus::v2::prelude::{CollectionSchema, DataType, FieldSchema};

/// The int64 primary key: the item's row in the code database.
pub const ID: &str = "id";
/// The `BINARY_VECTOR` field: the packed code, dim = bits.
pub const CODE: &str = "code";
/// The item's class (int64; -1 when unknown).
pub const LABEL: &str = "label";
/// The item's id or image path (varchar).
pub const PATH: &str = "path";
/// The longest path Milvus stores in a varchar field.
pub const MAX_PATH_BYTES: u32 = 65_535;
/// The label of an item without one.
pub const NO_LABEL: i64 = -1;

/// The schema of a deephash collection for `bits`-bit codes.
pub fn collection_schema(bits: usize) -> CollectionSchema {
    CollectionSchema::new()
        .add_field(
            FieldSchema::new()
                .name(ID)
                .data_type(DataType::Int64)
                .primary_key(true),
        )
        .add_field(
            FieldSchema::new()
                .name(CODE)
                .data_type(DataType::BinaryVector)
                .dimension(bits as u32),
        )
        .add_field(FieldSchema::new().name(LABEL).data_type(DataType::Int64))
        .add_field(
            FieldSchema::new()
                .name(PATH)
                .data_type(DataType::VarChar)
                .max_length(MAX_PATH_BYTES),
        )
}
