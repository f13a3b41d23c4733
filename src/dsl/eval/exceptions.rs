//! Exceptions and conflicts: an exception that applies replaces the rule it
//! departs from; rules that apply and disagree without precedence are reported.

use super::{ABSENT, Conflict, Engine};
use crate::check::{Finding, Outcome, SharedStr};
use crate::dsl::logic::Truth;

impl Engine<'_> {
    /// Exceptions that apply replace the rule they depart from (when they
    /// agree) or are reported as a conflict (when they do not); rules on the
    /// same subject that both apply and disagree are reported too.
    pub(super) fn resolve_exceptions(
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
