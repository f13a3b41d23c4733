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

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use jiff::ToSpan;
use jiff::civil::Date;
use serde_json::Value as Json;

use super::ast::QuantKind;
use super::logic::Truth;
use super::program::*;
use super::table::{Cell, Found};
use super::types::{Dim, DurKind, Ty};
use crate::check::{CitationOut, Fact, Finding, MajorHazard, Outcome, SharedStr};

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

/// Most unknown-finding texts kept between records (the cache starts over
/// when full).
const MAX_TEXTS: usize = 1024;
const NOT_APPLICABLE: &str = "本条不适用于该企业";
const TOO_DEEP: &str = "规则计算层次过深，无法完成判断，请联系规则维护人员";

/// Index of a JSON pointer in the evaluator's pointer table.
type PtrId = usize;
/// The record's root (the empty pointer).
const ROOT: PtrId = 0;
/// "Not in force" in the rule → finding index table.
const ABSENT: usize = usize::MAX;

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
    /// A list of strings or numbers read from the record (numbers times the
    /// scale), borrowed: a list value without copying it.
    Scalars(&'a [Json], f64),
    /// A table cell of names, borrowed.
    Names(&'a [String]),
    /// A record or list in the record, and its pointer.
    Node(&'a Json, PtrId),
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

/// One step of a JSON pointer: escaped segments (`/a/b~1c`, from a
/// [`FieldPath`]) or a list index.
#[derive(Debug, Clone, Copy)]
enum PtrSeg<'a> {
    Escaped(&'a str),
    Index(usize),
}

#[derive(Debug, Clone, Copy)]
struct PtrNode<'a> {
    /// Always a smaller index (the root is its own parent).
    parent: PtrId,
    seg: PtrSeg<'a>,
}

/// Where a fact or a missing field is, until it is written out.
#[derive(Debug, Clone)]
enum PathRef<'a> {
    /// The pointer of a record or list node.
    Node(PtrId),
    /// A node's pointer followed by escaped segments; under the root, the
    /// shared pointer itself.
    Under(PtrId, &'a Arc<str>),
    /// `derived:NAME(…)`
    Label(Arc<str>),
}

#[derive(Debug, Clone)]
enum FactVal<'a> {
    Ref(&'a Json),
    Own(Json),
}

/// What reading a field adds to the rule's trace.
#[derive(Debug, Clone)]
enum Effect<'a> {
    Fact(PathRef<'a>, &'a Json),
    Miss(PathRef<'a>),
    Nothing,
}

/// A list from the root as looked up earlier in the same record: its items
/// and the pointer of the first, or the pointer found missing.
#[derive(Debug, Clone)]
enum ListRead<'a> {
    Items(&'a [Json], PtrId),
    Missing(PathRef<'a>),
}

/// A root field as read earlier in the same record.
#[derive(Debug, Clone)]
struct RootRead<'a> {
    leaf: Leaf,
    scale: f64,
    val: Val<'a>,
    effect: Effect<'a>,
}

#[derive(Debug, Clone)]
struct PendingFact<'a> {
    path: PathRef<'a>,
    value: FactVal<'a>,
}

static NULL: Json = Json::Null;

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

/// What an engine needs besides the program, built once per program (and
/// kept in it) so that an engine per request costs nothing.
#[derive(Debug)]
pub(crate) struct Plan {
    /// One per `program.rules`, same order.
    shared: Vec<Shared>,
    /// Exception rules grouped by the rule they depart from, by its id.
    exceptions: Vec<ExceptionGroup>,
    /// Rules (indices into `program.rules`) that share a `subject`.
    subject_pairs: Vec<(usize, usize)>,
}

#[derive(Debug)]
struct Shared {
    id: Arc<str>,
    title: Arc<str>,
    departments: Arc<[String]>,
    citations: Arc<[CitationOut]>,
    remedy: Arc<str>,
    /// `符合要求：TITLE`, for rules without a pass explanation.
    pass: Arc<str>,
}

#[derive(Debug)]
struct ExceptionGroup {
    /// The general rule's id.
    base: String,
    /// Rules with that id (versions), in program order.
    base_rules: Vec<usize>,
    /// Rules declared `exception to` it, in program order.
    exceptions: Vec<usize>,
}

/// Buffers without references into a record, reused from record to record.
#[derive(Debug, Default)]
struct Scratch {
    /// Missing pointers (one per line) → the explanation of an unknown
    /// finding (see `missing_text`).
    texts: HashMap<String, Arc<str>, BuildHasherDefault<IdHasher>>,
    memo_index: HashMap<MemoKey, usize, BuildHasherDefault<IdHasher>>,
    /// Pointers under list items written out for this record, by node and
    /// path (see `unique_path`).
    paths: HashMap<(PtrId, usize), Arc<str>, BuildHasherDefault<IdHasher>>,
    /// Per item of the quantifiers being evaluated: its truth and where its
    /// facts end.
    marks: Vec<(Truth, usize)>,
    /// Per rule of the program: the index of its finding, or `ABSENT`.
    pos: Vec<usize>,
    /// Per finding: whether its rule applies.
    applies: Vec<Truth>,
    /// Word ranges of an explanation being written.
    ranges: Vec<(usize, usize)>,
    buf: String,
    /// Capacities the record-bound buffers needed so far.
    caps: Caps,
}

#[derive(Debug, Default, Clone, Copy)]
struct Caps {
    env: usize,
    facts: usize,
    missing: usize,
    ptrs: usize,
    memo: usize,
    memo_missing: usize,
}

/// A derived value's call: the function and the identity (address) of each
/// argument node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct MemoKey {
    func: usize,
    args: [usize; 4],
}

