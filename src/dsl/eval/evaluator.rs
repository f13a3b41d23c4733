//! The evaluator of one record: its state, and expressions and derived
//! values (`let`, memoised by the identity of their arguments).

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

use jiff::civil::Date;
use serde_json::Value as Json;

use super::MAX_DEPTH;
use super::pointer::{PathRef, PtrNode, PtrSeg, ROOT};
use super::read::{FactVal, ListRead, PendingFact, RootRead};
use super::scratch::{MemoEntry, MemoKey, Scratch};
use super::value::{Val, arith, compare, constant, contains, contains_constants, shift, to_json};
use crate::dsl::logic::Truth;
use crate::dsl::program::{CheckedProgram, Ir};
use crate::dsl::table::{Cell, Found};
use crate::dsl::types::DurKind;

/// One record being evaluated: the program, the record and the day, the
/// buffers kept between records, and what the current rule has read.
pub(super) struct Evaluator<'a, 's> {
    pub(super) program: &'a CheckedProgram,
    pub(super) record: &'a Json,
    pub(super) as_of: Date,
    pub(super) s: &'s mut Scratch,
    /// Variable slots: the current rule's, then one frame per derived value
    /// being computed (`frame` is where the innermost starts).
    pub(super) env: Vec<Val<'a>>,
    pub(super) frame: usize,
    /// Pointer table of this record; entry 0 is the root.
    pub(super) ptrs: Vec<PtrNode<'a>>,
    pub(super) facts: Vec<PendingFact<'a>>,
    pub(super) missing: Vec<PathRef<'a>>,
    pub(super) memo: Vec<MemoEntry<'a>>,
    pub(super) memo_missing: Vec<PathRef<'a>>,
    /// Per numbered root field ([`crate::dsl::program::FieldPath::root`]), once read.
    pub(super) roots: Vec<Option<RootRead<'a>>>,
    /// Per numbered root list, once looked up.
    pub(super) lists: Vec<Option<ListRead<'a>>>,
    pub(super) depth: usize,
    pub(super) too_deep: bool,
}

impl<'a, 's> Evaluator<'a, 's> {
    pub(super) fn new(
        program: &'a CheckedProgram,
        record: &'a Json,
        as_of: Date,
        s: &'s mut Scratch,
    ) -> Self {
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
    pub(super) fn finish(self) {
        let c = &mut self.s.caps;
        c.env = c.env.max(self.env.capacity());
        c.facts = c.facts.max(self.facts.capacity());
        c.missing = c.missing.max(self.missing.capacity());
        c.ptrs = c.ptrs.max(self.ptrs.capacity());
        c.memo = c.memo.max(self.memo.capacity());
        c.memo_missing = c.memo_missing.max(self.memo_missing.capacity());
    }

    pub(super) fn eval(&mut self, ir: &'a Ir) -> Val<'a> {
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

    pub(super) fn call(&mut self, func: usize, args: &'a [Ir]) -> Val<'a> {
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
    pub(super) fn label(&mut self, name: &str, base: usize, n: usize) -> Arc<str> {
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
}
