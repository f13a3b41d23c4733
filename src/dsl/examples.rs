//! Running the examples embedded in rule files (`regkb rules test`): each
//! example record is evaluated with the whole program on its `as_of` day and
//! compared with what the example expects.
//!
//! ```
//! use regkb::dsl::{check, parse, run_examples, NoTables, SourceFile};
//! use regkb::record::Schema;
//! let src = SourceFile::new("a.rule", r#"rule A "t" {
//!   cite 安全生产法 第四十一条
//!   severity 一般隐患
//!   departments 应急管理
//!   require false
//!   explain "不符合"
//!   remedy "整改"
//!   example "总是不符合" {
//!     as_of 2026-11-28
//!     record {}
//!     expect fail "不符合"
//!   }
//! }"#);
//! let p = check(&[parse(&src).unwrap()], &Schema::default(), &NoTables, None).unwrap().program;
//! assert!(run_examples(&p).iter().all(|r| r.passed()));
//! ```

use super::eval::{Evaluation, evaluate};
use super::program::{CheckedProgram, Example, Expect};
use crate::check::Outcome;

/// The result of one example.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleReport {
    pub name: String,
    pub rule: Option<String>,
    pub location: String,
    /// One entry per unmet expectation, written as a small diff.
    pub failures: Vec<String>,
}

impl ExampleReport {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs every example of the program.
pub fn run_examples(program: &CheckedProgram) -> Vec<ExampleReport> {
    program
        .examples()
        .iter()
        .map(|ex| run_one(program, ex))
        .collect()
}

/// Runs one example of the program (the web page runs a rule's own).
pub fn run_example(program: &CheckedProgram, ex: &Example) -> ExampleReport {
    run_one(program, ex)
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Unknown => "unknown",
        Outcome::NotApplicable => "not_applicable",
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_else(|| "none".into())
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() <= 1e-6 * x.abs().max(1.0),
        _ => false,
    }
}

fn run_one(program: &CheckedProgram, ex: &Example) -> ExampleReport {
    let eval: Evaluation = evaluate(program, &ex.record, ex.as_of);
    let mut failures = Vec::new();
    for exp in &ex.expects {
        match exp {
            Expect::Outcome {
                rule,
                outcome,
                explanation,
            } => {
                let Some(f) = eval.findings.iter().find(|f| &f.rule == rule) else {
                    failures.push(format!("规则 {rule} 在 {} 不在有效期内", ex.as_of));
                    continue;
                };
                if f.outcome != *outcome {
                    let mut msg = format!(
                        "{rule} 结论\n  - 预期：{}\n  + 实际：{}",
                        outcome_word(*outcome),
                        outcome_word(f.outcome)
                    );
                    if !f.missing.is_empty() {
                        msg.push_str(&format!("\n    缺少的事实：{}", f.missing.join("、")));
                    }
                    failures.push(msg);
                }
                if let Some(want) = explanation
                    && &f.explanation != want
                {
                    failures.push(format!(
                        "{rule} 说明\n  - 预期：{want}\n  + 实际：{}",
                        f.explanation
                    ));
                }
            }
            Expect::Fact { rule, path } => {
                let facts: Vec<&str> = eval
                    .findings
                    .iter()
                    .filter(|f| &f.rule == rule)
                    .flat_map(|f| f.facts.iter().map(|x| x.path.as_str()))
                    .collect();
                if !facts.contains(&path.as_str()) {
                    failures.push(format!(
                        "{rule} 事实\n  - 预期包含：{path}\n  + 实际：{}",
                        facts.join(", ")
                    ));
                }
            }
            Expect::Conflict(ids) => {
                if !eval.conflicts.iter().any(|c| &c.rules == ids) {
                    let got: Vec<String> =
                        eval.conflicts.iter().map(|c| c.rules.join(", ")).collect();
                    failures.push(format!(
                        "规则冲突\n  - 预期：{}\n  + 实际：{}",
                        ids.join(", "),
                        if got.is_empty() {
                            "没有冲突".to_string()
                        } else {
                            got.join("; ")
                        }
                    ));
                }
            }
            Expect::Hazard { unit, s, r, grade } => {
                let Some(h) = eval.major_hazards.iter().find(|h| &h.unit == unit) else {
                    failures.push(format!(
                        "重大危险源\n  - 预期单元：{unit}\n  + 实际：报告里没有这个单元"
                    ));
                    continue;
                };
                let got_grade = h.grade.map(f64::from);
                if !(close(*s, h.s) && close(*r, h.r) && close(*grade, got_grade)) {
                    failures.push(format!(
                        "重大危险源 {unit}\n  - 预期：s = {} r = {} grade = {}\n  + 实际：s = {} r = {} grade = {}",
                        opt(*s),
                        opt(*r),
                        opt(*grade),
                        opt(h.s),
                        opt(h.r),
                        opt(got_grade)
                    ));
                }
            }
        }
    }
    ExampleReport {
        name: ex.name.clone(),
        rule: ex.rule.clone(),
        location: ex.location.clone(),
        failures,
    }
}
