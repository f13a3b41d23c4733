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
//!
//! How it stays cheap per record (one finding per rule, many records): the
//! parts of a finding that do not depend on the record are built once per
//! [`Engine`] and shared; JSON pointers are kept as indices into a small
//! per-record table while a rule runs and written out only for the facts and
//! missing fields that end up in a finding (pointers of fields read from the
//! record's root were escaped once by the checker and are shared); fact
//! values are borrowed from the record until the finding is built; fields
//! and lists read from the root are looked up once per record whichever rule
//! reads them; derived values are memoised by the identity of their
//! arguments; constant lists (`category in ["矿山", …]`) are searched in
//! place.
//!
//! The parts: `evaluator` (the per-record state, expressions, derived
//! values), `read` (fields and lists of the record, facts and missing
//! fields), `pointer` (the pointer table and writing pointers out),
//! `quantifier` (`any`/`all`/`count`/`sum`/`list`), `value` (values and their
//! operations), `finding` (one rule's finding), `explain` (the Chinese
//! explanations), `hazards` (the major-hazard report), `plan` (what is built
//! once per program), `exceptions` (exceptions and conflicts between rules)
//! and `scratch` (buffers kept from record to record).

mod evaluator;
mod exceptions;
mod explain;
mod finding;
mod hazards;
mod plan;
mod pointer;
mod quantifier;
mod read;
mod scratch;
mod value;

use std::sync::{Arc, Mutex};

use jiff::civil::Date;
use serde_json::Value as Json;

use crate::check::{Finding, MajorHazard};
use crate::dsl::program::CheckedProgram;
use evaluator::Evaluator;
pub(crate) use plan::Plan;
use scratch::Scratch;

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

/// "Not in force" in the rule → finding index table.
const ABSENT: usize = usize::MAX;

/// Runs every rule in force on `as_of`, the major-hazard report, and the
/// exception/conflict analysis. To evaluate many records with one program,
/// build an [`Engine`] once and call [`Engine::evaluate`].
pub fn evaluate(program: &CheckedProgram, record: &Json, as_of: Date) -> Evaluation {
    Engine::new(program).evaluate(record, as_of)
}

/// A checked program ready for many records: the parts of each rule's finding
/// that do not depend on the record (id, title, departments, citations,
/// remedy, the default pass explanation) are built once and shared by every
/// finding, the exception and subject relations between rules are worked out
/// once, and the evaluator's buffers are kept from one record to the next.
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
/// assert_eq!(a.findings[0].explanation, "符合要求：t");
/// ```
#[derive(Debug)]
pub struct Engine<'p> {
    program: &'p CheckedProgram,
    plan: Arc<Plan>,
    /// Buffers kept between records (taken with `try_lock`: an engine used
    /// by two threads at once gives the second fresh buffers).
    scratch: Mutex<Scratch>,
}

impl<'p> Engine<'p> {
    /// An engine for `program`; its plan is built on first use and shared
    /// by every later engine of the same program.
    pub fn new(program: &'p CheckedProgram) -> Self {
        let plan = program
            .plan
            .get_or_init(|| Arc::new(Plan::build(program)))
            .clone();
        Engine {
            program,
            plan,
            scratch: Mutex::new(Scratch::default()),
        }
    }

    /// Evaluates one record on `as_of` (see [`evaluate`]).
    pub fn evaluate(&self, record: &Json, as_of: Date) -> Evaluation {
        let mut guard = self.scratch.try_lock();
        let mut fresh = Scratch::default();
        let scratch: &mut Scratch = match guard.as_deref_mut() {
            Ok(s) => s,
            Err(_) => &mut fresh,
        };
        let program = self.program;
        let mut ev = Evaluator::new(program, record, as_of, scratch);
        ev.s.pos.clear();
        ev.s.pos.resize(program.rules.len(), ABSENT);
        ev.s.applies.clear();
        let mut findings = Vec::with_capacity(program.rules.len());
        for (i, (rule, shared)) in program.rules.iter().zip(&self.plan.shared).enumerate() {
            if rule.meta.in_force(as_of) {
                let (finding, applies) = ev.rule(rule, shared);
                if let Some(p) = ev.s.pos.get_mut(i) {
                    *p = findings.len();
                }
                ev.s.applies.push(applies);
                findings.push(finding);
            }
        }
        let conflicts = self.resolve_exceptions(&mut findings, &ev.s.applies, &ev.s.pos);
        let major_hazards = match &program.hazards {
            Some(h) => ev.hazards(h),
            None => Vec::new(),
        };
        ev.finish();
        Evaluation {
            findings,
            major_hazards,
            conflicts,
        }
    }
}
