//! The evaluator: runs a [`CheckedProgram`] against one record on one day.
//!
//! Logic is three-valued: an absent field is *unknown* (never "no"), and
//! `false and unknown` = false, `true or unknown` = true, `not unknown` =
//! unknown. JSON `null` is a known "none" (e.g. a worker whose certificate is
//! `null` has none): comparisons with it are false. Every record value read
//! becomes a fact (JSON pointer + value); derived values are reported as
//! `derived:NAME(pointer)`. Collections report only the items that decided
//! the result (the failing workers of an `all`). Evaluation never panics: a
//! depth guard stops runaway nesting and reports the rule as unknown.
//!
//! ```
//! use regkb::dsl::{check, evaluate, parse, SourceFile, NoTables};
//! use regkb::record::{FieldType, Schema};
//! let mut schema = Schema::default();
//! schema.root.insert("employees".into(), FieldType::Integer { unit: None, min: Some(0) });
//! let src = SourceFile::new("a.rule", r#"rule A "t" {
//!   cite 安全生产法 第二十四条
//!   severity 一般隐患
//!   departments 应急管理
//!   require employees <= 100
//!   explain "从业人员{employees}人"
//!   remedy "设置机构"
//! }"#);
//! let p = check(&[parse(&src).unwrap()], &schema, &NoTables, None).unwrap().program;
//! let day = jiff::civil::date(2026, 11, 28);
//! let e = evaluate(&p, &serde_json::json!({"employees": 120}), day);
//! assert_eq!(e.findings[0].explanation, "从业人员120人");
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::Arc;

use jiff::ToSpan;
use jiff::civil::Date;
use serde_json::Value as Json;

use super::ast::QuantKind;
use super::logic::Truth;
use super::program::*;
use super::table::{Cell, Found};
use super::types::{Dim, DurKind, Ty};
use crate::check::{CitationOut, Fact, Finding, MajorHazard, Outcome};

/// Deepest expression nesting the evaluator follows (parse nesting is capped
/// lower; derived values add depth).
pub const MAX_DEPTH: usize = 400;

/// Two rules that both apply and disagree, with no precedence declared.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Conflict {
    /// The rule ids involved, sorted.
    pub rules: Vec<String>,
    /// The shared subject, or the general rule both exceptions depart from.
    pub subject: String,
    pub explanation: String,
}

/// Everything evaluating a program on one record gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// One per rule in force on the day, ordered by rule id.
    pub findings: Vec<Finding>,
    pub major_hazards: Vec<MajorHazard>,
    pub conflicts: Vec<Conflict>,
}

#[derive(Debug, Clone)]
enum Val<'a> {
    Unknown,
    None,
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
    Date(Date),
    Dur(i64, DurKind),
    List(Rc<Vec<Val<'a>>>),
    Node(&'a Json, Rc<str>),
    Row(usize, usize, usize),
}

impl Val<'_> {
    fn truth(&self) -> Truth {
        match self {
            Val::Bool(true) => Truth::True,
            Val::Unknown => Truth::Unknown,
            _ => Truth::False,
        }
    }

    fn from_truth(t: Truth) -> Self {
        match t {
            Truth::True => Val::Bool(true),
            Truth::False => Val::Bool(false),
            Truth::Unknown => Val::Unknown,
        }
    }
}

/// Runs every rule in force on `as_of`, the major-hazard report, and the
/// exception/conflict analysis. To evaluate many records with one program,
/// build an [`Engine`] once and call [`Engine::evaluate`].
pub fn evaluate(program: &CheckedProgram, record: &Json, as_of: Date) -> Evaluation {
    Engine::new(program).evaluate(record, as_of)
}

/// A checked program ready for many records: the parts of each rule's finding
/// that do not depend on the record (title, departments, citations, remedy,
/// the default pass explanation) are built once and shared by every finding.
///
/// ```
/// # use regkb::dsl::{check, parse, Engine, SourceFile, NoTables};
/// # use regkb::record::Schema;
/// # let src = SourceFile::new("a.rule", "rule A \"t\" {\n cite 安全生产法 第二十四条\n severity 一般隐患\n departments 应急管理\n require true\n explain \"否\"\n remedy \"设置机构\"\n}");
/// # let p = check(&[parse(&src).unwrap()], &Schema::default(), &NoTables, None).unwrap().program;
/// let engine = Engine::new(&p);
/// let day = jiff::civil::date(2026, 11, 28);
/// let a = engine.evaluate(&serde_json::json!({}), day);
/// let b = engine.evaluate(&serde_json::json!({}), day);
/// assert!(std::sync::Arc::ptr_eq(&a.findings[0].title, &b.findings[0].title));
/// ```
#[derive(Debug)]
pub struct Engine<'p> {
    program: &'p CheckedProgram,
    /// One per `program.rules`, same order.
    shared: Vec<Shared>,
}

#[derive(Debug)]
struct Shared {
    title: Arc<str>,
    departments: Arc<[String]>,
    citations: Arc<[CitationOut]>,
    remedy: Arc<str>,
    /// `符合要求：TITLE`, for rules without a pass explanation.
    pass: Arc<str>,
}

