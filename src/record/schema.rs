//! The record schema as data: field names, types and units.
//!
//! Loaded from `rules/schema/*.toml`; used by record validation and by the
//! rule checker to type field paths such as `units[].chemicals[].max_quantity_t`.
//! Each TOML file lists `[[field]]` blocks, parents before children:
//!
//! ```
//! use regkb::record::{FieldType, Schema};
//! let schema = Schema::from_toml_str("t.toml", r#"
//!     [[field]]
//!     path = "uscc"
//!     type = "string"
//!     format = "uscc"
//!     required = true
//!     description = "统一社会信用代码"
//! "#).unwrap();
//! assert_eq!(schema.field(&["uscc"]), Some(&FieldType::String));
//! assert!(schema.meta("uscc").unwrap().required);
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

impl Unit {
    /// The symbol written in the schema and in messages (`t`, `人`, `m³`).
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Tonne => "t",
            Unit::Kilogram => "kg",
            Unit::Metre => "m",
            Unit::CubicMetre => "m³",
            Unit::Person => "人",
        }
    }

    fn parse(text: &str) -> Option<Unit> {
        Some(match text {
            "t" => Unit::Tonne,
            "kg" => Unit::Kilogram,
            "m" => Unit::Metre,
            "m3" | "m³" => Unit::CubicMetre,
            "人" => Unit::Person,
            _ => return None,
        })
    }
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

/// A text format checked beyond "is a string".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// 统一社会信用代码 (GB 32100-2015), with its check digit.
    Uscc,
    /// CAS registry number `NNNNNNN-NN-N`, with its check digit.
    Cas,
}

/// Where a field comes from: the core v1 contract or the project's additions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    #[default]
    #[serde(rename = "core-v1")]
    CoreV1,
    #[serde(rename = "project")]
    Project,
}

/// Everything the schema says about a field beyond its type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldMeta {
    /// Chinese description for messages and the JSON Schema.
    pub description: String,
    /// A record (or list item) without this field is rejected.
    pub required: bool,
    /// JSON `null` is allowed and means [`FieldMeta::null_means`].
    pub nullable: bool,
    pub null_means: Option<String>,
    /// For lists of enum values: each value at most once.
    pub unique: bool,
    pub format: Option<Format>,
    /// Inclusive upper bound for numbers.
    pub max: Option<f64>,
    pub origin: Origin,
}

/// The whole record type plus descriptions for documentation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    pub root: BTreeMap<String, FieldType>,
    /// Dotted path (`units.chemicals.max_quantity_t`) → Chinese description,
    /// for messages and the JSON Schema.
    pub descriptions: BTreeMap<String, String>,
    /// Dotted path → everything else the schema says about the field.
    pub metas: BTreeMap<String, FieldMeta>,
    /// `[schema] name` and `version` of the first file that sets them.
    pub name: String,
    pub version: String,
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

    /// What the schema says about the field at a dotted path
    /// (`units.chemicals.flags`, no `[]`).
    pub fn meta(&self, dotted: &str) -> Option<&FieldMeta> {
        self.metas.get(dotted)
    }

    /// Loads every `*.toml` file of a folder, in file-name order. Later files
    /// may add fields (and children to earlier records), never redefine one.
    pub fn load_dir(dir: &Path) -> Result<Schema, SchemaError> {
        let entries = std::fs::read_dir(dir).map_err(|source| SchemaError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| SchemaError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(SchemaError::Empty {
                path: dir.to_path_buf(),
            });
        }
        let mut sources = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|source| SchemaError::Io {
                path: path.clone(),
                source,
            })?;
            sources.push((path.display().to_string(), text));
        }
        Schema::from_toml_sources(&sources)
    }

    /// One schema file given as text (`name` is used in messages).
    pub fn from_toml_str(name: &str, text: &str) -> Result<Schema, SchemaError> {
        Schema::from_toml_sources(&[(name.to_string(), text.to_string())])
    }

    /// Several schema files given as (name, text), in order.
    pub fn from_toml_sources(sources: &[(String, String)]) -> Result<Schema, SchemaError> {
        let mut builder = Builder::default();
        let mut problems = Vec::new();
        for (name, text) in sources {
            match toml::from_str::<FileDoc>(text) {
                Ok(doc) => builder.add_file(name, text, doc, &mut problems),
                Err(err) => {
                    problems.push(SchemaProblem::new(name, text, err.span(), err.message()))
                }
            }
        }
        if !problems.is_empty() {
            return Err(SchemaError::Invalid { problems });
        }
        Ok(builder.finish())
    }
}

