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
    /// How many distinct fields are read from the record's root, and how
    /// many distinct lists are gone through from it (see [`FieldPath::root`]).
    pub(crate) root_fields: usize,
    pub(crate) root_lists: usize,
    /// The evaluator's per-program plan, built by the first engine.
    pub(crate) plan: std::sync::OnceLock<std::sync::Arc<super::eval::Plan>>,
}

impl CheckedProgram {
    /// Numbers the fields read from the record's root, the same path the
    /// same number wherever it is read (rules, derived values, the
    /// major-hazard report), and likewise the lists gone through from the
    /// root; equal pointer texts of all paths are made one shared text. The
    /// checker calls this once.
    pub(crate) fn number_root_fields(&mut self) {
        let mut n = Numbering::default();
        let mut number = |ir: &mut Ir| match ir {
            Ir::Field { base, path, .. } => n.path(*base, path, false),
            Ir::Quant { base, path, .. } => n.path(*base, path, true),
            _ => {}
        };
        for r in &mut self.rules {
            if let Some(a) = &mut r.applies {
                a.visit_mut(&mut number);
            }
            r.require.visit_mut(&mut number);
            for part in r
                .explain
                .iter_mut()
                .chain(r.explain_pass.iter_mut().flatten())
            {
                if let CPart::Hole(ir, _) = part {
                    ir.visit_mut(&mut number);
                }
            }
        }
        for l in &mut self.lets {
            l.body.visit_mut(&mut number);
        }
        if let Some(h) = &mut self.hazards {
            for ir in [&mut h.unit, &mut h.s, &mut h.r, &mut h.grade]
                .into_iter()
                .chain(h.is_major.as_mut())
            {
                ir.visit_mut(&mut number);
            }
            n.path(Base::Root, &mut h.source, true);
        }
        self.root_fields = n.fields.len();
        self.root_lists = n.lists.len();
    }

    /// Every rule version, ordered by id then start date.
    pub fn rules(&self) -> impl Iterator<Item = &RuleMeta> {
        self.rules.iter().map(|r| &r.meta)
    }

    pub fn examples(&self) -> &[Example] {
        &self.examples
    }

    /// The record fields a rule's requirement reads (every version of the
    /// rule `id`), as dotted schema paths without list indices
    /// (`safety_org.full_time_officers`, `special_workers.certificate_expiry`),
    /// sorted; derived values are followed into their bodies. The `applies`
    /// condition is left out: it says *whom* a rule is for, not what it
    /// checks. Empty for an unknown id. The joint inspection plan merges
    /// checklist items whose rules read the same fields.
    pub fn reads(&self, id: &str) -> Vec<String> {
        let mut out = std::collections::BTreeSet::new();
        for r in self.rules.iter().filter(|r| r.meta.id == id) {
            let mut env = std::collections::HashMap::new();
            self.collect_reads(&r.require, &mut env, &mut out, 0);
        }
        out.into_iter().collect()
    }

