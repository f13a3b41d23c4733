//! The checked program: rules, derived values, tables and the major-hazard
//! report with every name, type, unit and citation resolved. Only the checker
//! builds one (its fields are private to `dsl`); the evaluator runs nothing else.
//!
//! ```
//! use regkb::dsl::CheckedProgram;
//! fn count(p: &CheckedProgram) -> usize { p.rules().count() }
//! ```

use std::sync::Arc;

use jiff::civil::Date;

use super::ast::QuantKind;
use super::table::Table;
use super::types::{DurKind, Ty};
use crate::check::{CitationOut, Outcome, Severity};

/// What `regkb rules list` shows about a rule.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuleMeta {
    pub id: String,
    pub title: String,
    pub citations: Vec<CitationOut>,
    pub severity: Severity,
    pub departments: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_from: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_until: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception_to: Option<String>,
    pub remedy: String,
    /// `file:line` where the rule is written.
    pub location: String,
}

impl RuleMeta {
    pub fn in_force(&self, day: Date) -> bool {
        self.effective_from.is_none_or(|f| f <= day) && self.effective_until.is_none_or(|u| day < u)
    }
}

#[derive(Debug)]
pub(crate) struct CRule {
    pub meta: RuleMeta,
    pub applies: Option<Ir>,
    pub require: Ir,
    pub explain: Vec<CPart>,
    pub explain_pass: Option<Vec<CPart>>,
    pub slots: usize,
}

#[derive(Debug)]
pub(crate) enum CPart {
    Text(String),
    Hole(Ir, Ty),
}

#[derive(Debug)]
pub(crate) struct CLet {
    pub name: String,
    pub body: Ir,
    pub slots: usize,
}

#[derive(Debug)]
pub(crate) struct CHazards {
    pub source: FieldPath,
    pub unit: Ir,
    pub s: Ir,
    pub is_major: Option<Ir>,
    pub r: Ir,
    pub grade: Ir,
    pub slots: usize,
}

/// One embedded example, ready to run.
#[derive(Debug, Clone)]
pub struct Example {
    pub name: String,
    /// The rule the example sits in (its `expect` lines without an id refer to it).
    pub rule: Option<String>,
    pub as_of: Date,
    pub record: serde_json::Value,
    pub expects: Vec<Expect>,
    /// `file:line`
    pub location: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    Outcome {
        rule: String,
        outcome: Outcome,
        explanation: Option<String>,
    },
    Fact {
        rule: String,
        path: String,
    },
    Conflict(Vec<String>),
    Hazard {
        unit: String,
        s: Option<f64>,
        r: Option<f64>,
        grade: Option<f64>,
    },
}

/// A program that passed every check. Build one with [`check`](super::check).
#[derive(Debug)]
pub struct CheckedProgram {
    pub(crate) rules: Vec<CRule>,
    pub(crate) lets: Vec<CLet>,
    pub(crate) tables: Vec<Table>,
    pub(crate) hazards: Option<CHazards>,
    pub(crate) examples: Vec<Example>,
    /// Dotted field path → short Chinese label (for "missing" explanations).
    pub(crate) labels: std::collections::HashMap<String, String>,
}

impl CheckedProgram {
    /// Every rule version, ordered by id then start date.
    pub fn rules(&self) -> impl Iterator<Item = &RuleMeta> {
        self.rules.iter().map(|r| &r.meta)
    }

    pub fn examples(&self) -> &[Example] {
        &self.examples
    }

    /// Names of the derived values (`let`).
    pub fn derived_names(&self) -> impl Iterator<Item = &str> {
        self.lets.iter().map(|l| l.name.as_str())
    }

    /// Names of the data tables and how many versions each has.
    pub fn tables(&self) -> impl Iterator<Item = (&str, usize)> {
        self.tables
            .iter()
            .map(|t| (t.name.as_str(), t.versions.len()))
    }
}

/// Literal constants (numbers already in base units).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Bool(bool),
    None,
    Num(f64),
    Str(String),
    Date(Date),
    Dur(i64, DurKind),
}

/// A field path with its JSON pointers, escaped once when the program is
/// checked: `ptrs[k]` is the pointer of `segs[..=k]` from the path's base
/// (`["a", "b/c"]` → `/a`, `/a/b~1c`), shared by every fact that reads it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldPath {
    pub segs: Vec<String>,
    pub ptrs: Vec<Arc<str>>,
}

impl FieldPath {
    /// The escaped pointer segment of `segs[k]` (`/b~1c`).
    pub fn seg_ptr(&self, k: usize) -> &str {
        let end = self.ptrs.get(k).map_or("", |p| &**p);
        let start = match k.checked_sub(1) {
            Some(j) => self.ptrs.get(j).map_or(0, |p| p.len()),
            None => 0,
        };
        end.get(start..).unwrap_or("")
    }
}

impl From<Vec<String>> for FieldPath {
    fn from(segs: Vec<String>) -> Self {
        let mut ptr = String::new();
        let ptrs = segs
            .iter()
            .map(|seg| {
                ptr.push('/');
                for c in seg.chars() {
                    match c {
                        '~' => ptr.push_str("~0"),
                        '/' => ptr.push_str("~1"),
                        other => ptr.push(other),
                    }
                }
                Arc::from(ptr.as_str())
            })
            .collect();
        FieldPath { segs, ptrs }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    Root,
    Var(usize),
}

/// How to read the JSON value at the end of a field path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leaf {
    Num,
    Str,
    Date,
    Bool,
    /// A list of strings or numbers (read whole, reported as one fact).
    Scalars,
    /// A record or a list of records (facts come from the fields read inside).
    Node,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// The checked expression tree the evaluator walks.
#[derive(Debug, Clone)]
pub(crate) enum Ir {
    Const(Lit),
    AsOf,
    /// A record field: from the root or from a variable, never through a list.
    Field {
        base: Base,
        path: FieldPath,
        scale: f64,
        leaf: Leaf,
    },
    Lookup {
        table: usize,
        key: Box<Ir>,
    },
    Column {
        row: Box<Ir>,
        column: usize,
    },
    Call {
        func: usize,
        args: Vec<Ir>,
    },
    Not(Box<Ir>),
    Neg(Box<Ir>),
    And(Box<Ir>, Box<Ir>),
    Or(Box<Ir>, Box<Ir>),
    Cmp(CmpOp, Box<Ir>, Box<Ir>),
    Arith(ArithOp, Box<Ir>, Box<Ir>),
    /// date ± duration (`sign` is 1 or -1)
    Shift {
        date: Box<Ir>,
        dur: Box<Ir>,
        sign: i64,
    },
    /// date − date, in days
    DaysBetween(Box<Ir>, Box<Ir>),
    Contains(Box<Ir>, Box<Ir>),
    Otherwise(Box<Ir>, Box<Ir>),
    If(Box<Ir>, Box<Ir>, Box<Ir>),
    List(Vec<Ir>),
    Quant {
        kind: QuantKind,
        slot: usize,
        base: Base,
        /// May pass through lists: their items are taken in order.
        path: FieldPath,
        filter: Option<Box<Ir>>,
        body: Option<Box<Ir>>,
    },
}
