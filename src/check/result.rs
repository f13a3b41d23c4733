//! Wire shape of a check result. Field names are the contract's; do not rename.
//!
//! The parts of a [`Finding`] that are the same for every record (rule id,
//! title, departments, citations, remedy, the usual pass and not-applicable
//! explanations, pointers of fields read from the record's root) are shared
//! (`Arc`, [`SharedStr`]): a finding costs a reference-count increment for
//! them, not a copy. They serialise exactly as the owned strings and lists
//! would.
//!
//! ```
//! use regkb::check::Finding;
//! let json = r#"{"rule":"A","title":"每三年进行一次安全评价","outcome":"pass","severity":"一般隐患","departments":["应急管理"],"citations":[{"law":"安全生产法","article":24}],"explanation":"符合","facts":[],"missing":[],"remedy":"评价"}"#;
//! let f: Finding = serde_json::from_str(json).unwrap();
//! assert_eq!(&*f.title, "每三年进行一次安全评价");
//! assert_eq!(serde_json::to_string(&f).unwrap(), json);
//! ```

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::shared_str::SharedStr;

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

impl CitationOut {
    /// The citation as a hidden danger's source names it: `law 第N条`, or
    /// the law alone when no article is cited.
    pub fn short_text(&self) -> String {
        match self.article {
            Some(a) => format!("{} 第{}条", self.law, a),
            None => self.law.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// JSON pointer into the record, or `derived:NAME` for computed values.
    pub path: SharedStr,
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: SharedStr,
    #[serde(with = "arc_str")]
    pub title: Arc<str>,
    pub outcome: Outcome,
    pub severity: Severity,
    #[serde(with = "arc_slice")]
    pub departments: Arc<[String]>,
    #[serde(with = "arc_slice")]
    pub citations: Arc<[CitationOut]>,
    pub explanation: SharedStr,
    pub facts: Vec<Fact>,
    /// JSON pointers of the facts that were needed but absent.
    pub missing: Vec<SharedStr>,
    #[serde(with = "arc_str")]
    pub remedy: Arc<str>,
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

impl CheckResult {
    /// The result with each finding cut down to its rule, outcome and
    /// severity (title, departments, citations, explanation, facts, missing
    /// pointers and remedy emptied): all that risk ranking and list pages
    /// read, and a fraction of the bytes to store and decode. Summary and
    /// major hazards are kept whole.
    pub fn outline(&self) -> CheckResult {
        CheckResult::from_outline(
            self.enterprise.clone(),
            self.as_of,
            self.summary,
            self.findings
                .iter()
                .map(|f| (f.rule.clone(), f.outcome, f.severity)),
            self.major_hazards.clone(),
        )
    }

    /// An outlined result from its parts (see [`CheckResult::outline`]).
    pub fn from_outline(
        enterprise: String,
        as_of: jiff::civil::Date,
        summary: Summary,
        findings: impl Iterator<Item = (SharedStr, Outcome, Severity)>,
        major_hazards: Vec<MajorHazard>,
    ) -> CheckResult {
        let empty: Arc<str> = Arc::from("");
        let no_departments: Arc<[String]> = Arc::from(Vec::new());
        let no_citations: Arc<[CitationOut]> = Arc::from(Vec::new());
        CheckResult {
            enterprise,
            as_of,
            summary,
            findings: findings
                .map(|(rule, outcome, severity)| Finding {
                    rule,
                    title: empty.clone(),
                    outcome,
                    severity,
                    departments: no_departments.clone(),
                    citations: no_citations.clone(),
                    explanation: SharedStr::default(),
                    facts: Vec::new(),
                    missing: Vec::new(),
                    remedy: empty.clone(),
                })
                .collect(),
            major_hazards,
            conflicts: Vec::new(),
        }
    }
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

/// Serde for `Arc<str>` as a plain string (without serde's `rc` feature).
mod arc_str {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
        String::deserialize(d).map(Arc::from)
    }
}

/// Serde for `Arc<[T]>` as a plain list.
mod arc_slice {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(v: &Arc<[T]>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter())
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Arc<[T]>, D::Error> {
        Vec::<T>::deserialize(d).map(Arc::from)
    }
}
