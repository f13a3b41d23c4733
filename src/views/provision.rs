//! One article as shown to a person: chapter, numbered paragraphs and
//! items, status on a date, and the project's interpretations and cases
//! that cite it.

use jiff::civil::Date;
use serde::Serialize;

use crate::library::Library;
use crate::statute::{ArticleNo, Document};

/// One article (`regkb show --json`, `GET /provisions/{law}/{article}`).
#[derive(Debug, Serialize)]
pub struct ShownArticle {
    pub doc_title: String,
    /// The article's integer number (134 for 第一百三十四条之一).
    pub article: u32,
    pub article_label: String,
    pub chapter: String,
    pub status: String,
    /// Version date of the document version shown.
    pub version: Option<Date>,
    pub as_of: Date,
    pub text: String,
    pub paragraphs: Vec<ShownParagraph>,
    pub interpretations: Vec<LinkedMaterial>,
}

#[derive(Debug, Serialize)]
pub struct ShownParagraph {
    pub number: usize,
    pub text: String,
    pub items: Vec<ShownItem>,
}

#[derive(Debug, Serialize)]
pub struct ShownItem {
    pub number: u32,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct LinkedMaterial {
    pub title: String,
    /// 解读 or 案例
    pub kind: String,
    pub summary: String,
    /// The paragraph (款) the material points at, when it names one.
    pub paragraph: Option<u32>,
}

/// Why an article cannot be shown (messages for the user).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvisionError {
    /// Only the project's own corpus is loaded: no statutes imported.
    #[error("{}", crate::library::LibraryError::Empty)]
    NoStatutes,
    #[error("找不到法规 `{law}`{}", suggest(.similar))]
    NoSuchLaw { law: String, similar: Vec<String> },
    #[error("`{article}` 不是条号（可以写 24、第二十四条、134之一）")]
    NotAnArticle { article: String },
    /// The law exists but has no such article; the message names its range.
    #[error("{message}")]
    NoSuchArticle { message: String },
}

fn suggest(similar: &[String]) -> String {
    if similar.is_empty() {
        return String::new();
    }
    let names: Vec<String> = similar.iter().map(|t| format!("《{t}》")).collect();
    format!("，您是不是要找：{}", names.join("、"))
}

/// Looks the article up in the version of `law` in force on `day`.
pub fn provision(
    lib: &Library,
    law: &str,
    article: &str,
    day: Date,
) -> Result<ShownArticle, ProvisionError> {
    // the project corpus alone (ids `corpus:…`) holds no statutes
    let has_statutes = lib
        .documents()
        .iter()
        .any(|d| d.kind.is_normative() && !d.id.0.starts_with("corpus:"));
    if !has_statutes {
        return Err(ProvisionError::NoStatutes);
    }
    let Some(title) = lib.resolve_title(law) else {
        return Err(ProvisionError::NoSuchLaw {
            law: law.to_string(),
            similar: lib
                .similar_titles(law, 3)
                .into_iter()
                .map(str::to_string)
                .collect(),
        });
    };
    let Some(doc) = lib.version_as_of(title, day) else {
        return Err(ProvisionError::NoSuchLaw {
            law: law.to_string(),
            similar: Vec::new(),
        });
    };
    let no: ArticleNo = article.parse().map_err(|_| ProvisionError::NotAnArticle {
        article: article.to_string(),
    })?;
    let Some(art) = doc.article(no) else {
        return Err(ProvisionError::NoSuchArticle {
            message: no_such_article(doc, no),
        });
    };
    let status = lib.status(doc, day);
    let interpretations = lib
        .linked_material(&doc.title, no)
        .into_iter()
        .map(|m| LinkedMaterial {
            title: m.title.clone(),
            kind: m.kind.label().to_string(),
            summary: summary_of(m),
            paragraph: m
                .links
                .iter()
                .find(|l| l.article == Some(no))
                .and_then(|l| l.paragraph),
        })
        .collect();
    Ok(ShownArticle {
        doc_title: doc.title.clone(),
        article: no.number,
        article_label: no.label(),
        chapter: art.chapter_path(),
        status: status.label().to_string(),
        version: doc.version_date,
        as_of: day,
        text: art.text(),
        paragraphs: art
            .paragraphs
            .iter()
            .enumerate()
            .map(|(i, p)| ShownParagraph {
                number: i + 1,
                text: p.text.clone(),
                items: p
                    .items
                    .iter()
                    .map(|it| ShownItem {
                        number: it.number,
                        text: it.text.clone(),
                    })
                    .collect(),
            })
            .collect(),
        interpretations,
    })
}

fn no_such_article(doc: &Document, no: ArticleNo) -> String {
    let first = doc.articles.iter().map(|a| a.no).min();
    let last = doc.articles.iter().map(|a| a.no).max();
    match (first, last) {
        (Some(f), Some(l)) => format!(
            "《{}》没有{}；该法条文范围为{}至{}（共 {} 条）",
            doc.title,
            no.label(),
            f.label(),
            l.label(),
            doc.articles.len()
        ),
        _ => format!("《{}》没有{}；该文件没有分条", doc.title, no.label()),
    }
}

fn summary_of(doc: &Document) -> String {
    doc.preamble
        .first()
        .cloned()
        .or_else(|| doc.sections.first().map(|s| s.text.clone()))
        .map(|s| s.chars().take(120).collect())
        .unwrap_or_default()
}
