//! Putting a check together: validate the record, evaluate the rules in
//! force, count the outcomes. A record that fails validation is rejected
//! whole, with every problem; nothing is evaluated.
//!
//! ```
//! use regkb::check::{assemble, Summary};
//! use regkb::record::{validate_record, Schema};
//! # let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/schema");
//! let schema = Schema::load_dir(&dir).unwrap();
//! let v = serde_json::json!({"uscc": "91330481MA2B00000Y", "name": "某公司"});
//! let record = validate_record(&v, &schema).unwrap();
//! let as_of = jiff::civil::date(2026, 11, 28);
//! let result = assemble(&record, as_of, vec![], vec![], vec![]);
//! assert_eq!(result.enterprise, "91330481MA2B00000Y");
//! assert_eq!(result.summary, Summary::default());
//! ```

use jiff::civil::Date;

use crate::dsl::{CheckedProgram, Engine};
use crate::record::{Problem, Schema, ValidRecord, validate_record};

use super::result::{CheckResult, ConflictOut, Finding, MajorHazard, Summary};

/// A record rejected by validation: every problem, by JSON pointer.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
#[error("记录未通过校验，共 {} 处问题", problems.len())]
#[diagnostic(
    code(regkb::record::rejected),
    help("按 JSON 指针逐一修改后重新提交；字段说明见 `regkb check --print-schema`")
)]
pub struct Rejected {
    pub problems: Vec<Problem>,
}

/// A check result together with the record's non-rejecting warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    pub result: CheckResult,
    pub warnings: Vec<Problem>,
}

/// Builds the contract's result from evaluated findings: findings sorted by
/// rule id, major hazards in unit order as given, the summary counted.
pub fn assemble(
    record: &ValidRecord,
    as_of: Date,
    mut findings: Vec<Finding>,
    major_hazards: Vec<MajorHazard>,
    mut conflicts: Vec<ConflictOut>,
) -> CheckResult {
    findings.sort_by(|a, b| a.rule.cmp(&b.rule));
    conflicts.sort_by(|a, b| a.rules.cmp(&b.rules));
    CheckResult {
        enterprise: record.uscc().to_string(),
        as_of,
        summary: Summary::of(&findings),
        findings,
        major_hazards,
        conflicts,
    }
}

/// Validates `record` against `schema`, then evaluates every rule of
/// `program` in force on `as_of`. A rejected record is not evaluated.
pub fn run(
    program: &CheckedProgram,
    schema: &Schema,
    record: &serde_json::Value,
    as_of: Date,
) -> Result<CheckReport, Rejected> {
    let valid = validate_record(record, schema).map_err(|problems| Rejected { problems })?;
    Ok(run_valid(program, &valid, as_of))
}

/// Evaluates an already validated record.
pub fn run_valid(program: &CheckedProgram, record: &ValidRecord, as_of: Date) -> CheckReport {
    run_engine(&Engine::new(program), record, as_of)
}

/// Evaluates an already validated record with an engine built once for many
/// records (the rules' constant parts are shared between their findings).
pub fn run_engine(engine: &Engine<'_>, record: &ValidRecord, as_of: Date) -> CheckReport {
    let evaluation = engine.evaluate(record.value(), as_of);
    let conflicts = evaluation
        .conflicts
        .into_iter()
        .map(|c| ConflictOut {
            rules: c.rules,
            subject: c.subject,
            explanation: c.explanation,
        })
        .collect();
    CheckReport {
        result: assemble(
            record,
            as_of,
            evaluation.findings,
            evaluation.major_hazards,
            conflicts,
        ),
        warnings: record.warnings().to_vec(),
    }
}