    fn collect_reads(
        &self,
        ir: &Ir,
        env: &mut std::collections::HashMap<usize, String>,
        out: &mut std::collections::BTreeSet<String>,
        depth: usize,
    ) {
        // derived values cannot call themselves; the bound only guards the walk
        if depth > 64 {
            return;
        }
        let resolve =
            |base: &Base, path: &FieldPath, env: &std::collections::HashMap<usize, String>| {
                let rel = path.segs.join(".");
                match base {
                    Base::Root => Some(rel),
                    Base::Var(slot) => env.get(slot).map(|p| {
                        if rel.is_empty() {
                            p.clone()
                        } else {
                            format!("{p}.{rel}")
                        }
                    }),
                }
            };
        match ir {
            Ir::Field { base, path, .. } => {
                if let Some(p) = resolve(base, path, env).filter(|p| !p.is_empty()) {
                    out.insert(p);
                }
            }
            Ir::Quant {
                slot,
                base,
                path,
                filter,
                body,
                ..
            } => {
                let source = resolve(base, path, env);
                if let Some(p) = source.clone().filter(|p| !p.is_empty()) {
                    out.insert(p);
                }
                let saved = match source {
                    Some(p) => env.insert(*slot, p),
                    None => env.remove(slot),
                };
                for x in [filter, body].into_iter().flatten() {
                    self.collect_reads(x, env, out, depth + 1);
                }
                match saved {
                    Some(p) => env.insert(*slot, p),
                    None => env.remove(slot),
                };
            }
            Ir::Call { func, args } => {
                let mut inner = std::collections::HashMap::new();
                for (i, a) in args.iter().enumerate() {
                    self.collect_reads(a, env, out, depth + 1);
                    if let Ir::Field { base, path, .. } = a
                        && let Some(p) = resolve(base, path, env)
                    {
                        inner.insert(i, p);
                    }
                }
                if let Some(def) = self.lets.get(*func) {
                    self.collect_reads(&def.body, &mut inner, out, depth + 1);
                }
            }
            Ir::Const(_) | Ir::AsOf => {}
            Ir::Lookup { key: a, .. } | Ir::Column { row: a, .. } | Ir::Not(a) | Ir::Neg(a) => {
                self.collect_reads(a, env, out, depth + 1)
            }
            Ir::And(a, b)
            | Ir::Or(a, b)
            | Ir::Cmp(_, a, b)
            | Ir::Arith(_, a, b)
            | Ir::Shift {
                date: a, dur: b, ..
            }
            | Ir::DaysBetween(a, b)
            | Ir::Contains(a, b)
            | Ir::Otherwise(a, b) => {
                self.collect_reads(a, env, out, depth + 1);
                self.collect_reads(b, env, out, depth + 1);
            }
            Ir::If(c, a, b) => {
                for x in [c, a, b] {
                    self.collect_reads(x, env, out, depth + 1);
                }
            }
            Ir::List(xs) => {
                for x in xs {
                    self.collect_reads(x, env, out, depth + 1);
                }
            }
        }
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
    /// For a field read or a list gone through from the record's root: its
    /// number among the program's distinct root fields (or lists), so that
    /// the evaluator looks each up once per record; `NO_ROOT` otherwise. Set
    /// by [`CheckedProgram::number_root_fields`].
    pub root: usize,
}

/// See [`CheckedProgram::number_root_fields`].
#[derive(Default)]
struct Numbering {
    fields: std::collections::HashMap<String, usize>,
    lists: std::collections::HashMap<String, usize>,
    texts: std::collections::HashSet<Arc<str>>,
}

impl Numbering {
    fn path(&mut self, base: Base, path: &mut FieldPath, list: bool) {
        for p in &mut path.ptrs {
            match self.texts.get(&**p) {
                Some(t) => *p = Arc::clone(t),
                None => {
                    self.texts.insert(Arc::clone(p));
                }
            }
        }
        if base != Base::Root {
            return;
        }
        let map = if list {
            &mut self.lists
        } else {
            &mut self.fields
        };
        let key = path.ptrs.last().map_or("", |p| &**p);
        let next = map.len();
        path.root = *map.entry(key.to_string()).or_insert(next);
    }
}

/// [`FieldPath::root`] of a path that is not numbered.
pub(crate) const NO_ROOT: usize = usize::MAX;

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
        FieldPath {
            segs,
            ptrs,
            root: NO_ROOT,
        }
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

impl Ir {
    /// Calls `f` on this node and every node below it.
    pub(crate) fn visit_mut(&mut self, f: &mut impl FnMut(&mut Ir)) {
        f(self);
        match self {
            Ir::Const(_) | Ir::AsOf | Ir::Field { .. } => {}
            Ir::Lookup { key: a, .. } | Ir::Column { row: a, .. } | Ir::Not(a) | Ir::Neg(a) => {
                a.visit_mut(f)
            }
            Ir::And(a, b)
            | Ir::Or(a, b)
            | Ir::Cmp(_, a, b)
            | Ir::Arith(_, a, b)
            | Ir::Shift {
                date: a, dur: b, ..
            }
            | Ir::DaysBetween(a, b)
            | Ir::Contains(a, b)
            | Ir::Otherwise(a, b) => {
                a.visit_mut(f);
                b.visit_mut(f);
            }
            Ir::If(c, a, b) => {
                c.visit_mut(f);
                a.visit_mut(f);
                b.visit_mut(f);
            }
            Ir::Call { args: xs, .. } | Ir::List(xs) => {
                for x in xs {
                    x.visit_mut(f);
                }
            }
            Ir::Quant { filter, body, .. } => {
                for x in [filter, body].into_iter().flatten() {
                    x.visit_mut(f);
                }
            }
        }
    }
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
