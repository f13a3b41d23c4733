//! Enterprise records (企业安全生产画像), core v1 and the project's additions:
//! the schema written as data, validation that reports every problem by
//! JSON pointer, the JSON Schema published for other systems, and a seeded
//! generator of realistic records for tests and benchmarks.
//!
//! The contract is `shared/spec/enterprise-record.md`; the schema lives in
//! `rules/schema/` so rule authors and the checker read the same field list.
//!
//! ```
//! use regkb::record::{parse_record, validate_record, Limits, Schema};
//! # let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/schema");
//! let schema = Schema::load_dir(&dir).unwrap();
//! let value = parse_record(r#"{"uscc": "91330481MA2B00000Y", "name": "某公司"}"#.as_bytes(), &Limits::default()).unwrap();
//! let record = validate_record(&value, &schema).unwrap();
//! assert_eq!(record.uscc().as_str(), "91330481MA2B00000Y");
//! ```

mod generate;
mod json_schema;
mod parse;
mod schema;
mod uscc;
mod validate;

pub use generate::RecordGenerator;
pub use json_schema::json_schema;
pub use parse::{Limits, locate_problems, parse_record};
pub use schema::{FieldMeta, FieldType, Format, Origin, Schema, SchemaError, SchemaProblem, Unit};
pub use uscc::{Uscc, UsccError};
pub use validate::{Problem, ValidRecord, parse_date, validate_record, validate_record_owned};
