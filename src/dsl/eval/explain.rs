//! Explanations in Chinese: `explain` templates with their holes filled, and
//! the text of an unknown finding naming the missing fields in words.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use super::evaluator::Evaluator;
use super::value::{Val, scalar, to_json};
use crate::check::SharedStr;
use crate::dsl::program::CPart;
use crate::dsl::types::{Dim, DurKind, Ty};

/// Most unknown-finding texts kept between records (the cache starts over
/// when full).
const MAX_TEXTS: usize = 1024;

impl<'a, 's> Evaluator<'a, 's> {
    /// `缺少判断所需的信息，需现场核查：…`, the missing pointers in words
    /// (labels from the schema's descriptions), each wording once. The same
    /// missing pointers give the same text, shared from record to record.
    pub(super) fn missing_text(&mut self, missing: &[SharedStr]) -> SharedStr {
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

    pub(super) fn render(&mut self, parts: &'a [CPart]) -> String {
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
}

fn write_num(out: &mut String, n: f64) {
    let r = (n * 1e6).round() / 1e6;
    if r == r.trunc() && r.abs() < 1e15 {
        let _ = write!(out, "{}", r as i64);
    } else {
        let _ = write!(out, "{r}");
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
