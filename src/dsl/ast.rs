//! The spanned syntax tree of a rule file, as written (before any checking).
//!
//! The parser builds it; the formatter prints it back; the checker turns it
//! into a [`CheckedProgram`](super::CheckedProgram). Items and fields keep
//! their source order and the comments between them.
//!
//! ```
//! use regkb::dsl::{parse, SourceFile};
//! let f = SourceFile::new("x.rule", "let big = 3 t\n");
//! let file = parse(&f).unwrap();
//! assert_eq!(file.items.len(), 1);
//! ```

use std::sync::Arc;

use jiff::civil::Date;

use super::source::{SourceFile, Spanned};
use crate::check::{Outcome, Severity};

/// A parsed rule file. Equality compares the items only.
#[derive(Debug, Clone)]
pub struct File {
    pub source: Arc<SourceFile>,
    pub items: Vec<Item>,
}

impl PartialEq for File {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

/// A `#` comment line between top-level items.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub text: String,
    /// The author left an empty line after it (kept by the formatter).
    pub blank_after: bool,
}

/// An example record: the parsed JSON and the text as written (for the
/// formatter). Equality compares the JSON only.
#[derive(Debug, Clone)]
pub struct RecordLit {
    pub value: serde_json::Value,
    pub raw: String,
}

