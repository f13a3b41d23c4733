//! The per-program plan: the record-independent parts of each finding and
//! the exception and subject relations between rules, built once.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::check::CitationOut;
use crate::dsl::program::CheckedProgram;

/// What an engine needs besides the program, built once per program (and
/// kept in it) so that an engine per request costs nothing.
#[derive(Debug)]
pub(crate) struct Plan {
    /// One per `program.rules`, same order.
    pub(super) shared: Vec<Shared>,
    /// Exception rules grouped by the rule they depart from, by its id.
    pub(super) exceptions: Vec<ExceptionGroup>,
    /// Rules (indices into `program.rules`) that share a `subject`.
    pub(super) subject_pairs: Vec<(usize, usize)>,
}

#[derive(Debug)]
pub(super) struct Shared {
    pub(super) id: Arc<str>,
    pub(super) title: Arc<str>,
    pub(super) departments: Arc<[String]>,
    pub(super) citations: Arc<[CitationOut]>,
    pub(super) remedy: Arc<str>,
    /// `符合要求：TITLE`, for rules without a pass explanation.
    pub(super) pass: Arc<str>,
}

#[derive(Debug)]
pub(super) struct ExceptionGroup {
    /// The general rule's id.
    pub(super) base: String,
    /// Rules with that id (versions), in program order.
    pub(super) base_rules: Vec<usize>,
    /// Rules declared `exception to` it, in program order.
    pub(super) exceptions: Vec<usize>,
}

impl Plan {
    pub(super) fn build(program: &CheckedProgram) -> Self {
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