/// Hasher for the evaluator's own keys (argument addresses, pointers built
/// from the program's paths): multiply–rotate, eight bytes at a time; the
/// keys are not chosen by users, so no flooding defence is needed.
#[derive(Debug, Default, Clone, Copy)]
struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0xf135_7aea_2e62_a9c5);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        for b in chunks.remainder() {
            self.add(u64::from(*b));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

struct MemoEntry<'a> {
    val: Val<'a>,
    /// Range in `memo_missing`.
    missing: (usize, usize),
    label: Arc<str>,
}

impl Plan {
    fn build(program: &CheckedProgram) -> Self {
        let shared = program
            .rules
            .iter()
            .map(|r| Shared {
                id: Arc::from(r.meta.id.as_str()),
                title: Arc::from(r.meta.title.as_str()),
                departments: Arc::from(r.meta.departments.as_slice()),
                citations: Arc::from(r.meta.citations.as_slice()),
                remedy: Arc::from(r.meta.remedy.as_str()),
                pass: Arc::from(format!("符合要求：{}", r.meta.title)),
            })
            .collect();
        let mut by_base: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let mut by_subject: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, r) in program.rules.iter().enumerate() {
            if let Some(base) = &r.meta.exception_to {
                by_base.entry(base).or_default().push(i);
            }
            if let Some(subject) = &r.meta.subject {
                by_subject.entry(subject).or_default().push(i);
            }
        }
        let exceptions = by_base
            .into_iter()
            .map(|(base, exceptions)| ExceptionGroup {
                base: base.to_string(),
                base_rules: program
                    .rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.meta.id == base)
                    .map(|(i, _)| i)
                    .collect(),
                exceptions,
            })
            .collect();
        let mut subject_pairs = Vec::new();
        for group in by_subject.values() {
            for (x, &i) in group.iter().enumerate() {
                for &j in group.iter().skip(x + 1) {
                    subject_pairs.push((i, j));
                }
            }
        }
        Plan {
            shared,
            exceptions,
            subject_pairs,
        }
    }
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

    /// Exceptions that apply replace the rule they depart from (when they
    /// agree) or are reported as a conflict (when they do not); rules on the
    /// same subject that both apply and disagree are reported too.
    fn resolve_exceptions(
        &self,
        findings: &mut [Finding],
        applies: &[Truth],
        pos: &[usize],
    ) -> Vec<Conflict> {
        let finding_of = |rule: usize| pos.get(rule).copied().filter(|&f| f != ABSENT);
        let applying = |rule: &usize| {
            finding_of(*rule).filter(|&f| applies.get(f).copied() == Some(Truth::True))
        };
        let mut conflicts = Vec::new();
        for g in &self.plan.exceptions {
            let mut exc = g.exceptions.iter().filter_map(applying).peekable();
            let Some(&first) = exc.peek() else {
                continue;
            };
            let Some(bi) = g.base_rules.iter().find_map(|&r| finding_of(r)) else {
                continue;
            };
            let first_outcome = findings.get(first).map(|f| f.outcome);
            let agree = exc.all(|i| findings.get(i).map(|f| f.outcome) == first_outcome);
            let exc = g.exceptions.iter().filter_map(applying);
            if !agree {
                let mut ids: Vec<String> = exc
                    .filter_map(|i| findings.get(i).map(|f| f.rule.to_string()))
                    .collect();
                ids.sort();
                conflicts.push(Conflict {
                    explanation: format!(
                        "{}均为{}的例外规则且同时适用，但结论不同，未规定优先顺序，需人工确定",
                        ids.join("、"),
                        g.base
                    ),
                    rules: ids,
                    subject: g.base.clone(),
                });
                continue;
            }
            let names: Vec<String> = exc
                .filter_map(|i| {
                    findings
                        .get(i)
                        .map(|f| format!("{}（{}）", f.rule, f.title))
                })
                .collect();
            if applies.get(bi).is_some_and(|a| *a != Truth::False)
                && let Some(b) = findings.get_mut(bi)
            {
                b.outcome = Outcome::NotApplicable;
                b.explanation = SharedStr::from(format!(
                    "本项由例外规则{}调整，以该规则的结论为准",
                    names.join("、")
                ));
                b.missing.clear();
            }
        }
        // rules on the same subject that both apply and disagree
        for &(i, j) in &self.plan.subject_pairs {
            let (Some(fi), Some(fj)) = (applying(&i), applying(&j)) else {
                continue;
            };
            let (Some(ri), Some(rj)) = (self.program.rules.get(i), self.program.rules.get(j))
            else {
                continue;
            };
            let (Some(a), Some(b)) = (findings.get(fi), findings.get(fj)) else {
                continue;
            };
            let related = ri.meta.exception_to.as_deref() == Some(&*b.rule)
                || rj.meta.exception_to.as_deref() == Some(&*a.rule);
            let disagree = matches!(
                (a.outcome, b.outcome),
                (Outcome::Pass, Outcome::Fail) | (Outcome::Fail, Outcome::Pass)
            );
            if disagree && !related {
                let subject = ri.meta.subject.as_deref().unwrap_or("");
                let mut ids = vec![a.rule.to_string(), b.rule.to_string()];
                ids.sort();
                conflicts.push(Conflict {
                    explanation: format!(
                        "{}与{}针对同一事项（{}）同时适用但结论相反，且均未声明为对方的例外，需人工确定适用哪一条",
                        ids.first().map(String::as_str).unwrap_or(""),
                        ids.get(1).map(String::as_str).unwrap_or(""),
                        subject
                    ),
                    rules: ids,
                    subject: subject.to_string(),
                });
            }
        }
        conflicts.sort_by(|a, b| a.rules.cmp(&b.rules));
        conflicts
    }
}

