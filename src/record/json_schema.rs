//! The record schema exported as JSON Schema (draft 2020-12), generated from
//! `rules/schema/` so other systems can validate records before sending them.
//!
//! ```
//! use regkb::record::{json_schema, Schema};
//! # let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/schema");
//! let schema = Schema::load_dir(&dir).unwrap();
//! let js = json_schema(&schema);
//! assert_eq!(js["required"], serde_json::json!(["uscc", "name"]));
//! assert_eq!(js["properties"]["employees"]["minimum"], 0);
//! ```
//!
//! What JSON Schema cannot say is left to `regkb check`: the USCC and CAS
//! check characters and impossible dates such as `2026-02-30` (the `date`
//! format is given, but validators treat it as advisory).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::schema::{FieldType, Format, Origin, Schema};

/// The JSON Schema of a record.
pub fn json_schema(schema: &Schema) -> Value {
    let mut root = record(schema, &schema.root, "");
    if let Value::Object(map) = &mut root {
        let mut head = Map::new();
        head.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        head.insert("$id".into(), json!("urn:regkb:record:core-v1"));
        head.insert(
            "title".into(),
            json!(if schema.name.is_empty() {
                "企业安全生产画像"
            } else {
                schema.name.as_str()
            }),
        );
        head.insert("x-regkb-version".into(), json!(schema.version));
        head.append(map);
        *map = head;
    }
    root
}

fn record(schema: &Schema, fields: &BTreeMap<String, FieldType>, dotted: &str) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, ty) in fields {
        let child = if dotted.is_empty() {
            name.clone()
        } else {
            format!("{dotted}.{name}")
        };
        let meta = schema.meta(&child).cloned().unwrap_or_default();
        let mut prop = field(schema, ty, &child);
        if let Value::Object(m) = &mut prop {
            if !meta.description.is_empty() {
                m.insert("description".into(), json!(meta.description));
            }
            if let Some(format) = meta.format {
                match format {
                    Format::Uscc => {
                        m.insert("pattern".into(), json!("^[0-9A-HJ-NPQRTUWXY]{18}$"));
                        m.insert("x-regkb-format".into(), json!("uscc"));
                    }
                    Format::Cas => {
                        m.insert("pattern".into(), json!("^[0-9]{2,7}-[0-9]{2}-[0-9]$"));
                        m.insert("x-regkb-format".into(), json!("cas"));
                    }
                }
            }
            if meta.required && matches!(ty, FieldType::String) {
                m.insert("minLength".into(), json!(1));
            }
            if let Some(max) = meta.max {
                m.insert("maximum".into(), json!(max));
            }
            if meta.unique {
                m.insert("uniqueItems".into(), json!(true));
            }
            if meta.origin == Origin::Project {
                m.insert("x-regkb-origin".into(), json!("project"));
            }
            if meta.nullable {
                let means = meta.null_means.clone().unwrap_or_default();
                let inner = Value::Object(std::mem::take(m));
                m.insert(
                    "anyOf".into(),
                    json!([inner, {"type": "null", "description": means}]),
                );
            }
        }
        properties.insert(name.clone(), prop);
        if meta.required {
            required.push(name.clone());
        }
    }
    // the record's key first, as in the contract
    required.sort_by_key(|n| (n != "uscc", n.clone()));
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "patternProperties": {"^x_": {}},
        "additionalProperties": false,
    })
}

fn set(target: &mut Value, key: &str, value: Value) {
    if let Some(map) = target.as_object_mut() {
        map.insert(key.to_string(), value);
    }
}

fn field(schema: &Schema, ty: &FieldType, dotted: &str) -> Value {
    match ty {
        FieldType::Integer { unit, min } => {
            let mut v = json!({"type": "integer"});
            if let Some(m) = min {
                set(&mut v, "minimum", json!(m));
            }
            if let Some(u) = unit {
                set(&mut v, "x-unit", json!(u.symbol()));
            }
            v
        }
        FieldType::Number { unit, min } => {
            let mut v = json!({"type": "number"});
            if let Some(m) = min {
                set(&mut v, "minimum", json!(m));
            }
            if let Some(u) = unit {
                set(&mut v, "x-unit", json!(u.symbol()));
            }
            v
        }
        FieldType::Bool => json!({"type": "boolean"}),
        FieldType::String => json!({"type": "string"}),
        FieldType::Enum(values) => json!({"type": "string", "enum": values}),
        FieldType::Date => {
            json!({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})
        }
        FieldType::List(elem) => {
            let items = match elem.as_ref() {
                FieldType::Record(fields) => record(schema, fields, dotted),
                other => field(schema, other, dotted),
            };
            json!({"type": "array", "items": items})
        }
        FieldType::Record(fields) => record(schema, fields, dotted),
    }
}
