//! The rule language: experts write checkable clauses of statutes and
//! standards as rules (`rules/**/*.rule`); regkb runs them against enterprise
//! records.
//!
//! Pipeline, each stage its own type:
//! text → [`parse`] (pest, only in `parser`) → spanned AST ([`ast::File`]) →
//! [`check`] (names, types, units, tables, citations) → [`CheckedProgram`]
//! (only the checker can build one) → [`evaluate`] → [`Evaluation`].
//! Parse and check report every problem at once as [`Diagnostic`]s
//! (file:line:col, the source line, a caret, a help line).
//!
//! The core does no I/O: table files come through a [`TableReader`], citations
//! through an optional [`CitationResolver`]. `crate::pack::compile(paths, ctx)`
//! reads `*.rule` files, the schema and `rules/tables/`, and calls these (for
//! the CLI and the HTTP service alike).
//!
//! ```
//! use regkb::dsl::{check, evaluate, parse, NoTables, SourceFile};
//! use regkb::check::Outcome;
//! use regkb::record::{FieldType, Schema};
//!
//! let mut schema = Schema::default();
//! schema.root.insert("employees".into(), FieldType::Integer { unit: None, min: Some(0) });
//! let src = SourceFile::new("ex.rule", r#"
//! rule AQ-024 "从业人员超过一百人的应当设置安全生产管理机构" {
//!   cite 安全生产法 第二十四条 第二款
//!   severity 一般隐患
//!   departments 应急管理
//!   applies when employees > 100
//!   require false
//!   explain "从业人员{employees}人"
//!   remedy "设置安全生产管理机构"
//! }
//! "#);
//! let file = parse(&src).map_err(|e| e[0].message.clone()).unwrap();
//! let program = check(&[file], &schema, &NoTables, None).unwrap().program;
//! let day = jiff::civil::date(2026, 11, 28);
//! let out = evaluate(&program, &serde_json::json!({"employees": 80}), day);
//! assert_eq!(out.findings[0].outcome, Outcome::NotApplicable);
//! let out = evaluate(&program, &serde_json::json!({}), day);
//! assert_eq!(out.findings[0].missing, ["/employees"]);
//! ```

pub mod ast;
mod checker;
mod citations;
mod diagnostic;
mod eval;
mod examples;
mod format;
mod logic;
mod parser;
mod program;
mod source;
pub mod table;
pub mod types;

pub use checker::{Checked, DEPARTMENTS, NoTables, TableReader, check};
pub use citations::{CitationResolver, Resolution, full_law_title};
pub use diagnostic::{Diagnostic, Level, render_all, render_plain};
pub use eval::{Conflict, Engine, Evaluation, MAX_DEPTH, evaluate};
pub use examples::{ExampleReport, run_example, run_examples};
pub use format::format_file;
pub use logic::Truth;
pub use parser::{MAX_NESTING, parse};
pub use program::{CheckedProgram, Example, Expect, RuleMeta};
pub use source::{SourceFile, Span, Spanned};