/// A problem in a schema file, with its place.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(regkb::schema))]
pub struct SchemaProblem {
    pub message: String,
    #[source_code]
    pub src: miette::NamedSource<String>,
    #[label("here")]
    pub span: Option<miette::SourceSpan>,
}

impl SchemaProblem {
    fn new(
        name: &str,
        text: &str,
        span: Option<std::ops::Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        SchemaProblem {
            message: message.into().trim().replace('\n', " "),
            src: miette::NamedSource::new(name, text.to_string()),
            span: span.map(|r| miette::SourceSpan::from(r.start..r.end)),
        }
    }
}

/// Why the schema could not be loaded.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SchemaError {
    #[error("cannot read the record schema at `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no `*.toml` schema file in `{path}`")]
    #[diagnostic(help("the record schema lives in `rules/schema/record.toml`"))]
    Empty { path: PathBuf },
    #[error("the record schema has {} problem(s)", problems.len())]
    #[diagnostic(help("see the comment at the top of `rules/schema/record.toml` for the format"))]
    Invalid {
        #[related]
        problems: Vec<SchemaProblem>,
    },
}

// ───────────────────────── loading ─────────────────────────

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    schema: Option<SchemaHeader>,
    #[serde(default)]
    field: Vec<toml::Spanned<FieldDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaHeader {
    name: Option<String>,
    version: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldDoc {
    path: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    values: Option<Vec<String>>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    min: Option<toml::Value>,
    #[serde(default)]
    max: Option<toml::Value>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    nullable: bool,
    #[serde(default)]
    null_means: Option<String>,
    #[serde(default)]
    unique: bool,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    origin: Option<String>,
    description: String,
}

/// The shape of a field before children are attached.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Leaf(FieldType),
    Record,
    ListOfRecord,
}

#[derive(Debug, Default)]
struct Builder {
    /// dotted path → shape, in insertion order of `order`.
    shapes: BTreeMap<String, Shape>,
    order: Vec<String>,
    metas: BTreeMap<String, FieldMeta>,
    name: Option<String>,
    version: Option<String>,
}

impl Builder {
    fn add_file(
        &mut self,
        name: &str,
        text: &str,
        doc: FileDoc,
        problems: &mut Vec<SchemaProblem>,
    ) {
        if let Some(header) = doc.schema {
            if self.name.is_none() {
                self.name = header.name;
            }
            if self.version.is_none() {
                self.version = header.version;
            }
        }
        for spanned in doc.field {
            let span = spanned.span();
            let field = spanned.into_inner();
            if let Err(message) = self.add_field(field) {
                problems.push(SchemaProblem::new(name, text, Some(span), message));
            }
        }
    }

