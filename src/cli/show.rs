//! `regkb show LAW ARTICLE`: one article with its chapter, numbered
//! paragraphs and items, its status on a date, and the project's
//! interpretations and cases that cite it.

use std::process::ExitCode;

use jiff::civil::Date;

use super::Context;
use crate::library::Library;
use crate::statute::numeral::to_chinese_numeral;
use crate::views::{ShownArticle, provision};

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

pub fn run(args: ShowArgs, ctx: &Context) -> miette::Result<ExitCode> {
    let lib = Library::load(&ctx.data, &ctx.content).map_err(|e| miette::miette!("{e}"))?;
    let day = args.as_of.unwrap_or_else(|| jiff::Zoned::now().date());
    match provision(&lib, &args.law, &args.article, day) {
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
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Human output.
fn render(s: &ShownArticle) -> String {
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
