//! One version of one document: metadata plus its provisions.
//!
//! Statutes are stored as a flat list of articles, each carrying the path of
//! headings (编/分编/章/节) it stands under; paragraphs (款) hold items (项).
//! Teaching material (案例, 解读) has named sections instead of articles and
//! links to provisions by citation.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{ArticleNo, DocKind, Status};

/// Stable identifier of a document version, e.g. `中华人民共和国安全生产法@2021-06-10`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DocId(pub String);

impl DocId {
    /// Builds the id from the full title and the version date (when known).
    pub fn new(title: &str, version: Option<Date>) -> Self {
        match version {
            Some(d) => DocId(format!("{title}@{d}")),
            None => DocId(title.to_string()),
        }
    }
}

impl std::fmt::Display for DocId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub id: DocId,
    pub kind: DocKind,
    /// Full title, e.g. 中华人民共和国安全生产法.
    pub title: String,
    /// Short titles and abbreviations users type (安全生产法, 安法, 新安法).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Province or city for local regulations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promulgated: Option<Date>,
    /// When this version took or takes effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<Date>,
    /// The date that distinguishes this version from others of the same law
    /// (the last amendment or revision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_date: Option<Date>,
    /// When the document was repealed, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repealed: Option<Date>,
    /// Status as declared by the source, used where dates cannot decide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_status: Option<Status>,
    /// Amendment history lines (`2021年6月10日 第十三届…第三次修正`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEvent>,
    /// Text before the first article (judicial interpretations, 修正案 bodies).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preamble: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub articles: Vec<Article>,
    /// Named sections of cases and interpretations (基本案情, 裁判结果, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<Section>,
    /// Provisions this document explains or applies (for 案例 and 解读).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<ProvisionRef>,
    /// Rule ids this document relates to (for 解读 and 案例).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// Where it was imported from (path or source name), for error reports.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    pub event: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heading {
    /// 编, 分编, 章 or 节.
    pub level: HeadingLevel,
    /// The heading as printed, e.g. `第二章 生产经营单位的安全生产保障`.
    pub title: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HeadingLevel {
    Part,
    SubPart,
    Chapter,
    Section,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub no: ArticleNo,
    /// Headings from the outermost (编) to the innermost (节).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headings: Vec<Heading>,
    /// 款: the first paragraph is the text after `第N条`.
    pub paragraphs: Vec<Paragraph>,
}

impl Article {
    /// The chapter path for display: `第二章 生产经营单位的安全生产保障 / 第一节 …`.
    pub fn chapter_path(&self) -> String {
        self.headings
            .iter()
            .map(|h| h.title.as_str())
            .collect::<Vec<_>>()
            .join(" / ")
    }

    /// Whole text of the article, paragraphs separated by newlines, items on
    /// their own lines.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, p) in self.paragraphs.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&p.text);
            for item in &p.items {
                out.push('\n');
                out.push_str(&item.text);
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paragraph {
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
}

/// 项: `（一）…`. `text` keeps the printed marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub number: u32,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub title: String,
    pub text: String,
}

/// A pointer to a provision by law title (or alias) and position, as written
/// in teaching material and rules. Resolved against the library on use.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProvisionRef {
    pub law: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<ArticleNo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paragraph: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
}

impl Document {
    pub fn article(&self, no: ArticleNo) -> Option<&Article> {
        self.articles.iter().find(|a| a.no == no)
    }

    /// The day this version starts to apply: the effective date, else the
    /// version date, else promulgation.
    pub fn starts(&self) -> Option<Date> {
        match (self.effective, self.version_date) {
            (Some(e), Some(v)) => Some(e.max(v)),
            (e, v) => e.or(v).or(self.promulgated),
        }
    }
}
