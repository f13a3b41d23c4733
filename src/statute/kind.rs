//! The kinds of documents in the knowledge base (效力层级 plus the project's own
//! teaching material).
//!
//! ```
//! use regkb::statute::DocKind;
//! assert_eq!("行政法规".parse::<DocKind>().unwrap(), DocKind::AdministrativeRegulation);
//! assert_eq!(DocKind::Interpretation.label(), "解读");
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum DocKind {
    /// 法律 (including the constitution, amendments and legislative interpretations)
    Law,
    /// 行政法规
    AdministrativeRegulation,
    /// 部门规章
    DepartmentalRule,
    /// 地方性法规 (and local government rules)
    LocalRegulation,
    /// 司法解释
    JudicialInterpretation,
    /// 国家标准 / 行业标准
    Standard,
    /// 规范性文件
    NormativeDocument,
    /// 案例 (case guidance)
    Case,
    /// 解读 (plain-language interpretation written by the project)
    Interpretation,
}

impl DocKind {
    pub const ALL: [DocKind; 9] = [
        DocKind::Law,
        DocKind::AdministrativeRegulation,
        DocKind::DepartmentalRule,
        DocKind::LocalRegulation,
        DocKind::JudicialInterpretation,
        DocKind::Standard,
        DocKind::NormativeDocument,
        DocKind::Case,
        DocKind::Interpretation,
    ];

    /// The Chinese name shown to users and used in filters.
    pub fn label(self) -> &'static str {
        match self {
            DocKind::Law => "法律",
            DocKind::AdministrativeRegulation => "行政法规",
            DocKind::DepartmentalRule => "部门规章",
            DocKind::LocalRegulation => "地方性法规",
            DocKind::JudicialInterpretation => "司法解释",
            DocKind::Standard => "标准",
            DocKind::NormativeDocument => "规范性文件",
            DocKind::Case => "案例",
            DocKind::Interpretation => "解读",
        }
    }

    /// Whether documents of this kind are binding provisions (as opposed to
    /// teaching material that links to provisions).
    pub fn is_normative(self) -> bool {
        !matches!(self, DocKind::Case | DocKind::Interpretation)
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown document kind `{0}` (expected one of 法律, 行政法规, 部门规章, 地方性法规, 司法解释, 标准, 规范性文件, 案例, 解读)"
)]
pub struct DocKindError(pub String);

impl FromStr for DocKind {
    type Err = DocKindError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "法律" | "宪法" | "修正案" | "立法解释" | "修改决定" | "law" => {
                DocKind::Law
            }
            "行政法规" | "administrative-regulation" => DocKind::AdministrativeRegulation,
            "部门规章" | "departmental-rule" => DocKind::DepartmentalRule,
            "地方性法规" | "地方法规" | "地方政府规章" | "local-regulation" => {
                DocKind::LocalRegulation
            }
            "司法解释" | "judicial-interpretation" => DocKind::JudicialInterpretation,
            "标准" | "国家标准" | "行业标准" | "国家标准/行业标准" | "standard" => {
                DocKind::Standard
            }
            "规范性文件" | "normative-document" => DocKind::NormativeDocument,
            "案例" | "案例指导" | "case" => DocKind::Case,
            "解读" | "interpretation" => DocKind::Interpretation,
            other => return Err(DocKindError(other.to_string())),
        })
    }
}

impl From<DocKind> for String {
    fn from(k: DocKind) -> String {
        k.label().to_string()
    }
}

impl TryFrom<String> for DocKind {
    type Error = DocKindError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}