struct Evaluator<'a, 's> {
    program: &'a CheckedProgram,
    record: &'a Json,
    as_of: Date,
    s: &'s mut Scratch,
    /// Variable slots: the current rule's, then one frame per derived value
    /// being computed (`frame` is where the innermost starts).
    env: Vec<Val<'a>>,
    frame: usize,
    /// Pointer table of this record; entry 0 is the root.
    ptrs: Vec<PtrNode<'a>>,
    facts: Vec<PendingFact<'a>>,
    missing: Vec<PathRef<'a>>,
    memo: Vec<MemoEntry<'a>>,
    memo_missing: Vec<PathRef<'a>>,
    /// Per numbered root field ([`FieldPath::root`]), once read.
    roots: Vec<Option<RootRead<'a>>>,
    /// Per numbered root list, once looked up.
    lists: Vec<Option<ListRead<'a>>>,
    depth: usize,
    too_deep: bool,
}

impl<'a, 's> Evaluator<'a, 's> {
    fn new(program: &'a CheckedProgram, record: &'a Json, as_of: Date, s: &'s mut Scratch) -> Self {
        s.memo_index.clear();
        s.paths.clear();
        s.marks.clear();
        let caps = s.caps;
        let mut ptrs = Vec::with_capacity(caps.ptrs.max(16));
        ptrs.push(PtrNode {
            parent: ROOT,
            seg: PtrSeg::Escaped(""),
        });
        Evaluator {
            program,
            record,
            as_of,
            s,
            env: Vec::with_capacity(caps.env),
            frame: 0,
            ptrs,
            facts: Vec::with_capacity(caps.facts),
            missing: Vec::with_capacity(caps.missing),
            memo: Vec::with_capacity(caps.memo),
            memo_missing: Vec::with_capacity(caps.memo_missing),
            roots: std::iter::repeat_with(|| None)
                .take(program.root_fields)
                .collect(),
            lists: std::iter::repeat_with(|| None)
                .take(program.root_lists)
                .collect(),
            depth: 0,
            too_deep: false,
        }
    }

    /// Remembers how large the buffers grew, so the next record allocates
    /// them once.
    fn finish(self) {
        let c = &mut self.s.caps;
        c.env = c.env.max(self.env.capacity());
        c.facts = c.facts.max(self.facts.capacity());
        c.missing = c.missing.max(self.missing.capacity());
        c.ptrs = c.ptrs.max(self.ptrs.capacity());
        c.memo = c.memo.max(self.memo.capacity());
        c.memo_missing = c.memo_missing.max(self.memo_missing.capacity());
    }

    fn rule(&mut self, rule: &'a CRule, shared: &Shared) -> (Finding, Truth) {
        self.frame = 0;
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
        // rendering reads facts too: before the facts are taken
        let mut explanation = if self.too_deep {
            SharedStr::from_static(TOO_DEEP)
        } else {
            match outcome {
                Outcome::Fail => SharedStr::from(self.render(&rule.explain)),
                Outcome::Pass => match &rule.explain_pass {
                    Some(t) => SharedStr::from(self.render(t)),
                    None => SharedStr::from(&shared.pass),
                },
                Outcome::Unknown => SharedStr::default(),
                Outcome::NotApplicable => SharedStr::from_static(NOT_APPLICABLE),
            }
        };
        let facts = self.take_facts();
        let missing = if outcome == Outcome::Unknown {
            self.take_missing()
        } else {
            Vec::new()
        };
        if outcome == Outcome::Unknown && !self.too_deep {
            explanation = self.missing_text(&missing);
        }
        let outcome = if self.too_deep {
            Outcome::Unknown
        } else {
            outcome
        };
        let finding = Finding {
            rule: SharedStr::from(&shared.id),
            title: Arc::clone(&shared.title),
            outcome,
            severity: rule.meta.severity,
            departments: Arc::clone(&shared.departments),
            citations: Arc::clone(&shared.citations),
            explanation,
            facts,
            missing,
            remedy: Arc::clone(&shared.remedy),
        };
        (finding, applies)
    }