impl<'p> Engine<'p> {
    pub fn new(program: &'p CheckedProgram) -> Self {
        let shared = program
            .rules
            .iter()
            .map(|r| Shared {
                title: Arc::from(r.meta.title.as_str()),
                departments: Arc::from(r.meta.departments.as_slice()),
                citations: Arc::from(r.meta.citations.as_slice()),
                remedy: Arc::from(r.meta.remedy.as_str()),
                pass: Arc::from(format!("符合要求：{}", r.meta.title)),
            })
            .collect();
        Engine { program, shared }
    }

    /// Evaluates one record on `as_of` (see [`evaluate`]).
    pub fn evaluate(&self, record: &Json, as_of: Date) -> Evaluation {
        let program = self.program;
        let mut ev = Evaluator::new(program, record, as_of);
        let mut results = Vec::with_capacity(program.rules.len());
        for (rule, shared) in program.rules.iter().zip(&self.shared) {
            if rule.meta.in_force(as_of) {
                results.push(ev.rule(rule, shared));
            }
        }
        let conflicts = resolve_exceptions(program, &mut results);
        let major_hazards = match &program.hazards {
            Some(h) => ev.hazards(h),
            None => Vec::new(),
        };
        Evaluation {
            findings: results.into_iter().map(|r| r.finding).collect(),
            major_hazards,
            conflicts,
        }
    }
}

struct RuleResult<'a> {
    finding: Finding,
    applies: Truth,
    exception_to: Option<&'a str>,
    subject: Option<&'a str>,
}

