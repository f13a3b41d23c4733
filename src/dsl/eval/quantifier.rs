//! Quantifiers (`any`, `all`, `count`, `sum`, `list`) over the items of a
//! list, keeping the facts of the items that decided the result.

use std::rc::Rc;

use super::evaluator::Evaluator;
use super::value::Val;
use crate::dsl::ast::QuantKind;
use crate::dsl::logic::Truth;
use crate::dsl::program::{Base, FieldPath, Ir};
use crate::dsl::types::DurKind;

impl<'a, 's> Evaluator<'a, 's> {
    pub(super) fn quant(
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
