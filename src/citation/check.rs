//! Checking found citations against the library as of a date: does the law
//! exist, is it in force, does the article (款, 项) exist, and what does it say.

use jiff::civil::Date;

use crate::library::Library;
use crate::statute::{Article, Document, Status};

use super::find::{FindOptions, FoundCitation, find_citations_with};
use super::names::LibraryNames;

/// The verdict on one citation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CitationStatus {
    /// The law is in force on the day and has the cited provision.
    Valid,
    /// The law is known but has no such article, paragraph or item.
    NoSuchArticle,
    /// No law of that name is in the library.
    NoSuchLaw,
    /// The law is not yet effective, or repealed, on the day.
    NotInForce,
}

impl CitationStatus {
    /// Short Chinese label for people.
    pub fn label(self) -> &'static str {
        match self {
            CitationStatus::Valid => "有效",
            CitationStatus::NoSuchArticle => "无此条文",
            CitationStatus::NoSuchLaw => "无此法规",
            CitationStatus::NotInForce => "不在有效期内",
        }
    }
}

/// A citation with its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedCitation {
    pub citation: FoundCitation,
    /// The full title the law resolved to.
    pub title: Option<String>,
    pub status: CitationStatus,
    /// The status of the applicable version of the law on the day.
    pub law_status: Option<Status>,
    /// For `not_in_force`: the day the law takes effect, or was repealed
    /// (when known).
    pub date: Option<Date>,
    /// The cited text: the article, or only the paragraph or item when cited
    /// that precisely.
    pub provision_text: Option<String>,
    /// A one-line explanation in Chinese when the citation is not valid (or
    /// valid with a caveat).
    pub note: Option<String>,
}

/// Finds every citation in `text` and checks each against `library` as of
/// `as_of`.
///
/// ```
/// use jiff::civil::date;
/// use regkb::citation::{cite_check, CitationStatus};
/// use regkb::library::{Aliases, Library};
/// let lib = Library::from_documents(vec![], &Aliases::default());
/// let got = cite_check("依照《某某法》第三条", &lib, date(2026, 1, 1));
/// assert_eq!(got[0].status, CitationStatus::NoSuchLaw);
/// ```
pub fn cite_check(text: &str, library: &Library, as_of: Date) -> Vec<CheckedCitation> {
    cite_check_with(text, library, as_of, &FindOptions::default())
}

/// [`cite_check`] with finder options (the current law for 本法).
pub fn cite_check_with(
    text: &str,
    library: &Library,
    as_of: Date,
    options: &FindOptions,
) -> Vec<CheckedCitation> {
    find_citations_with(text, &LibraryNames::new(library), options)
        .into_iter()
        .map(|c| check_citation(c, library, as_of))
        .collect()
}

/// Checks one citation.
pub fn check_citation(citation: FoundCitation, library: &Library, as_of: Date) -> CheckedCitation {
    let mut out = CheckedCitation {
        title: library.resolve_title(&citation.law).map(str::to_string),
        citation,
        status: CitationStatus::NoSuchLaw,
        law_status: None,
        date: None,
        provision_text: None,
        note: None,
    };
    let Some(title) = out.title.clone() else {
        out.note = Some(format!("库中没有名为`{}`的法规", out.citation.law));
        return out;
    };
    let Some(doc) = library.version_as_of(&title, as_of) else {
        out.note = Some(format!("库中没有`{title}`的任何版本"));
        return out;
    };
    let law_status = library.status(doc, as_of);
    out.law_status = Some(law_status);

    match cited_text(doc, &out.citation) {
        Ok(text) => out.provision_text = Some(text),
        Err(why) => {
            out.status = CitationStatus::NoSuchArticle;
            let elsewhere = other_version_with(library, &title, doc, &out.citation);
            out.note = Some(match elsewhere {
                Some(v) => format!("{why}（该条见于{v}版本）"),
                None => why,
            });
            return out;
        }
    }

    match law_status {
        Status::InForce => out.status = CitationStatus::Valid,
        Status::Amended => {
            // Only an older version is held; the law itself is still in force.
            out.status = CitationStatus::Valid;
            out.note = Some(format!(
                "库中`{title}`只有{}版本，来源标为已修改，条文可能已有变化",
                version_label(doc)
            ));
        }
        Status::NotYetEffective => {
            out.status = CitationStatus::NotInForce;
            out.date = doc.starts();
            out.note = Some(match doc.starts() {
                Some(d) => format!(
                    "{title}自{}起施行，{}尚未生效",
                    chinese_date(d),
                    chinese_date(as_of)
                ),
                None => format!("{title}尚未生效"),
            });
        }
        Status::Repealed => {
            out.status = CitationStatus::NotInForce;
            out.date = doc.repealed;
            out.note = Some(match doc.repealed {
                Some(d) => format!("{title}已于{}废止", chinese_date(d)),
                None => format!("{title}已废止"),
            });
        }
    }
    out
}

/// The cited article, paragraph or item text, or why it does not exist.
fn cited_text(doc: &Document, c: &FoundCitation) -> Result<String, String> {
    let label = c.article.label();
    let article = doc
        .article(c.article)
        .ok_or_else(|| no_article(doc, &label))?;
    match (c.paragraph, c.item) {
        (None, None) => Ok(article.text()),
        (Some(p), item) => {
            let para = p
                .checked_sub(1)
                .and_then(|i| article.paragraphs.get(i as usize))
                .ok_or_else(|| {
                    format!(
                        "{label}只有{}款，没有第{}款",
                        article.paragraphs.len(),
                        to_cn(p)
                    )
                })?;
            match item {
                None => {
                    let mut text = para.text.clone();
                    for it in &para.items {
                        text.push('\n');
                        text.push_str(&it.text);
                    }
                    Ok(text)
                }
                Some(i) => para
                    .items
                    .iter()
                    .find(|it| it.number == i)
                    .map(|it| it.text.clone())
                    .ok_or_else(|| format!("{label}第{}款没有第{}项", to_cn(p), to_cn(i))),
            }
        }
        (None, Some(i)) => {
            item_anywhere(article, i).ok_or_else(|| format!("{label}没有第{}项", to_cn(i)))
        }
    }
}

/// `第二十四条第三项` without a paragraph: the item in the first paragraph that
/// has one with that number.
fn item_anywhere(article: &Article, number: u32) -> Option<String> {
    article
        .paragraphs
        .iter()
        .flat_map(|p| p.items.iter())
        .find(|it| it.number == number)
        .map(|it| it.text.clone())
}

fn no_article(doc: &Document, label: &str) -> String {
    match doc.articles.iter().map(|a| a.no).max() {
        Some(last) => format!("{}没有{label}（最后一条是{}）", doc.title, last.label()),
        None => format!("{}没有分条的正文，无法核对{label}", doc.title),
    }
}

/// Another version of the law that does have the cited provision.
fn other_version_with(
    library: &Library,
    title: &str,
    used: &Document,
    c: &FoundCitation,
) -> Option<String> {
    library
        .versions(title)
        .into_iter()
        .filter(|d| d.id != used.id)
        .find(|d| cited_text(d, c).is_ok())
        .map(version_label)
}

fn version_label(doc: &Document) -> String {
    match doc.version_date.or(doc.starts()) {
        Some(d) => chinese_date(d),
        None => doc.id.to_string(),
    }
}

fn to_cn(n: u32) -> String {
    crate::statute::numeral::to_chinese_numeral(n)
}

/// `2026年5月1日`.
pub fn chinese_date(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}