    /// The facts read, each pointer once (the first reading), written out.
    fn take_facts(&mut self) -> Vec<Fact> {
        let mut pending = std::mem::take(&mut self.facts);
        let mut out: Vec<Fact> = Vec::with_capacity(pending.len());
        for p in pending.drain(..) {
            let Some(path) = self.unique_path(&p.path, out.iter().map(|f| &f.path)) else {
                continue;
            };
            let value = match p.value {
                FactVal::Ref(j) => j.clone(),
                FactVal::Own(j) => j,
            };
            out.push(Fact { path, value });
        }
        self.facts = pending;
        out
    }

    /// The missing pointers, each once, written out.
    fn take_missing(&mut self) -> Vec<SharedStr> {
        let pending = std::mem::take(&mut self.missing);
        let mut out: Vec<SharedStr> = Vec::with_capacity(pending.len());
        for p in &pending {
            if let Some(path) = self.unique_path(p, out.iter()) {
                out.push(path);
            }
        }
        self.missing = pending;
        self.missing.clear();
        out
    }

    /// `p` written out, unless one of `seen` is the same pointer.
    fn unique_path<'x>(
        &mut self,
        p: &PathRef<'a>,
        mut seen: impl Iterator<Item = &'x SharedStr>,
    ) -> Option<SharedStr> {
        let shared = match p {
            PathRef::Under(ROOT, a) => Some(*a),
            PathRef::Label(a) => Some(a),
            _ => None,
        };
        if let Some(a) = shared {
            return if seen.any(|s| s.as_str() == &**a) {
                None
            } else {
                Some(SharedStr::from(a))
            };
        }
        // a pointer under a list item: written once per record, then shared
        // by every finding that reports it
        let key = match p {
            PathRef::Node(id) => (*id, 0),
            PathRef::Under(id, a) => (*id, Arc::as_ptr(a).cast::<u8>() as usize),
            PathRef::Label(_) => (ROOT, 0),
        };
        let text = match self.s.paths.get(&key) {
            Some(t) => Arc::clone(t),
            None => {
                let mut buf = std::mem::take(&mut self.s.buf);
                buf.clear();
                self.write_path(p, &mut buf);
                let t: Arc<str> = Arc::from(buf.as_str());
                self.s.buf = buf;
                self.s.paths.insert(key, Arc::clone(&t));
                t
            }
        };
        if seen.any(|s| s.as_str() == &*text) {
            None
        } else {
            Some(SharedStr::from(text))
        }
    }

    fn write_path(&self, p: &PathRef<'a>, out: &mut String) {
        match p {
            PathRef::Node(id) => self.write_ptr(*id, out),
            PathRef::Under(id, suffix) => {
                self.write_ptr(*id, out);
                out.push_str(suffix);
            }
            PathRef::Label(a) => out.push_str(a),
        }
    }

    fn write_ptr(&self, id: PtrId, out: &mut String) {
        if id == ROOT {
            return;
        }
        let Some(node) = self.ptrs.get(id) else {
            return;
        };
        if node.parent < id {
            self.write_ptr(node.parent, out);
        }
        match node.seg {
            PtrSeg::Escaped(s) => out.push_str(s),
            PtrSeg::Index(i) => push_index(out, i),
        }
    }

    fn ptr_string(&self, id: PtrId) -> String {
        let mut s = String::new();
        self.write_ptr(id, &mut s);
        s
    }

    fn push_ptr(&mut self, parent: PtrId, seg: PtrSeg<'a>) -> PtrId {
        self.ptrs.push(PtrNode { parent, seg });
        self.ptrs.len() - 1
    }

    /// `缺少判断所需的信息，需现场核查：…`, the missing pointers in words
    /// (labels from the schema's descriptions), each wording once. The same
    /// missing pointers give the same text, shared from record to record.
    fn missing_text(&mut self, missing: &[SharedStr]) -> SharedStr {
        let s = &mut *self.s;
        s.buf.clear();
        for m in missing {
            s.buf.push_str(m);
            s.buf.push('\n');
        }
        if let Some(text) = s.texts.get(s.buf.as_str()) {
            return SharedStr::from(text);
        }
        let labels = &self.program.labels;
        let mut out = String::with_capacity(96);
        out.push_str("缺少判断所需的信息，需现场核查：");
        s.ranges.clear();
        for m in missing {
            let words = pointer_words(m, labels);
            if s.ranges
                .iter()
                .any(|&(a, b)| out.get(a..b) == Some(words.as_str()))
            {
                continue;
            }
            if !s.ranges.is_empty() {
                out.push('、');
            }
            let start = out.len();
            out.push_str(&words);
            s.ranges.push((start, out.len()));
        }
        if s.ranges.is_empty() {
            out.push_str("（数据不足或对照表中无法唯一确定）");
        }
        let text: Arc<str> = Arc::from(out);
        if s.texts.len() >= MAX_TEXTS {
            s.texts.clear();
        }
        s.texts.insert(s.buf.clone(), Arc::clone(&text));
        SharedStr::from(text)
    }

    fn replay_list(&mut self, read: ListRead<'a>) -> Option<Items<'a>> {
        match read {
            ListRead::Items(xs, first) => Some(Items::Slice(xs, first)),
            ListRead::Missing(p) => {
                self.miss(p);
                None
            }
        }
    }

    fn hazards(&mut self, h: &'a CHazards) -> Vec<MajorHazard> {
        let items = match self.items(Base::Root, &h.source) {
            Some(items) => items,
            None => return Vec::new(),
        };
        let mut out = Vec::with_capacity(items.len());
        for idx in 0..items.len() {
            self.frame = 0;
            self.env.clear();
            self.env.resize(h.slots.max(1), Val::Unknown);
            let Some((node, ptr)) = self.item(&items, idx) else {
                continue;
            };
            if let Some(slot) = self.env.get_mut(0) {
                *slot = Val::Node(node, ptr);
            }
            let unit = match self.eval(&h.unit) {
                Val::Str(s) => s.into_owned(),
                _ => self.ptr_string(ptr),
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
        let size = parts
            .iter()
            .map(|p| match p {
                CPart::Text(t) => t.len(),
                CPart::Hole(..) => 16,
            })
            .sum();
        let mut out = String::with_capacity(size);
        for p in parts {
            match p {
                CPart::Text(t) => out.push_str(t),
                CPart::Hole(ir, ty) => {
                    let v = self.eval(ir);
                    self.display(&mut out, &v, ty);
                }
            }
        }
        out
    }

    fn display(&self, out: &mut String, v: &Val<'_>, ty: &Ty) {
        let inner = |ty: &Ty| -> Ty {
            match ty {
                Ty::List(t) => (**t).clone(),
                other => other.clone(),
            }
        };
        match v {
            Val::Unknown => out.push_str("（未知）"),
            Val::None => out.push('无'),
            Val::Bool(true) => out.push('是'),
            Val::Bool(false) => out.push('否'),
            Val::Num(n) => {
                let dim = match ty {
                    Ty::Num { dim, .. } => *dim,
                    _ => Dim::Free,
                };
                write_num(out, *n);
                out.push_str(dim.unit_zh());
            }
            Val::Str(s) => out.push_str(s),
            Val::Date(d) => {
                let _ = write!(out, "{d}");
            }
            Val::Dur(n, DurKind::Days) => {
                let _ = write!(out, "{n}天");
            }
            Val::Dur(n, DurKind::Months) => {
                if n % 12 == 0 {
                    let _ = write!(out, "{}年", n / 12);
                } else {
                    let _ = write!(out, "{n}个月");
                }
            }
            Val::List(xs) => {
                let t = inner(ty);
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        out.push('、');
                    }
                    self.display(out, x, &t);
                }
            }
            Val::Scalars(xs, scale) => {
                let t = inner(ty);
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        out.push('、');
                    }
                    self.display(out, &scalar(x, *scale), &t);
                }
            }
            Val::Names(ns) => {
                for (i, n) in ns.iter().enumerate() {
                    if i > 0 {
                        out.push('、');
                    }
                    out.push_str(n);
                }
            }
            Val::Node(_, p) => self.write_ptr(*p, out),
            Val::Row(..) => {
                let _ = write!(out, "{}", to_json(v, self.program));
            }
        }
    }

    fn miss(&mut self, at: PathRef<'a>) {
        self.missing.push(at);
    }

    fn fact(&mut self, path: PathRef<'a>, value: &'a Json) {
        self.facts.push(PendingFact {
            path,
            value: FactVal::Ref(value),
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
            Ir::Const(l) => constant(l),
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
                        Some(Cell::Names(ns)) => Val::Names(ns),
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
                // `x in ["矿山", …]`: the constants are compared where they are
                // (the same result as building the list; its items would be
                // evaluated one level deeper, hence the depth condition)
                if let Ir::List(items) = &**list
                    && self.depth + 2 < MAX_DEPTH
                    && items.iter().all(|i| matches!(i, Ir::Const(_)))
                {
                    let x = self.eval(item);
                    return contains_constants(items, &x);
                }
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
        // the arguments go on the stack as the new frame
        let base = self.env.len();
        let mut key = MemoKey { func, args: [0; 4] };
        for (i, a) in args.iter().enumerate() {
            let v = self.eval(a);
            if let (Val::Node(j, _), Some(k)) = (&v, key.args.get_mut(i)) {
                *k = std::ptr::from_ref::<Json>(j) as usize;
            }
            self.env.push(v);
        }
        let memoised = args.len() <= key.args.len();
        if memoised && let Some(&m) = self.s.memo_index.get(&key) {
            self.env.truncate(base);
            let Some(e) = self.memo.get(m) else {
                return Val::Unknown;
            };
            let (v, label, (from, to)) = (e.val.clone(), Arc::clone(&e.label), e.missing);
            for k in from..to {
                if let Some(p) = self.memo_missing.get(k) {
                    self.missing.push(p.clone());
                }
            }
            self.facts.push(PendingFact {
                value: FactVal::Own(to_json(&v, self.program)),
                path: PathRef::Label(label),
            });
            return v;
        }
        let label = self.label(&def.name, base, args.len());
        let saved_frame = std::mem::replace(&mut self.frame, base);
        self.env
            .resize(base + def.slots.max(args.len()), Val::Unknown);
        let (facts_mark, missing_mark) = (self.facts.len(), self.missing.len());
        let v = self.eval(&def.body);
        // the body's own facts are summed up by the derived value's fact
        self.facts.truncate(facts_mark);
        self.frame = saved_frame;
        self.env.truncate(base);
        if memoised {
            let from = self.memo_missing.len();
            if let Some(new) = self.missing.get(missing_mark..) {
                self.memo_missing.extend(new.iter().cloned());
            }
            self.s.memo_index.insert(key, self.memo.len());
            self.memo.push(MemoEntry {
                val: v.clone(),
                missing: (from, self.memo_missing.len()),
                label: Arc::clone(&label),
            });
        }
        self.facts.push(PendingFact {
            value: FactVal::Own(to_json(&v, self.program)),
            path: PathRef::Label(label),
        });
        v
    }

    /// `derived:NAME`, or `derived:NAME(/units/0)` with the pointers of the
    /// record arguments (in `env[base..base + n]`).
    fn label(&mut self, name: &str, base: usize, n: usize) -> Arc<str> {
        let mut s = std::mem::take(&mut self.s.buf);
        s.clear();
        s.push_str("derived:");
        s.push_str(name);
        if n > 0 {
            s.push('(');
            let open = s.len();
            for k in base..base + n {
                if let Some(Val::Node(_, p)) = self.env.get(k) {
                    self.write_ptr(*p, &mut s);
                }
                s.push('|');
            }
            let kept = s.get(open..).map_or(0, |a| a.trim_end_matches('|').len());
            s.truncate(open + kept);
            s.push(')');
        }
        let label = Arc::from(s.as_str());
        self.s.buf = s;
        label
    }

    fn start(&self, base: Base) -> Option<(&'a Json, PtrId)> {
        match base {
            Base::Root => Some((self.record, ROOT)),
            Base::Var(slot) => match self.env.get(self.frame + slot) {
                Some(Val::Node(n, p)) => Some((*n, *p)),
                _ => None,
            },
        }
    }

    fn field(&mut self, base: Base, path: &'a FieldPath, scale: f64, leaf: Leaf) -> Val<'a> {
        if base == Base::Root && path.root != NO_ROOT {
            // a root field is looked up once per record, whichever rule reads it
            if let Some(Some(r)) = self.roots.get(path.root)
                && r.leaf == leaf
                && r.scale.to_bits() == scale.to_bits()
            {
                let (v, effect) = (r.val.clone(), r.effect.clone());
                self.note(effect);
                return v;
            }
            let (v, effect) = self.read(self.record, ROOT, path, scale, leaf);
            if let Some(slot) = self.roots.get_mut(path.root) {
                *slot = Some(RootRead {
                    leaf,
                    scale,
                    val: v.clone(),
                    effect: effect.clone(),
                });
            }
            self.note(effect);
            return v;
        }
        let Some((node, base_ptr)) = self.start(base) else {
            return Val::Unknown;
        };
        let (v, effect) = self.read(node, base_ptr, path, scale, leaf);
        self.note(effect);
        v
    }

    fn note(&mut self, effect: Effect<'a>) {
        match effect {
            Effect::Fact(p, j) => self.fact(p, j),
            Effect::Miss(p) => self.miss(p),
            Effect::Nothing => {}
        }
    }

    /// Reads `path` from `node` (whose pointer is `base_ptr`): the value, and
    /// the fact read or the field found missing.
    fn read(
        &mut self,
        mut node: &'a Json,
        base_ptr: PtrId,
        path: &'a FieldPath,
        scale: f64,
        leaf: Leaf,
    ) -> (Val<'a>, Effect<'a>) {
        // the pointer so far: the base's, then a prefix of the path
        let mut at: Option<&'a Arc<str>> = None;
        let here = |at: Option<&'a Arc<str>>| match at {
            Some(p) => PathRef::Under(base_ptr, p),
            None => PathRef::Node(base_ptr),
        };
        for (seg, ptr) in path.segs.iter().zip(&path.ptrs) {
            match node {
                Json::Object(m) => match m.get(seg) {
                    Some(v) => {
                        node = v;
                        at = Some(ptr);
                    }
                    None => return (Val::Unknown, Effect::Miss(PathRef::Under(base_ptr, ptr))),
                },
                Json::Null => return (Val::None, Effect::Fact(here(at), &NULL)),
                _ => return (Val::Unknown, Effect::Miss(here(at))),
            }
        }
        if node.is_null() {
            return (Val::None, Effect::Fact(here(at), node));
        }
        let v = match (leaf, node) {
            (Leaf::Num, Json::Number(n)) => n.as_f64().map(|x| Val::Num(x * scale)),
            (Leaf::Str, Json::String(s)) => Some(Val::Str(Cow::Borrowed(s.as_str()))),
            (Leaf::Date, Json::String(s)) => s.parse::<Date>().ok().map(Val::Date),
            (Leaf::Bool, Json::Bool(b)) => Some(Val::Bool(*b)),
            (Leaf::Scalars, Json::Array(items)) => Some(Val::Scalars(items, scale)),
            (Leaf::Node, Json::Object(_) | Json::Array(_)) => {
                let id = match at {
                    Some(p) => self.push_ptr(base_ptr, PtrSeg::Escaped(p)),
                    None => base_ptr,
                };
                return (Val::Node(node, id), Effect::Nothing);
            }
            _ => None,
        };
        match v {
            Some(v) => (v, Effect::Fact(here(at), node)),
            // a value of the wrong type: validation should have caught it
            None => (Val::Unknown, Effect::Miss(here(at))),
        }
    }

    /// The items a quantifier goes through. Returns `None` when the list
    /// itself is unknown.
    fn items(&mut self, base: Base, path: &'a FieldPath) -> Option<Items<'a>> {
        let (node, base_ptr) = self.start(base)?;
        if !node.is_object() {
            self.miss(PathRef::Node(base_ptr));
            return None;
        }
        // the usual case, one list field (`special_workers`, `u.chemicals`);
        // from the root, looked up once per record
        if let ([seg], [ptr], Json::Object(m)) = (path.segs.as_slice(), path.ptrs.as_slice(), node)
        {
            let cached = base == Base::Root && path.root != NO_ROOT;
            if cached && let Some(Some(read)) = self.lists.get(path.root) {
                let read = read.clone();
                return self.replay_list(read);
            }
            let read = match m.get(seg) {
                Some(Json::Null) => ListRead::Items(&[], ROOT),
                Some(Json::Array(xs)) => {
                    let list = self.push_ptr(base_ptr, PtrSeg::Escaped(ptr));
                    // the items' pointers follow the list's
                    for i in 0..xs.len() {
                        self.push_ptr(list, PtrSeg::Index(i));
                    }
                    ListRead::Items(xs, list + 1)
                }
                None | Some(_) => ListRead::Missing(PathRef::Under(base_ptr, ptr)),
            };
            if cached && let Some(slot) = self.lists.get_mut(path.root) {
                *slot = Some(read.clone());
            }
            return self.replay_list(read);
        }
        let mut cur: Vec<Option<(&'a Json, PtrId)>> = vec![Some((node, base_ptr))];
        for (k, seg) in path.segs.iter().enumerate() {
            let seg_ptr = path.seg_ptr(k);
            let mut next = Vec::new();
            for item in cur {
                let Some((n, p)) = item else {
                    next.push(None);
                    continue;
                };
                match n {
                    Json::Array(xs) => {
                        for (i, x) in xs.iter().enumerate() {
                            let xp = self.push_ptr(p, PtrSeg::Index(i));
                            self.step(x, xp, seg, seg_ptr, &mut next);
                        }
                    }
                    other => self.step(other, p, seg, seg_ptr, &mut next),
                }
            }
            cur = next;
        }
        if cur.len() == 1 && cur.first().is_some_and(|c| c.is_none()) {
            return None;
        }
        let mut out = Vec::with_capacity(cur.len());
        for item in cur {
            match item {
                Some((Json::Array(xs), p)) => {
                    for (i, x) in xs.iter().enumerate() {
                        let xp = self.push_ptr(p, PtrSeg::Index(i));
                        out.push(Some((x, xp)));
                    }
                }
                Some((x, p)) => out.push(Some((x, p))),
                None => out.push(None),
            }
        }
        Some(Items::Many(out))
    }

    /// One step of a path through lists: `x.seg`, if `x` is a record.
    fn step(
        &mut self,
        x: &'a Json,
        xp: PtrId,
        seg: &str,
        seg_ptr: &'a str,
        next: &mut Vec<Option<(&'a Json, PtrId)>>,
    ) {
        match x {
            Json::Object(m) => {
                let p = self.push_ptr(xp, PtrSeg::Escaped(seg_ptr));
                match m.get(seg) {
                    Some(v) if v.is_null() => {}
                    Some(v) => next.push(Some((v, p))),
                    None => {
                        self.miss(PathRef::Node(p));
                        next.push(None);
                    }
                }
            }
            Json::Null => {}
            _ => next.push(None),
        }
    }

    /// Item `idx` of `items` with its pointer; `None` for an unknown item.
    fn item(&mut self, items: &Items<'a>, idx: usize) -> Option<(&'a Json, PtrId)> {
        match items {
            Items::Slice(xs, first) => Some((xs.get(idx)?, first + idx)),
            Items::Many(v) => v.get(idx).copied().flatten(),
        }
    }

    fn quant(
        &mut self,
        kind: QuantKind,
        slot: usize,
        base: Base,
        path: &'a FieldPath,
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
        // per item, its truth and where its facts end (above `marks_base`)
        let marks_base = self.s.marks.len();
        let facts_base = self.facts.len();
        let slot = self.frame + slot;
        for idx in 0..items.len() {
            let Some((node, ptr)) = self.item(&items, idx) else {
                unknown = true;
                self.s.marks.push((Truth::Unknown, self.facts.len()));
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
            self.s.marks.push((item_truth, self.facts.len()));
        }
        // keep the facts of the items that decided the result
        let keep = |t: Truth| match kind {
            QuantKind::All if acc == Truth::False => t == Truth::False,
            QuantKind::Any if acc == Truth::True => t == Truth::True,
            QuantKind::Count | QuantKind::Sum | QuantKind::List => t != Truth::False,
            _ => true,
        };
        let (mut write, mut start) = (facts_base, facts_base);
        for k in marks_base..self.s.marks.len() {
            let Some(&(t, end)) = self.s.marks.get(k) else {
                break;
            };
            if keep(t) {
                for i in start..end {
                    self.facts.swap(write, i);
                    write += 1;
                }
            }
            start = end;
        }
        self.facts.truncate(write);
        self.s.marks.truncate(marks_base);
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

/// What a quantifier goes through: the items of one list (`Slice`, with the
/// pointer of the first item; the others follow it), or, for paths through
/// several lists, each item with its pointer (`None` for an unknown one).
enum Items<'a> {
    Slice(&'a [Json], PtrId),
    Many(Vec<Option<(&'a Json, PtrId)>>),
}

impl Items<'_> {
    fn len(&self) -> usize {
        match self {
            Items::Slice(xs, _) => xs.len(),
            Items::Many(v) => v.len(),
        }
    }
}

fn constant(l: &Lit) -> Val<'_> {
    match l {
        Lit::Bool(b) => Val::Bool(*b),
        Lit::None => Val::None,
        Lit::Num(n) => Val::Num(*n),
        Lit::Str(s) => Val::Str(Cow::Borrowed(s.as_str())),
        Lit::Date(d) => Val::Date(*d),
        Lit::Dur(n, k) => Val::Dur(*n, *k),
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

/// `x in list` for a list value.
fn contains(list: &Val<'_>, item: &Val<'_>) -> Val<'static> {
    if matches!(item, Val::Unknown) {
        return Val::Unknown;
    }
    match list {
        Val::List(xs) => contains_in(xs.iter().map(Cow::Borrowed), item),
        Val::Scalars(xs, scale) => {
            contains_in(xs.iter().map(|x| Cow::Owned(scalar(x, *scale))), item)
        }
        Val::Names(ns) => contains_in(
            ns.iter()
                .map(|n| Cow::Owned(Val::Str(Cow::Borrowed(n.as_str())))),
            item,
        ),
        Val::Str(s) => match item {
            Val::Str(t) => Val::Bool(s.contains(t.as_ref())),
            _ => Val::Bool(false),
        },
        Val::None => Val::Bool(false),
        _ => Val::Unknown,
    }
}

/// `x in [constants]`, without building the list.
fn contains_constants(items: &[Ir], item: &Val<'_>) -> Val<'static> {
    if matches!(item, Val::Unknown) {
        return Val::Unknown;
    }
    contains_in(
        items.iter().map(|i| match i {
            Ir::Const(l) => Cow::Owned(constant(l)),
            _ => Cow::Owned(Val::Unknown),
        }),
        item,
    )
}

fn contains_in<'v, 'x: 'v>(
    xs: impl Iterator<Item = Cow<'v, Val<'x>>>,
    item: &Val<'_>,
) -> Val<'static> {
    let mut unknown = false;
    for x in xs {
        match eq_vals(&x, item) {
            Some(true) => return Val::Bool(true),
            None if matches!(*x, Val::Unknown) => unknown = true,
            _ => {}
        }
    }
    if unknown {
        Val::Unknown
    } else {
        Val::Bool(false)
    }
}

/// `/i` (single digits without the formatting machinery).
fn push_index(out: &mut String, i: usize) {
    out.push('/');
    match u8::try_from(i) {
        Ok(d) if d < 10 => out.push(char::from(b'0' + d)),
        _ => {
            let _ = write!(out, "{i}");
        }
    }
}

pub(crate) fn round9(x: f64) -> f64 {
    let r = (x * 1e9).round() / 1e9;
    if r == 0.0 { 0.0 } else { r }
}

fn write_num(out: &mut String, n: f64) {
    let r = (n * 1e6).round() / 1e6;
    if r == r.trunc() && r.abs() < 1e15 {
        let _ = write!(out, "{}", r as i64);
    } else {
        let _ = write!(out, "{r}");
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
        Val::Scalars(xs, scale) => Json::Array(
            xs.iter()
                .map(|x| to_json(&scalar(x, *scale), program))
                .collect(),
        ),
        Val::Names(ns) => Json::Array(ns.iter().map(|n| Json::String(n.clone())).collect()),
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

/// A missing pointer in words: `/special_workers/2/certificate` →
/// 特种作业人员第3项的特种作业操作证 (labels from the schema's descriptions).
fn pointer_words(pointer: &str, labels: &HashMap<String, String>) -> String {
    let mut dotted = String::with_capacity(pointer.len());
    let mut words = String::with_capacity(pointer.len() * 3);
    for seg in pointer.split('/').skip(1) {
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
    words
}
