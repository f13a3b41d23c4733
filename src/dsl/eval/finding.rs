//! One rule's finding: its outcome from `applies` and `require`, the
//! explanation, and the facts and missing fields written out.

use std::sync::Arc;

use super::evaluator::Evaluator;
use super::plan::Shared;
use super::read::FactVal;
use super::value::Val;
use crate::check::{Fact, Finding, Outcome, SharedStr};
use crate::dsl::logic::Truth;
use crate::dsl::program::CRule;

const NOT_APPLICABLE: &str = "本条不适用于该企业";
const TOO_DEEP: &str = "规则计算层次过深，无法完成判断，请联系规则维护人员";

impl<'a, 's> Evaluator<'a, 's> {
    pub(super) fn rule(&mut self, rule: &'a CRule, shared: &Shared) -> (Finding, Truth) {
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
}
