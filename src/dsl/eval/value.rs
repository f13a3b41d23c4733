//! Values while a rule runs (`Val`), and the operations on them: constants,
//! comparison, arithmetic, membership and the JSON form of a value for facts.

use std::borrow::Cow;
use std::rc::Rc;

use jiff::ToSpan;
use jiff::civil::Date;
use serde_json::Value as Json;

use super::pointer::PtrId;
use crate::dsl::logic::Truth;
use crate::dsl::program::{ArithOp, CheckedProgram, CmpOp, Ir, Lit};
use crate::dsl::table::Cell;
use crate::dsl::types::DurKind;

#[derive(Debug, Clone)]
pub(super) enum Val<'a> {
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
    pub(super) fn truth(&self) -> Truth {
        match self {
            Val::Bool(true) => Truth::True,
            Val::Unknown => Truth::Unknown,
            _ => Truth::False,
        }
    }

    pub(super) fn from_truth(t: Truth) -> Self {
        match t {
            Truth::True => Val::Bool(true),
            Truth::False => Val::Bool(false),
            Truth::Unknown => Val::Unknown,
        }
    }
}

pub(super) fn constant(l: &Lit) -> Val<'_> {
    match l {
        Lit::Bool(b) => Val::Bool(*b),
        Lit::None => Val::None,
        Lit::Num(n) => Val::Num(*n),
        Lit::Str(s) => Val::Str(Cow::Borrowed(s.as_str())),
        Lit::Date(d) => Val::Date(*d),
        Lit::Dur(n, k) => Val::Dur(*n, *k),
    }
}

pub(super) fn scalar(j: &Json, scale: f64) -> Val<'_> {
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

pub(super) fn shift(d: Date, n: i64, kind: DurKind) -> Option<Date> {
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

pub(super) fn compare(op: CmpOp, x: &Val<'_>, y: &Val<'_>) -> Val<'static> {
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

pub(super) fn arith<'a>(op: ArithOp, x: Val<'a>, y: Val<'a>) -> Val<'a> {
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
pub(super) fn contains(list: &Val<'_>, item: &Val<'_>) -> Val<'static> {
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
pub(super) fn contains_constants(items: &[Ir], item: &Val<'_>) -> Val<'static> {
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

pub(super) fn round9(x: f64) -> f64 {
    let r = (x * 1e9).round() / 1e9;
    if r == 0.0 { 0.0 } else { r }
}

pub(super) fn to_json(v: &Val<'_>, program: &CheckedProgram) -> Json {
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
