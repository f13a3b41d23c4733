//! Wire shape of a check result. Field names are the contract's; do not rename.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Fail,
    Unknown,
    Pass,
    NotApplicable,
}

impl Outcome {
    /// Chinese label for township staff.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Fail => "不符合",
            Outcome::Unknown => "待现场核查",
            Outcome::Pass => "符合",
            Outcome::NotApplicable => "不适用",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    #[serde(rename = "重大隐患")]
    Major,
    #[serde(rename = "一般隐患")]
    General,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Major => "重大隐患",
            Severity::General => "一般隐患",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitationOut {
    /// The statute's full title as in the corpus (or a standard's number).
    pub law: String,
    /// Article number; absent for standards cited by clause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paragraph: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    /// Clause of a standard (`4.1.2`), or the 之N of an article label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// JSON pointer into the record, or `derived:NAME` for computed values.
    pub path: String,
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub title: String,
    pub outcome: Outcome,
    pub severity: Severity,
    pub departments: Vec<String>,
    pub citations: Vec<CitationOut>,
    pub explanation: String,
    pub facts: Vec<Fact>,
    /// JSON pointers of the facts that were needed but absent.
    pub missing: Vec<String>,
    pub remedy: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MajorHazard {
    pub unit: String,
    pub s: Option<f64>,
    pub is_major: Option<bool>,
    pub r: Option<f64>,
    pub grade: Option<u8>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub fail: usize,
    pub unknown: usize,
    pub pass: usize,
    pub not_applicable: usize,
}

/// Two or more rules that apply and disagree (an exception against the rule
/// it tightens or relaxes); reported, never silently resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictOut {
    /// Rule ids, sorted.
    pub rules: Vec<String>,
    pub subject: String,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub enterprise: String,
    pub as_of: jiff::civil::Date,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    pub major_hazards: Vec<MajorHazard>,
    /// Addition to the contract's shape, present only when rules conflict.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<ConflictOut>,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Self {
        let mut s = Summary::default();
        for f in findings {
            match f.outcome {
                Outcome::Fail => s.fail += 1,
                Outcome::Unknown => s.unknown += 1,
                Outcome::Pass => s.pass += 1,
                Outcome::NotApplicable => s.not_applicable += 1,
            }
        }
        s
    }
}