    fn add_field(&mut self, f: FieldDoc) -> Result<(), String> {
        let (dotted, parent, parent_is_list) = split_path(&f.path)?;
        if self.shapes.contains_key(&dotted) {
            return Err(format!("field `{}` is defined twice", f.path));
        }
        if let Some(parent) = &parent {
            match (self.shapes.get(parent), parent_is_list) {
                (None, _) => {
                    return Err(format!(
                        "field `{}` comes before its parent `{parent}`: define the parent first",
                        f.path
                    ));
                }
                (Some(Shape::ListOfRecord), true) | (Some(Shape::Record), false) => {}
                (Some(Shape::ListOfRecord), false) => {
                    return Err(format!(
                        "`{parent}` is a list of records: write `{parent}[].…` to reach its items"
                    ));
                }
                (Some(_), true) => {
                    return Err(format!(
                        "`{parent}` is not a list of records, so `{parent}[]` has no items"
                    ));
                }
                (Some(Shape::Leaf(_)), false) => {
                    return Err(format!("`{parent}` is not a record, so it has no fields"));
                }
            }
        }
        let unit = match &f.unit {
            None => None,
            Some(u) => Some(
                Unit::parse(u)
                    .ok_or_else(|| format!("unknown unit `{u}`: use t, kg, m, m3 or 人"))?,
            ),
        };
        let min = f.min.as_ref().map(|v| number_of(v, "min")).transpose()?;
        let max = f.max.as_ref().map(|v| number_of(v, "max")).transpose()?;
        let enum_values = |kind: &str| -> Result<Vec<String>, String> {
            match &f.values {
                Some(v) if !v.is_empty() => Ok(v.clone()),
                _ => Err(format!("a field of type `{kind}` needs `values = [...]`")),
            }
        };
        let numeric = matches!(f.ty.as_str(), "integer" | "number");
        if !numeric && (unit.is_some() || min.is_some() || max.is_some()) {
            return Err(format!(
                "`unit`, `min` and `max` apply to integer and number fields, not to `{}`",
                f.ty
            ));
        }
        if f.values.is_some() && !matches!(f.ty.as_str(), "enum" | "list of enum") {
            return Err(format!(
                "`values` applies to enum fields, not to `{}`",
                f.ty
            ));
        }
        let shape = match f.ty.as_str() {
            "string" => Shape::Leaf(FieldType::String),
            "bool" => Shape::Leaf(FieldType::Bool),
            "date" => Shape::Leaf(FieldType::Date),
            "integer" => {
                let min = match min {
                    Some(m) if m.fract() != 0.0 => {
                        return Err(format!(
                            "`min` of an integer field must be whole, not `{m}`"
                        ));
                    }
                    #[allow(clippy::cast_possible_truncation)]
                    Some(m) => Some(m as i64),
                    None => None,
                };
                Shape::Leaf(FieldType::Integer { unit, min })
            }
            "number" => Shape::Leaf(FieldType::Number { unit, min }),
            "enum" => Shape::Leaf(FieldType::Enum(enum_values("enum")?)),
            "list of enum" => Shape::Leaf(FieldType::List(Box::new(FieldType::Enum(enum_values(
                "list of enum",
            )?)))),
            "list of string" => Shape::Leaf(FieldType::List(Box::new(FieldType::String))),
            "list of date" => Shape::Leaf(FieldType::List(Box::new(FieldType::Date))),
            "record" => Shape::Record,
            "list of record" => Shape::ListOfRecord,
            other => {
                return Err(format!(
                    "unknown type `{other}`: use string, integer, number, bool, date, enum, record, \
                     list of record, list of enum or list of string"
                ));
            }
        };
        if f.unique && f.ty != "list of enum" && f.ty != "list of string" {
            return Err("`unique` applies to lists of enum or string values".to_string());
        }
        let format = match f.format.as_deref() {
            None => None,
            Some("uscc") => Some(Format::Uscc),
            Some("cas") => Some(Format::Cas),
            Some(other) => return Err(format!("unknown format `{other}`: use uscc or cas")),
        };
        if format.is_some() && f.ty != "string" {
            return Err("`format` applies to string fields".to_string());
        }
        let origin = match f.origin.as_deref() {
            None | Some("core-v1") => Origin::CoreV1,
            Some("project") => Origin::Project,
            Some(other) => return Err(format!("unknown origin `{other}`: use core-v1 or project")),
        };
        if f.null_means.is_some() && !f.nullable {
            return Err("`null_means` needs `nullable = true`".to_string());
        }
        if f.description.trim().is_empty() {
            return Err(format!("field `{}` needs a description", f.path));
        }
        self.metas.insert(
            dotted.clone(),
            FieldMeta {
                description: f.description,
                required: f.required,
                nullable: f.nullable,
                null_means: f.null_means,
                unique: f.unique,
                format,
                max,
                origin,
            },
        );
        self.shapes.insert(dotted.clone(), shape);
        self.order.push(dotted);
        Ok(())
    }

    fn finish(self) -> Schema {
        let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut top = Vec::new();
        for dotted in &self.order {
            match dotted.rsplit_once('.') {
                Some((parent, _)) => children
                    .entry(parent.to_string())
                    .or_default()
                    .push(dotted.clone()),
                None => top.push(dotted.clone()),
            }
        }
        let root = top
            .iter()
            .filter_map(|d| Some((d.clone(), self.build(d, &children)?)))
            .collect();
        let descriptions = self
            .metas
            .iter()
            .map(|(k, m)| (k.clone(), m.description.clone()))
            .collect();
        Schema {
            root,
            descriptions,
            metas: self.metas,
            name: self.name.unwrap_or_default(),
            version: self.version.unwrap_or_default(),
        }
    }

