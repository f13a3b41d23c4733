//! Enterprise records (企业安全生产画像), core v1 and the project's additions:
//! the schema written as data, and validation that reports every problem by
//! JSON pointer.
//!
//! The contract is `shared/spec/enterprise-record.md`; the schema lives in
//! `rules/schema/` so rule authors and the checker read the same field list.

mod schema;

pub use schema::{FieldMeta, FieldType, Format, Origin, Schema, SchemaError, SchemaProblem, Unit};
