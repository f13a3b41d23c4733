//! The major-hazard (重大危险源) report: per unit, its S value, whether it is
//! major, and its R value and grade.

use super::evaluator::Evaluator;
use super::value::{Val, round9};
use crate::check::MajorHazard;
use crate::dsl::program::{Base, CHazards};

impl<'a, 's> Evaluator<'a, 's> {
    pub(super) fn hazards(&mut self, h: &'a CHazards) -> Vec<MajorHazard> {
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
}