fn resolve_exceptions(program: &CheckedProgram, results: &mut [RuleResult<'_>]) -> Vec<Conflict> {
    let mut conflicts = Vec::new();
    // exceptions that apply, per general rule
    let mut by_base: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in results.iter().enumerate() {
        if let (Some(base), Truth::True) = (r.exception_to, r.applies) {
            by_base.entry(base.to_string()).or_default().push(i);
        }
    }
    let mut bases: Vec<_> = by_base.into_iter().collect();
    bases.sort();
    for (base, exc) in bases {
        let Some(bi) = results.iter().position(|r| r.finding.rule == base) else {
            continue;
        };
        let outcomes: Vec<Outcome> = exc
            .iter()
            .filter_map(|&i| results.get(i).map(|r| r.finding.outcome))
            .collect();
        let agree = outcomes.windows(2).all(|w| w.first() == w.get(1));
        if !agree {
            let mut ids: Vec<String> = exc
                .iter()
                .filter_map(|&i| results.get(i).map(|r| r.finding.rule.clone()))
                .collect();
            ids.sort();
            conflicts.push(Conflict {
                explanation: format!(
                    "{}均为{}的例外规则且同时适用，但结论不同，未规定优先顺序，需人工确定",
                    ids.join("、"),
                    base
                ),
                rules: ids,
                subject: base.clone(),
            });
            continue;
        }
        let names: Vec<String> = exc
            .iter()
            .filter_map(|&i| {
                results
                    .get(i)
                    .map(|r| format!("{}（{}）", r.finding.rule, r.finding.title))
            })
            .collect();
        if let Some(b) = results.get_mut(bi)
            && b.applies != Truth::False
        {
            b.finding.outcome = Outcome::NotApplicable;
            b.finding.explanation =
                format!("本项由例外规则{}调整，以该规则的结论为准", names.join("、"));
            b.finding.missing.clear();
        }
    }
    // rules on the same subject that both apply and disagree
    let _ = program;
    let mut by_subject: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in results.iter().enumerate() {
        if let (Some(s), Truth::True) = (r.subject, r.applies) {
            by_subject.entry(s).or_default().push(i);
        }
    }
    let mut pairs = Vec::new();
    for group in by_subject.values() {
        for (x, &i) in group.iter().enumerate() {
            for &j in group.iter().skip(x + 1) {
                pairs.push((i, j));
            }
        }
    }
    for (i, j) in pairs {
        {
            let (Some(a), Some(b)) = (results.get(i), results.get(j)) else {
                continue;
            };
            let (Some(sa), Some(sb)) = (&a.subject, &b.subject) else {
                continue;
            };
            if sa != sb || a.applies != Truth::True || b.applies != Truth::True {
                continue;
            }
            let related = a.exception_to == Some(b.finding.rule.as_str())
                || b.exception_to == Some(a.finding.rule.as_str());
            let disagree = matches!(
                (a.finding.outcome, b.finding.outcome),
                (Outcome::Pass, Outcome::Fail) | (Outcome::Fail, Outcome::Pass)
            );
            if disagree && !related {
                let mut ids = vec![a.finding.rule.clone(), b.finding.rule.clone()];
                ids.sort();
                conflicts.push(Conflict {
                    explanation: format!(
                        "{}与{}针对同一事项（{}）同时适用但结论相反，且均未声明为对方的例外，需人工确定适用哪一条",
                        ids.first().map(String::as_str).unwrap_or(""),
                        ids.get(1).map(String::as_str).unwrap_or(""),
                        sa
                    ),
                    rules: ids,
                    subject: sa.to_string(),
                });
            }
        }
    }
    conflicts.sort_by(|a, b| a.rules.cmp(&b.rules));
    conflicts
}

struct Evaluator<'a> {
    program: &'a CheckedProgram,
    record: &'a Json,
    as_of: Date,
    env: Vec<Val<'a>>,
    facts: Vec<Fact>,
    missing: Vec<String>,
    memo: HashMap<(usize, String), (Val<'a>, Vec<String>, String)>,
    depth: usize,
    too_deep: bool,
}

impl<'a> Evaluator<'a> {
    fn new(program: &'a CheckedProgram, record: &'a Json, as_of: Date) -> Self {
        Evaluator {
            program,
            record,
            as_of,
            env: Vec::new(),
            facts: Vec::new(),
            missing: Vec::new(),
            memo: HashMap::new(),
            depth: 0,
            too_deep: false,
        }
    }

    fn rule(&mut self, rule: &'a CRule, shared: &Shared) -> RuleResult<'a> {
        self.env.clear();
        self.env.resize(rule.slots, Val::Unknown);
        self.facts.clear();
        self.missing.clear();
        self.too_deep = false;
        let applies = match &rule.applies {
            Some(ir) => self.eval(ir).truth(),
            None => Truth::True,
        };
        let outcome = match applies {
            Truth::False => Outcome::NotApplicable,
            Truth::True | Truth::Unknown => match (self.eval(&rule.require).truth(), applies) {
                (Truth::True, _) => Outcome::Pass,
                (Truth::False, Truth::True) => Outcome::Fail,
                _ => Outcome::Unknown,
            },
        };
        let explanation = if self.too_deep {
            "规则计算层次过深，无法完成判断，请联系规则维护人员".to_string()
        } else {
            match outcome {
                Outcome::Fail => self.render(&rule.explain),
                Outcome::Pass => match &rule.explain_pass {
                    Some(t) => self.render(t),
                    None => shared.pass.to_string(),
                },
                Outcome::Unknown => format!(
                    "缺少判断所需的信息，需现场核查：{}",
                    readable_missing(&self.missing, &self.program.labels)
                ),
                Outcome::NotApplicable => "本条不适用于该企业".to_string(),
            }
        };
        let mut facts = Vec::with_capacity(self.facts.len());
        for f in self.facts.drain(..) {
            if !facts.iter().any(|g: &Fact| g.path == f.path) {
                facts.push(f);
            }
        }
        let mut missing = Vec::new();
        if outcome == Outcome::Unknown {
            for m in self.missing.drain(..) {
                if !missing.contains(&m) {
                    missing.push(m);
                }
            }
        }
        let outcome = if self.too_deep {
            Outcome::Unknown
        } else {
            outcome
        };
        RuleResult {
            finding: Finding {
                rule: rule.meta.id.clone(),
                title: Arc::clone(&shared.title),
                outcome,
                severity: rule.meta.severity,
                departments: Arc::clone(&shared.departments),
                citations: Arc::clone(&shared.citations),
                explanation,
                facts,
                missing,
                remedy: Arc::clone(&shared.remedy),
            },
            applies,
            exception_to: rule.meta.exception_to.as_deref(),
            subject: rule.meta.subject.as_deref(),
        }
    }

    fn hazards(&mut self, h: &'a CHazards) -> Vec<MajorHazard> {
        let items = match self.items(Base::Root, &h.source) {
            Some(items) => items,
            None => return Vec::new(),
        };
        let mut out = Vec::new();
        for item in items {
            self.env = vec![Val::Unknown; h.slots.max(1)];
            let Some((node, ptr)) = item else { continue };
            if let Some(slot) = self.env.get_mut(0) {
                *slot = Val::Node(node, Rc::clone(&ptr));
            }
            let unit = match self.eval(&h.unit) {
                Val::Str(s) => s.into_owned(),
                _ => ptr.to_string(),
            };
            let num = |v: Val<'_>| match v {
                Val::Num(n) if n.is_finite() => Some(round9(n)),
                _ => None,
            };
            let s = num(self.eval(&h.s));
            let is_major = match &h.is_major {
                Some(ir) => match self.eval(ir) {
                    Val::Bool(b) => Some(b),
                    _ => None,
                },
                None => s.map(|s| s >= 1.0),
            };
            let (r, grade) = if is_major == Some(true) {
                let r = num(self.eval(&h.r));
                let grade = num(self.eval(&h.grade))
                    .filter(|g| (1.0..=4.0).contains(g) && g.fract() == 0.0)
                    .map(|g| g as u8);
                (r, grade)
            } else {
                (None, None)
            };
            out.push(MajorHazard {
                unit,
                s,
                is_major,
                r,
                grade,
            });
        }
        self.facts.clear();
        self.missing.clear();
        out
    }

    fn render(&mut self, parts: &'a [CPart]) -> String {
        let mut out = String::new();
        for p in parts {
            match p {
                CPart::Text(t) => out.push_str(t),
                CPart::Hole(ir, ty) => {
                    let v = self.eval(ir);
                    out.push_str(&display(&v, ty, self.program));
                }
            }
        }
        out
    }

    fn miss(&mut self, ptr: String) {
        self.missing.push(ptr);
    }

    fn fact(&mut self, path: String, value: &Json) {
        self.facts.push(Fact {
            path,
            value: value.clone(),
        });
    }

    fn eval(&mut self, ir: &'a Ir) -> Val<'a> {
        if self.depth >= MAX_DEPTH {
            self.too_deep = true;
            return Val::Unknown;
        }
        self.depth += 1;
        let v = self.eval_inner(ir);
        self.depth -= 1;
        v
    }

    fn eval_inner(&mut self, ir: &'a Ir) -> Val<'a> {
        match ir {
            Ir::Const(l) => match l {
                Lit::Bool(b) => Val::Bool(*b),
                Lit::None => Val::None,
                Lit::Num(n) => Val::Num(*n),
                Lit::Str(s) => Val::Str(Cow::Borrowed(s.as_str())),
                Lit::Date(d) => Val::Date(*d),
                Lit::Dur(n, k) => Val::Dur(*n, *k),
            },
            Ir::AsOf => Val::Date(self.as_of),
            Ir::Field {
                base,
                path,
                scale,
                leaf,
            } => self.field(*base, path, *scale, *leaf),
            Ir::Lookup { table, key } => {
                let key = self.eval(key);
                let Some(t) = self.program.tables.get(*table) else {
                    return Val::Unknown;
                };
                let Some(ver) = t.version(self.as_of) else {
                    return Val::Unknown;
                };
                let found = match &key {
                    Val::Str(s) => t.find_text(ver, s),
                    Val::Num(n) => t.find_number(ver, *n),
                    Val::None => return Val::None,
                    _ => return Val::Unknown,
                };
                match found {
                    Found::Row(r) => Val::Row(*table, ver, r),
                    Found::NotFound => Val::None,
                    Found::Ambiguous => Val::Unknown,
                }
            }
            Ir::Column { row, column } => match self.eval(row) {
                Val::Row(t, v, r) => {
                    match self
                        .program
                        .tables
                        .get(t)
                        .and_then(|tb| tb.cell(v, r, *column))
                    {
                        Some(Cell::Text(s)) => Val::Str(Cow::Borrowed(s.as_str())),
                        Some(Cell::Names(ns)) => Val::List(Rc::new(
                            ns.iter()
                                .map(|n| Val::Str(Cow::Borrowed(n.as_str())))
                                .collect(),
                        )),
                        Some(Cell::Num(Some(n))) => Val::Num(*n),
                        Some(Cell::Num(None)) => Val::None,
                        None => Val::Unknown,
                    }
                }
                Val::None => Val::None,
                _ => Val::Unknown,
            },
            Ir::Call { func, args } => self.call(*func, args),
            Ir::Not(a) => Val::from_truth(self.eval(a).truth().not()),
            Ir::Neg(a) => match self.eval(a) {
                Val::Num(n) => Val::Num(-n),
                Val::Dur(n, k) => Val::Dur(-n, k),
                other => other,
            },
            Ir::And(a, b) => {
                let x = self.eval(a).truth();
                if x == Truth::False {
                    return Val::Bool(false);
                }
                Val::from_truth(x.and(self.eval(b).truth()))
            }
            Ir::Or(a, b) => {
                let x = self.eval(a).truth();
                if x == Truth::True {
                    return Val::Bool(true);
                }
                Val::from_truth(x.or(self.eval(b).truth()))
            }
            Ir::Cmp(op, a, b) => {
                let (x, y) = (self.eval(a), self.eval(b));
                compare(*op, &x, &y)
            }
            Ir::Arith(op, a, b) => {
                let (x, y) = (self.eval(a), self.eval(b));
                arith(*op, x, y)
            }
            Ir::Shift { date, dur, sign } => {
                let (d, n) = (self.eval(date), self.eval(dur));
                match (d, n) {
                    (Val::Date(d), Val::Dur(n, k)) => shift(d, n.saturating_mul(*sign), k)
                        .map(Val::Date)
                        .unwrap_or(Val::Unknown),
                    (Val::None, _) | (_, Val::None) => Val::None,
                    _ => Val::Unknown,
                }
            }
            Ir::DaysBetween(a, b) => match (self.eval(a), self.eval(b)) {
                (Val::Date(x), Val::Date(y)) => match y.until(x) {
                    Ok(span) => Val::Dur(i64::from(span.get_days()), DurKind::Days),
                    Err(_) => Val::Unknown,
                },
                (Val::None, _) | (_, Val::None) => Val::None,
                _ => Val::Unknown,
            },
            Ir::Contains(list, item) => {
                let (l, x) = (self.eval(list), self.eval(item));
                contains(&l, &x)
            }
            Ir::Otherwise(a, b) => match self.eval(a) {
                Val::Unknown | Val::None => self.eval(b),
                v => v,
            },
            Ir::If(c, a, b) => match self.eval(c).truth() {
                Truth::True => self.eval(a),
                Truth::False => self.eval(b),
                Truth::Unknown => Val::Unknown,
            },
            Ir::List(items) => Val::List(Rc::new(items.iter().map(|i| self.eval(i)).collect())),
            Ir::Quant {
                kind,
                slot,
                base,
                path,
                filter,
                body,
            } => self.quant(
                *kind,
                *slot,
                *base,
                path,
                filter.as_deref(),
                body.as_deref(),
            ),
        }
    }

    fn call(&mut self, func: usize, args: &'a [Ir]) -> Val<'a> {
        let Some(def) = self.program.lets.get(func) else {
            return Val::Unknown;
        };
        let mut argv = Vec::with_capacity(args.len());
        let mut key = String::new();
        for a in args {
            let v = self.eval(a);
            if let Val::Node(_, p) = &v {
                key.push_str(p);
            }
            key.push('|');
            argv.push(v);
        }
        let memo_key = (func, key);
        if let Some((v, missing, label)) = self.memo.get(&memo_key) {
            let (v, label) = (v.clone(), label.clone());
            self.missing.extend(missing.iter().cloned());
            self.facts.push(Fact {
                path: label,
                value: to_json(&v, self.program),
            });
            return v;
        }
        let label = if args.is_empty() {
            format!("derived:{}", def.name)
        } else {
            format!("derived:{}({})", def.name, memo_key.1.trim_end_matches('|'))
        };
        let saved_env = std::mem::replace(&mut self.env, argv);
        self.env.resize(def.slots.max(args.len()), Val::Unknown);
        let saved_facts = std::mem::take(&mut self.facts);
        let saved_missing = std::mem::take(&mut self.missing);
        let v = self.eval(&def.body);
        let missing = std::mem::replace(&mut self.missing, saved_missing);
        self.facts = saved_facts;
        self.env = saved_env;
        self.missing.extend(missing.iter().cloned());
        self.memo
            .insert(memo_key, (v.clone(), missing, label.clone()));
        self.facts.push(Fact {
            path: label,
            value: to_json(&v, self.program),
        });
        v
    }

    fn start(&mut self, base: Base) -> Option<(&'a Json, Rc<str>)> {
        match base {
            Base::Root => Some((self.record, Rc::from(""))),
            Base::Var(slot) => match self.env.get(slot) {
                Some(Val::Node(n, p)) => Some((*n, Rc::clone(p))),
                _ => None,
            },
        }
    }

    fn field(&mut self, base: Base, path: &[String], scale: f64, leaf: Leaf) -> Val<'a> {
        let Some((mut node, base_ptr)) = self.start(base) else {
            return Val::Unknown;
        };
        let mut ptr = String::with_capacity(base_ptr.len() + 32);
        ptr.push_str(&base_ptr);
        for seg in path {
            match node {
                Json::Object(m) => {
                    push_ptr(&mut ptr, seg);
                    match m.get(seg) {
                        Some(v) => node = v,
                        None => {
                            self.miss(ptr);
                            return Val::Unknown;
                        }
                    }
                }
                Json::Null => {
                    self.fact(ptr, &Json::Null);
                    return Val::None;
                }
                _ => {
                    self.miss(ptr);
                    return Val::Unknown;
                }
            }
        }
        if node.is_null() {
            self.fact(ptr, node);
            return Val::None;
        }
        let v = match (leaf, node) {
            (Leaf::Num, Json::Number(n)) => n.as_f64().map(|x| Val::Num(x * scale)),
            (Leaf::Str, Json::String(s)) => Some(Val::Str(Cow::Borrowed(s.as_str()))),
            (Leaf::Date, Json::String(s)) => s.parse::<Date>().ok().map(Val::Date),
            (Leaf::Bool, Json::Bool(b)) => Some(Val::Bool(*b)),
            (Leaf::Scalars, Json::Array(items)) => Some(Val::List(Rc::new(
                items.iter().map(|i| scalar(i, scale)).collect(),
            ))),
            (Leaf::Node, Json::Object(_) | Json::Array(_)) => {
                return Val::Node(node, Rc::from(ptr.as_str()));
            }
            _ => None,
        };
        match v {
            Some(v) => {
                self.fact(ptr, node);
                v
            }
            None => {
                // a value of the wrong type: validation should have caught it
                self.miss(ptr);
                Val::Unknown
            }
        }
    }

    /// The items a quantifier goes through; `None` items are unknown ones.
    /// Returns `None` when the list itself is unknown.
    #[allow(clippy::type_complexity)]
    fn items(&mut self, base: Base, path: &[String]) -> Option<Vec<Option<(&'a Json, Rc<str>)>>> {
        let (node, ptr) = self.start(base)?;
        if !node.is_object() {
            self.miss(ptr.to_string());
            return None;
        }
        // the usual case, one list field (`special_workers`, `u.chemicals`): no intermediate lists
        if let ([seg], Json::Object(m)) = (path, node) {
            let mut p = String::with_capacity(ptr.len() + seg.len() + 1);
            p.push_str(&ptr);
            push_ptr(&mut p, seg);
            return match m.get(seg) {
                None => {
                    self.miss(p);
                    None
                }
                Some(Json::Null) => Some(Vec::new()),
                Some(Json::Array(xs)) => Some(
                    xs.iter()
                        .enumerate()
                        .map(|(i, x)| {
                            let mut q = String::with_capacity(p.len() + 4);
                            q.push_str(&p);
                            let _ = write!(q, "/{i}");
                            Some((x, Rc::from(q.as_str())))
                        })
                        .collect(),
                ),
                Some(_) => {
                    self.miss(p);
                    None
                }
            };
        }
        let mut cur: Vec<Option<(&'a Json, String)>> = vec![Some((node, ptr.to_string()))];
        for seg in path {
            let mut next = Vec::new();
            for item in cur {
                let Some((n, p)) = item else {
                    next.push(None);
                    continue;
                };
                let expanded: Vec<(&'a Json, String)> = match n {
                    Json::Array(xs) => xs
                        .iter()
                        .enumerate()
                        .map(|(i, x)| (x, format!("{p}/{i}")))
                        .collect(),
                    other => vec![(other, p)],
                };
                for (x, mut xp) in expanded {
                    match x {
                        Json::Object(m) => {
                            push_ptr(&mut xp, seg);
                            match m.get(seg) {
                                Some(v) if v.is_null() => {}
                                Some(v) => next.push(Some((v, xp))),
                                None => {
                                    self.miss(xp);
                                    next.push(None);
                                }
                            }
                        }
                        Json::Null => {}
                        _ => next.push(None),
                    }
                }
            }
            cur = next;
        }
        if cur.len() == 1 && cur.first().is_some_and(|c| c.is_none()) {
            return None;
        }
        let mut out = Vec::new();
        for item in cur {
            match item {
                Some((Json::Array(xs), p)) => {
                    for (i, x) in xs.iter().enumerate() {
                        out.push(Some((x, Rc::from(format!("{p}/{i}").as_str()))));
                    }
                }
                Some((x, p)) => out.push(Some((x, Rc::from(p.as_str())))),
                None => out.push(None),
            }
        }
        Some(out)
    }

    fn quant(
        &mut self,
        kind: QuantKind,
        slot: usize,
        base: Base,
        path: &[String],
        filter: Option<&'a Ir>,
        body: Option<&'a Ir>,
    ) -> Val<'a> {
        let Some(items) = self.items(base, path) else {
            return Val::Unknown;
        };
        let mut acc = match kind {
            QuantKind::Any => Truth::False,
            _ => Truth::True,
        };
        let mut unknown = false;
        let mut count = 0i64;
        let mut sum_num = 0.0;
        let mut sum_dur: Option<(i64, DurKind)> = None;
        let mut list = Vec::new();
        let mut kept: Vec<(Truth, Vec<Fact>)> = Vec::new();
        for item in items {
            let mark = self.facts.len();
            let Some((node, ptr)) = item else {
                unknown = true;
                kept.push((Truth::Unknown, Vec::new()));
                continue;
            };
            if self.env.len() <= slot {
                self.env.resize(slot + 1, Val::Unknown);
            }
            if let Some(s) = self.env.get_mut(slot) {
                *s = Val::Node(node, ptr);
            }
            let f = match filter {
                Some(f) => self.eval(f).truth(),
                None => Truth::True,
            };
            let item_truth = match kind {
                QuantKind::Any => {
                    let b = if f == Truth::False {
                        Truth::False
                    } else {
                        body.map(|b| self.eval(b).truth()).unwrap_or(Truth::True)
                    };
                    let t = f.and(b);
                    acc = acc.or(t);
                    t
                }
                QuantKind::All => {
                    let b = if f == Truth::False {
                        Truth::True
                    } else {
                        body.map(|b| self.eval(b).truth()).unwrap_or(Truth::True)
                    };
                    let t = f.not().or(b);
                    acc = acc.and(t);
                    t
                }
                QuantKind::Count => {
                    let b = if f == Truth::False {
                        Truth::False
                    } else {
                        body.map(|b| self.eval(b).truth()).unwrap_or(Truth::True)
                    };
                    let t = f.and(b);
                    match t {
                        Truth::True => count += 1,
                        Truth::Unknown => unknown = true,
                        Truth::False => {}
                    }
                    t
                }
                QuantKind::Sum | QuantKind::List => {
                    // a list shows the items known to match; a sum needs them all
                    if f == Truth::Unknown && kind == QuantKind::Sum {
                        unknown = true;
                    }
                    if f == Truth::True {
                        match body.map(|b| self.eval(b)) {
                            Some(Val::Num(n)) => sum_num += n,
                            Some(Val::Dur(n, k)) => {
                                let prev = sum_dur.map(|(p, _)| p).unwrap_or(0);
                                sum_dur = Some((prev.saturating_add(n), k));
                            }
                            Some(Val::Unknown) if kind == QuantKind::Sum => unknown = true,
                            Some(Val::Unknown) => {}
                            Some(Val::None) | None => {}
                            Some(v) => list.push(v),
                        }
                    }
                    f
                }
            };
            let facts = self.facts.split_off(mark);
            kept.push((item_truth, facts));
        }
        // keep the facts of the items that decided the result
        let keep = |t: Truth| match kind {
            QuantKind::All if acc == Truth::False => t == Truth::False,
            QuantKind::Any if acc == Truth::True => t == Truth::True,
            QuantKind::Count | QuantKind::Sum | QuantKind::List => t != Truth::False,
            _ => true,
        };
        for (t, facts) in kept {
            if keep(t) {
                self.facts.extend(facts);
            }
        }
        match kind {
            QuantKind::Any | QuantKind::All => Val::from_truth(acc),
            _ if unknown => Val::Unknown,
            QuantKind::Count => Val::Num(count as f64),
            QuantKind::Sum => match sum_dur {
                Some((n, k)) => Val::Dur(n, k),
                None => Val::Num(sum_num),
            },
            QuantKind::List => Val::List(Rc::new(list)),
        }
    }
}

fn push_ptr(ptr: &mut String, seg: &str) {
    ptr.reserve(seg.len() + 1);
    ptr.push('/');
    if !seg.bytes().any(|b| b == b'~' || b == b'/') {
        // nothing to escape (almost every key and index): one copy
        ptr.push_str(seg);
        return;
    }
    for c in seg.chars() {
        match c {
            '~' => ptr.push_str("~0"),
            '/' => ptr.push_str("~1"),
            other => ptr.push(other),
        }
    }
}

fn scalar(j: &Json, scale: f64) -> Val<'_> {
    match j {
        Json::String(s) => Val::Str(Cow::Borrowed(s.as_str())),
        Json::Number(n) => n
            .as_f64()
            .map(|x| Val::Num(x * scale))
            .unwrap_or(Val::Unknown),
        Json::Bool(b) => Val::Bool(*b),
        Json::Null => Val::None,
        _ => Val::Unknown,
    }
}

fn shift(d: Date, n: i64, kind: DurKind) -> Option<Date> {
    let n = i32::try_from(n).ok()?;
    match kind {
        DurKind::Days => d.checked_add(n.days()).ok(),
        DurKind::Months => d.checked_add(n.months()).ok(),
    }
}

fn eq_vals(x: &Val<'_>, y: &Val<'_>) -> Option<bool> {
    Some(match (x, y) {
        (Val::None, Val::None) => true,
        (Val::None, _) | (_, Val::None) => false,
        (Val::Num(a), Val::Num(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        (Val::Str(a), Val::Str(b)) => a == b,
        (Val::Bool(a), Val::Bool(b)) => a == b,
        (Val::Date(a), Val::Date(b)) => a == b,
        (Val::Dur(a, _), Val::Dur(b, _)) => a == b,
        (Val::Row(a, b, c), Val::Row(d, e, f)) => (a, b, c) == (d, e, f),
        _ => return None,
    })
}

fn compare(op: CmpOp, x: &Val<'_>, y: &Val<'_>) -> Val<'static> {
    if matches!(x, Val::Unknown) || matches!(y, Val::Unknown) {
        return Val::Unknown;
    }
    if matches!(x, Val::Node(..)) || matches!(y, Val::Node(..)) {
        // a present record or list compared with none
        let none = matches!(x, Val::None) || matches!(y, Val::None);
        return match op {
            CmpOp::Eq if none => Val::Bool(false),
            CmpOp::Ne if none => Val::Bool(true),
            _ => Val::Unknown,
        };
    }
    let ord = match (x, y) {
        (Val::Num(a), Val::Num(b)) => {
            if (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0) {
                Some(std::cmp::Ordering::Equal)
            } else {
                a.partial_cmp(b)
            }
        }
        (Val::Date(a), Val::Date(b)) => Some(a.cmp(b)),
        (Val::Dur(a, _), Val::Dur(b, _)) => Some(a.cmp(b)),
        (Val::Str(a), Val::Str(b)) => Some(a.cmp(b)),
        _ => None,
    };
    let r = match op {
        CmpOp::Eq => eq_vals(x, y),
        CmpOp::Ne => eq_vals(x, y).map(|b| !b),
        CmpOp::Lt => ord.map(|o| o.is_lt()),
        CmpOp::Le => ord.map(|o| o.is_le()),
        CmpOp::Gt => ord.map(|o| o.is_gt()),
        CmpOp::Ge => ord.map(|o| o.is_ge()),
    };
    match r {
        Some(b) => Val::Bool(b),
        // comparing with none by size: the fact is known to be absent
        None if matches!(x, Val::None) || matches!(y, Val::None) => Val::Bool(false),
        None => Val::Unknown,
    }
}

fn arith<'a>(op: ArithOp, x: Val<'a>, y: Val<'a>) -> Val<'a> {
    match (x, y) {
        (Val::Unknown, _) | (_, Val::Unknown) => Val::Unknown,
        (Val::None, _) | (_, Val::None) => Val::None,
        (Val::Num(a), Val::Num(b)) => {
            let r = match op {
                ArithOp::Add => a + b,
                ArithOp::Sub => a - b,
                ArithOp::Mul => a * b,
                ArithOp::Div => {
                    if b == 0.0 {
                        return Val::Unknown;
                    }
                    a / b
                }
            };
            if r.is_finite() {
                Val::Num(r)
            } else {
                Val::Unknown
            }
        }
        (Val::Dur(a, k), Val::Dur(b, _)) => match op {
            ArithOp::Add => Val::Dur(a.saturating_add(b), k),
            ArithOp::Sub => Val::Dur(a.saturating_sub(b), k),
            _ => Val::Unknown,
        },
        (Val::Dur(a, k), Val::Num(b)) | (Val::Num(b), Val::Dur(a, k)) if op == ArithOp::Mul => {
            let r = a as f64 * b;
            if r.is_finite() && r.abs() < 1e9 {
                Val::Dur(r as i64, k)
            } else {
                Val::Unknown
            }
        }
        _ => Val::Unknown,
    }
}

fn contains(list: &Val<'_>, item: &Val<'_>) -> Val<'static> {
    if matches!(item, Val::Unknown) {
        return Val::Unknown;
    }
    match list {
        Val::List(xs) => {
            let mut unknown = false;
            for x in xs.iter() {
                match eq_vals(x, item) {
                    Some(true) => return Val::Bool(true),
                    None if matches!(x, Val::Unknown) => unknown = true,
                    _ => {}
                }
            }
            if unknown {
                Val::Unknown
            } else {
                Val::Bool(false)
            }
        }
        Val::Str(s) => match item {
            Val::Str(t) => Val::Bool(s.contains(t.as_ref())),
            _ => Val::Bool(false),
        },
        Val::None => Val::Bool(false),
        _ => Val::Unknown,
    }
}

pub(crate) fn round9(x: f64) -> f64 {
    let r = (x * 1e9).round() / 1e9;
    if r == 0.0 { 0.0 } else { r }
}

fn fmt_num(n: f64) -> String {
    let r = (n * 1e6).round() / 1e6;
    if r == r.trunc() && r.abs() < 1e15 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

fn display(v: &Val<'_>, ty: &Ty, program: &CheckedProgram) -> String {
    match v {
        Val::Unknown => "（未知）".into(),
        Val::None => "无".into(),
        Val::Bool(true) => "是".into(),
        Val::Bool(false) => "否".into(),
        Val::Num(n) => {
            let dim = match ty {
                Ty::Num { dim, .. } => *dim,
                _ => Dim::Free,
            };
            format!("{}{}", fmt_num(*n), dim.unit_zh())
        }
        Val::Str(s) => s.to_string(),
        Val::Date(d) => d.to_string(),
        Val::Dur(n, DurKind::Days) => format!("{n}天"),
        Val::Dur(n, DurKind::Months) => {
            if n % 12 == 0 {
                format!("{}年", n / 12)
            } else {
                format!("{n}个月")
            }
        }
        Val::List(xs) => {
            let inner = match ty {
                Ty::List(t) => (**t).clone(),
                other => other.clone(),
            };
            xs.iter()
                .map(|x| display(x, &inner, program))
                .collect::<Vec<_>>()
                .join("、")
        }
        Val::Node(_, p) => p.to_string(),
        Val::Row(..) => to_json(v, program).to_string(),
    }
}

fn to_json(v: &Val<'_>, program: &CheckedProgram) -> Json {
    match v {
        Val::Unknown | Val::None => Json::Null,
        Val::Bool(b) => Json::Bool(*b),
        Val::Num(n) => serde_json::Number::from_f64(round9(*n))
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Val::Str(s) => Json::String(s.to_string()),
        Val::Date(d) => Json::String(d.to_string()),
        Val::Dur(n, DurKind::Days) => Json::String(format!("{n} days")),
        Val::Dur(n, DurKind::Months) => Json::String(format!("{n} months")),
        Val::List(xs) => Json::Array(xs.iter().map(|x| to_json(x, program)).collect()),
        Val::Node(j, _) => (*j).clone(),
        Val::Row(t, ver, r) => {
            let Some(table) = program.tables.get(*t) else {
                return Json::Null;
            };
            let mut m = serde_json::Map::new();
            for (ci, c) in table.columns.iter().enumerate() {
                let cell = match table.cell(*ver, *r, ci) {
                    Some(Cell::Text(s)) => Json::String(s.clone()),
                    Some(Cell::Names(ns)) => {
                        Json::Array(ns.iter().map(|n| Json::String(n.clone())).collect())
                    }
                    Some(Cell::Num(Some(n))) => serde_json::Number::from_f64(*n)
                        .map(Json::Number)
                        .unwrap_or(Json::Null),
                    _ => Json::Null,
                };
                m.insert(c.name.clone(), cell);
            }
            Json::Object(m)
        }
    }
}

/// Missing pointers in words: `/special_workers/2/certificate` →
/// 特种作业人员第3项的特种作业操作证 (labels from the schema's descriptions).
fn readable_missing(missing: &[String], labels: &HashMap<String, String>) -> String {
    let mut out: Vec<String> = Vec::new();
    for m in missing {
        let mut dotted = String::with_capacity(m.len());
        let mut words = String::with_capacity(m.len() * 3);
        for seg in m.split('/').skip(1) {
            if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                let i: usize = seg.parse().unwrap_or(0);
                let _ = write!(words, "第{}项", i + 1);
                continue;
            }
            let seg: Cow<'_, str> = if seg.contains('~') {
                Cow::Owned(seg.replace("~1", "/").replace("~0", "~"))
            } else {
                Cow::Borrowed(seg)
            };
            if !dotted.is_empty() {
                dotted.push('.');
                words.push('的');
            }
            dotted.push_str(&seg);
            words.push_str(labels.get(&dotted).map(String::as_str).unwrap_or(&seg));
        }
        if !out.contains(&words) {
            out.push(words);
        }
    }
    if out.is_empty() {
        "（数据不足或对照表中无法唯一确定）".into()
    } else {
        out.join("、")
    }
}
