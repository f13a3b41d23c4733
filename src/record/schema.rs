//! The record schema as data: field names, types and units.
//!
//! Loaded from `rules/schema/*.toml`; used by record validation and by the
//! rule checker to type field paths such as `units[].chemicals[].max_quantity_t`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Physical or counting unit attached to a number field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Unit {
    /// tonnes
    #[serde(rename = "t")]
    Tonne,
    #[serde(rename = "kg")]
    Kilogram,
    #[serde(rename = "m")]
    Metre,
    #[serde(rename = "m3")]
    CubicMetre,
    /// persons
    #[serde(rename = "人")]
    Person,
}

/// The type of one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FieldType {
    Integer {
        unit: Option<Unit>,
        min: Option<i64>,
    },
    Number {
        unit: Option<Unit>,
        min: Option<f64>,
    },
    Bool,
    String,
    Enum(Vec<String>),
    Date,
    List(Box<FieldType>),
    Record(BTreeMap<String, FieldType>),
}

/// The whole record type plus descriptions for documentation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    pub root: BTreeMap<String, FieldType>,
    /// Dotted path → Chinese description, for messages and the JSON Schema.
    pub descriptions: BTreeMap<String, String>,
}

impl Schema {
    /// The type at a path of field names, descending through lists
    /// (`["units", "chemicals", "max_quantity_t"]`).
    pub fn field(&self, path: &[&str]) -> Option<&FieldType> {
        let (first, rest) = path.split_first()?;
        let mut ty = self.root.get(*first)?;
        for name in rest {
            let mut inner = ty;
            while let FieldType::List(elem) = inner {
                inner = elem;
            }
            match inner {
                FieldType::Record(fields) => ty = fields.get(*name)?,
                _ => return None,
            }
        }
        Some(ty)
    }
}