impl PartialEq for RecordLit {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Comment(Comment),
    Rule(RuleDef),
    Table(TableDef),
    Let(LetDef),
    Hazards(HazardsDef),
    Example(ExampleDef),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleDef {
    pub id: Spanned<String>,
    pub title: Spanned<String>,
    pub fields: Vec<RuleField>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RuleField {
    Comment(String),
    Cite(Spanned<Citation>),
    Severity(Spanned<Severity>),
    Departments(Vec<Spanned<String>>),
    Effective(Spanned<Effective>),
    Subject(Spanned<String>),
    ExceptionTo(Spanned<String>),
    Applies(Expr),
    Require(Expr),
    Explain(Template),
    ExplainPass(Template),
    Remedy(Spanned<String>),
    Example(ExampleDef),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Citation {
    Law {
        /// As written (short name or full title, without 《》).
        law: String,
        /// As written: `第三十九条`.
        article_text: String,
        article: crate::statute::ArticleNo,
        paragraph: Option<u32>,
        item: Option<u32>,
    },
    Standard {
        code: String,
        clause: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effective {
    pub from: Date,
    pub until: Option<Date>,
}

impl Effective {
    /// Whether `day` lies in `[from, until)`.
    pub fn covers(&self, day: Date) -> bool {
        self.from <= day && self.until.is_none_or(|u| day < u)
    }
}

/// An explanation string with `{expression}` holes.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The string as written between the quotes (escapes kept), for the formatter.
    pub raw: Spanned<String>,
    pub parts: Vec<TemplatePart>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    Text(String),
    Hole(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableDef {
    pub name: Spanned<String>,
    pub path: Spanned<String>,
    pub fields: Vec<TableField>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TableField {
    Comment(String),
    Effective(Spanned<Effective>),
    Key(Vec<Spanned<String>>),
    Range {
        min: Spanned<String>,
        max: Spanned<String>,
        inclusive: bool,
    },
    Column {
        name: Spanned<String>,
        ty: Spanned<ColumnType>,
        unit: Option<Spanned<UnitLit>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// One string.
    Text,
    /// Alternatives separated by `;` or `、` (aliases, several CAS numbers).
    Names,
    Number,
    Integer,
}

impl ColumnType {
    pub fn word(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Names => "names",
            ColumnType::Number => "number",
            ColumnType::Integer => "integer",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LetDef {
    pub name: Spanned<String>,
    pub params: Vec<Param>,
    pub body: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Spanned<String>,
    pub source: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HazardsDef {
    pub var: Spanned<String>,
    pub source: Expr,
    pub fields: Vec<HazardField>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum HazardField {
    Comment(String),
    Value { key: Spanned<String>, value: Expr },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExampleDef {
    pub name: Spanned<String>,
    pub fields: Vec<ExampleField>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExampleField {
    Comment(String),
    AsOf(Spanned<Date>),
    Record(Spanned<RecordLit>),
    Outcome {
        rule: Option<Spanned<String>>,
        outcome: Spanned<Outcome>,
        explanation: Option<Spanned<String>>,
    },
    Fact(Spanned<String>),
    Conflict(Vec<Spanned<String>>),
    Hazard {
        unit: Spanned<String>,
        s: Option<Spanned<String>>,
        r: Option<Spanned<String>>,
        grade: Option<Spanned<String>>,
    },
}

/// Units as written after a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitLit {
    Tonne,
    Kilogram,
    Metre,
    CubicMetre,
    Person,
    Days,
    Months,
    Years,
}

impl UnitLit {
    pub fn parse(s: &str) -> Option<UnitLit> {
        Some(match s {
            "t" => UnitLit::Tonne,
            "kg" => UnitLit::Kilogram,
            "m" => UnitLit::Metre,
            "m3" | "m³" => UnitLit::CubicMetre,
            "人" => UnitLit::Person,
            "day" | "days" | "天" => UnitLit::Days,
            "month" | "months" | "个月" => UnitLit::Months,
            "year" | "years" | "年" => UnitLit::Years,
            _ => return None,
        })
    }

    /// The canonical spelling the formatter writes.
    pub fn word(self) -> &'static str {
        match self {
            UnitLit::Tonne => "t",
            UnitLit::Kilogram => "kg",
            UnitLit::Metre => "m",
            UnitLit::CubicMetre => "m³",
            UnitLit::Person => "人",
            UnitLit::Days => "days",
            UnitLit::Months => "months",
            UnitLit::Years => "years",
        }
    }
}

pub type Expr = Spanned<ExprKind>;

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Bool(bool),
    None,
    AsOf,
    /// `text` is the digits as written (kept for formatting).
    Number {
        text: String,
        value: f64,
        unit: Option<UnitLit>,
    },
    Str(String),
    Date(Date),
    List(Vec<Expr>),
    /// `a.b.c`: a variable, a derived value without parameters, or a record field.
    Path(Vec<Spanned<String>>),
    /// `table[key].column`
    Lookup {
        table: Spanned<String>,
        key: Box<Expr>,
        fields: Vec<Spanned<String>>,
    },
    /// `derived(arg).field`
    Call {
        name: Spanned<String>,
        args: Vec<Expr>,
        fields: Vec<Spanned<String>>,
    },
    Paren(Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Quant {
        kind: QuantKind,
        var: Spanned<String>,
        source: Box<Expr>,
        filter: Option<Box<Expr>>,
        body: Option<Box<Expr>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    In,
    Otherwise,
    Before,
    After,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn word(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Contains => "contains",
            BinOp::In => "in",
            BinOp::Otherwise => "otherwise",
            BinOp::Before => "before",
            BinOp::After => "after",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }

    /// Binding strength: higher binds tighter.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq
            | BinOp::Ne
            | BinOp::Lt
            | BinOp::Le
            | BinOp::Gt
            | BinOp::Ge
            | BinOp::Contains
            | BinOp::In => 4,
            BinOp::Otherwise => 5,
            BinOp::Before | BinOp::After => 6,
            BinOp::Add | BinOp::Sub => 7,
            BinOp::Mul | BinOp::Div => 8,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantKind {
    Any,
    All,
    Count,
    Sum,
    List,
}

impl QuantKind {
    pub fn word(self) -> &'static str {
        match self {
            QuantKind::Any => "any",
            QuantKind::All => "all",
            QuantKind::Count => "count",
            QuantKind::Sum => "sum",
            QuantKind::List => "list",
        }
    }
}
