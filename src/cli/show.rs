//! `regkb show LAW ARTICLE`: one article with its chapter, numbered
//! paragraphs and items, its status on a date, and the project's
//! interpretations and cases that cite it.

use std::process::ExitCode;

use jiff::civil::Date;
use serde::Serialize;

use super::Context;
use crate::library::Library;
use crate::statute::{ArticleNo, Document, numeral::to_chinese_numeral};

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The law: full title, short title or abbreviation (安全生产法, 安法, 《消防法》)
    law: String,
    /// The article: 24, 第二十四条, 134之一
    article: String,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
    /// Judge status and pick the version in force on this date (YYYY-MM-DD) [default: today]
    #[arg(long, value_name = "DATE")]
    as_of: Option<Date>,
}

/// The `--json` shape.
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

pub fn run(args: ShowArgs, ctx: &Context) -> miette::Result<ExitCode> {
    let lib = Library::load(&ctx.data, &ctx.content).map_err(|e| miette::miette!("{e}"))?;
    let day = args.as_of.unwrap_or_else(|| jiff::Zoned::now().date());
    match show(&lib, &args.law, &args.article, day) {
        Ok(shown) => {
            if args.json {
                let text =
                    serde_json::to_string_pretty(&shown).map_err(|e| miette::miette!("{e}"))?;
                println!("{text}");
            } else {
                print!("{}", render(&shown));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(message) => {
            eprintln!("{message}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Looks the article up; the error is the Chinese message for the user.
pub fn show(lib: &Library, law: &str, article: &str, day: Date) -> Result<ShownArticle, String> {
    // the project corpus alone (ids `corpus:…`) holds no statutes
    let has_statutes = lib
        .documents()
        .iter()
        .any(|d| d.kind.is_normative() && !d.id.0.starts_with("corpus:"));
    if !has_statutes {
        return Err(crate::library::LibraryError::Empty.to_string());
    }
    let Some(title) = lib.resolve_title(law) else {
        let similar = lib.similar_titles(law, 3);
        return Err(if similar.is_empty() {
            format!("找不到法规 `{law}`")
        } else {
            format!(
                "找不到法规 `{law}`，您是不是要找：{}",
                similar
                    .iter()
                    .map(|t| format!("《{t}》"))
                    .collect::<Vec<_>>()
                    .join("、")
            )
        });
    };
    let Some(doc) = lib.version_as_of(title, day) else {
        return Err(format!("找不到法规 `{law}`"));
    };
    let no: ArticleNo = article
        .parse()
        .map_err(|_| format!("`{article}` 不是条号（可以写 24、第二十四条、134之一）"))?;
    let Some(art) = doc.article(no) else {
        return Err(no_such_article(doc, no));
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

/// Human output.
pub fn render(s: &ShownArticle) -> String {
    let mut out = String::new();
    out.push_str(&format!("《{}》{}\n", s.doc_title, s.article_label));
    if !s.chapter.is_empty() {
        out.push_str(&format!("{}\n", s.chapter));
    }
    let version = s.version.map(|v| format!("；版本 {v}")).unwrap_or_default();
    out.push_str(&format!(
        "状态：{}（截至 {}{}）\n\n",
        s.status, s.as_of, version
    ));
    for p in &s.paragraphs {
        let label = if s.paragraphs.len() > 1 {
            format!(
                "第{}款　",
                to_chinese_numeral(u32::try_from(p.number).unwrap_or(0))
            )
        } else {
            String::new()
        };
        out.push_str(&format!("{label}{}\n", p.text));
        for it in &p.items {
            out.push_str(&format!("    {}\n", it.text));
        }
    }
    if !s.interpretations.is_empty() {
        out.push_str("\n相关解读与案例：\n");
        for m in &s.interpretations {
            let para = m
                .paragraph
                .map(|p| format!("（第{}款）", to_chinese_numeral(p)))
                .unwrap_or_default();
            out.push_str(&format!("  [{}] {}{}\n", m.kind, m.title, para));
            if !m.summary.is_empty() {
                out.push_str(&format!("      {}\n", m.summary));
            }
        }
    }
    out
}