    fn build(&self, dotted: &str, children: &BTreeMap<String, Vec<String>>) -> Option<FieldType> {
        let fields = || -> BTreeMap<String, FieldType> {
            children
                .get(dotted)
                .map(|kids| {
                    kids.iter()
                        .filter_map(|k| {
                            let name = k.rsplit_once('.').map_or(k.as_str(), |(_, n)| n);
                            Some((name.to_string(), self.build(k, children)?))
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        Some(match self.shapes.get(dotted)? {
            Shape::Leaf(ty) => ty.clone(),
            Shape::Record => FieldType::Record(fields()),
            Shape::ListOfRecord => FieldType::List(Box::new(FieldType::Record(fields()))),
        })
    }
}

/// `units[].chemicals[].cas` → (`units.chemicals.cas`, parent `units.chemicals`,
/// parent reached through `[]`).
fn split_path(path: &str) -> Result<(String, Option<String>, bool), String> {
    let segments: Vec<&str> = path.split('.').collect();
    let mut names = Vec::new();
    let mut last_is_list = false;
    let count = segments.len();
    for (i, seg) in segments.iter().enumerate() {
        let (name, is_list) = match seg.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (*seg, false),
        };
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        if !valid {
            return Err(format!(
                "bad field path `{path}`: names are lowercase letters, digits and `_`, joined by `.`"
            ));
        }
        if is_list && i + 1 == count {
            return Err(format!(
                "bad field path `{path}`: `[]` goes between a list and a field of its items"
            ));
        }
        if i + 2 == count {
            last_is_list = is_list;
        }
        names.push(name);
    }
    let dotted = names.join(".");
    let parent = names
        .split_last()
        .and_then(|(_, init)| (!init.is_empty()).then(|| init.join(".")));
    Ok((dotted, parent, last_is_list))
}

fn number_of(v: &toml::Value, what: &str) -> Result<f64, String> {
    match v {
        #[allow(clippy::cast_precision_loss)]
        toml::Value::Integer(i) => Ok(*i as f64),
        toml::Value::Float(f) => Ok(*f),
        other => Err(format!("`{what}` must be a number, not `{other}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Schema {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/schema");
        Schema::load_dir(&dir).unwrap()
    }

    #[test]
    fn shipped_schema_loads_with_core_fields() {
        let s = shipped();
        assert_eq!(s.version, "core-v1");
        assert_eq!(
            s.field(&["units", "chemicals", "max_quantity_t"]),
            Some(&FieldType::Number {
                unit: Some(Unit::Tonne),
                min: Some(0.0)
            })
        );
        assert_eq!(
            s.field(&["employees"]),
            Some(&FieldType::Integer {
                unit: Some(Unit::Person),
                min: Some(0)
            })
        );
        assert!(matches!(
            s.field(&["special_workers", "certificate", "expires"]),
            Some(FieldType::Date)
        ));
        assert!(s.meta("special_workers.certificate").unwrap().nullable);
        assert!(s.meta("uscc").unwrap().required);
        assert_eq!(s.meta("dust").unwrap().origin, Origin::Project);
        for core in [
            "uscc",
            "name",
            "region",
            "category",
            "employees",
            "hazchem_activities",
            "in_chemical_park",
            "safety_org",
            "licences",
            "people",
            "special_workers",
            "safety_assessment",
            "emergency_plan",
            "premises",
            "gas_use",
            "security",
            "units",
            "special_equipment",
            "insurance",
            "dual_prevention",
            "hidden_dangers",
        ] {
            assert!(s.root.contains_key(core), "{core}");
        }
    }

    fn error_of(text: &str) -> String {
        match Schema::from_toml_str("t.toml", text) {
            Err(SchemaError::Invalid { problems }) => problems
                .iter()
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join("\n"),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn schema_errors_are_all_reported() {
        let e = error_of(
            r#"
            [[field]]
            path = "units[].id"
            type = "string"
            description = "x"
            [[field]]
            path = "n"
            type = "integer"
            unit = "furlong"
            description = "x"
            [[field]]
            path = "b"
            type = "bool"
            min = 1
            description = "x"
            "#,
        );
        assert!(e.contains("before its parent `units`"), "{e}");
        assert!(e.contains("unknown unit `furlong`"), "{e}");
        assert!(e.contains("apply to integer and number fields"), "{e}");
    }

    #[test]
    fn list_paths_must_use_brackets() {
        let e = error_of(
            r#"
            [[field]]
            path = "units"
            type = "list of record"
            description = "x"
            [[field]]
            path = "units.id"
            type = "string"
            description = "x"
            "#,
        );
        assert!(e.contains("write `units[].…`"), "{e}");
    }
}
