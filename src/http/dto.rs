//! Wire types: what requests carry and responses return. Core types do not
//! go onto the wire directly, except the contract's `CheckResult` (the spec
//! defines it as the wire shape) and the shapes `regkb … --json` already
//! prints (search results, shown articles), which the API repeats exactly.

use serde::{Deserialize, Serialize};

/// `GET /search` query parameters (as `regkb search`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    pub q: String,
    /// Comma-separated kinds.
    pub kind: Option<String>,
    /// Comma-separated statuses, or 全部.
    pub status: Option<String>,
    pub region: Option<String>,
    pub as_of: Option<String>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// `?as_of=` alone.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsOfQuery {
    pub as_of: Option<String>,
}

/// `POST /cite-check` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CiteCheckInput {
    pub text: String,
    pub as_of: Option<String>,
    /// The law the text belongs to (本法 refers to it).
    pub law: Option<String>,
}

/// One rule file sent to `/rules/validate` or `/rules/publish`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFileInput {
    pub name: String,
    pub text: String,
}

/// `POST /rules/validate` and `/rules/publish` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSetInput {
    pub files: Vec<RuleFileInput>,
    /// What changed (kept with the published version).
    #[serde(default)]
    pub note: Option<String>,
}

/// One diagnostic of a rule file.
#[derive(Debug, Serialize)]
pub struct DiagnosticOut {
    pub level: &'static str,
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub help: String,
}

/// `POST /rules/validate` answer.
#[derive(Debug, Serialize)]
pub struct ValidationOut {
    pub ok: bool,
    pub rules: usize,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<DiagnosticOut>,
}

/// A failed embedded example.
#[derive(Debug, Serialize)]
pub struct ExampleFailureOut {
    pub rule: Option<String>,
    pub name: String,
    pub location: String,
    pub failures: Vec<String>,
}

/// `POST /rules/publish` answer.
#[derive(Debug, Serialize)]
pub struct PublishedOut {
    pub version: u64,
    pub rules: usize,
    pub examples: usize,
    pub published_by: String,
    pub published_at: jiff::Timestamp,
}

/// `GET /rules` answer.
#[derive(Debug, Serialize)]
pub struct RuleListOut<'a> {
    pub version: Option<u64>,
    pub rules: Vec<&'a crate::dsl::RuleMeta>,
}

/// `GET /healthz` answer.
#[derive(Debug, Serialize)]
pub struct HealthOut {
    pub status: &'static str,
    pub search: bool,
    pub rules: usize,
}
