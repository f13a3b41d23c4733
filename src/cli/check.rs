//! `regkb check [--json] [--as-of DATE] [--rules PATH] RECORD.json`
//!
//! Reads a record (a file, or `-` for standard input), validates it against
//! `rules/schema/`, evaluates every rule in force on `--as-of` (default today)
//! and prints the contract's JSON (`--json`) or a Chinese report. Exit codes:
//! 0 checked (whatever the findings), 2 record rejected (every problem listed
//! by JSON pointer), 1 anything else (unreadable file, rules that do not load).
//! `regkb check --print-schema` prints the record's JSON Schema.
//!
//! `--save` also stores the result in the record store under the record's
//! USCC (like the pages' 重新检查), so `regkb risk` and the pages use it. The
//! enterprise must already be stored (`regkb records import`); the result
//! names the stored version when the file is that version, else no version.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use miette::IntoDiagnostic;

use super::Context;
use crate::check::{CheckReport, RenderContext, render_problems, render_text};
use crate::record::{
    Limits, Problem, Schema, json_schema, locate_problems, parse_record, validate_record,
};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The enterprise record (JSON, core v1); `-` reads standard input
    #[arg(value_name = "RECORD.json", required_unless_present = "print_schema")]
    pub record: Option<PathBuf>,
    /// Print the result as JSON (the contract's shape)
    #[arg(long)]
    pub json: bool,
    /// Check as of this date (YYYY-MM-DD) [default: today]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Rule files or folders to use instead of the rules in force in the rules folder
    #[arg(long, value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Print the record's JSON Schema (generated from rules/schema) and exit
    #[arg(long, conflicts_with_all = ["json", "as_of", "rules", "save"])]
    pub print_schema: bool,
    /// Store the result in the record store for the record's enterprise
    #[arg(long)]
    pub save: bool,
}

pub fn run(args: CheckArgs, ctx: &Context) -> miette::Result<ExitCode> {
    let schema_dir = ctx.content.rules_dir.join("schema");
    let schema = Schema::load_dir(&schema_dir)?;
    if args.print_schema {
        let text = serde_json::to_string_pretty(&json_schema(&schema)).into_diagnostic()?;
        // a closed pipe (`| head`) is not an error worth a message
        let _ = writeln!(std::io::stdout().lock(), "{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let as_of = match &args.as_of {
        Some(text) => {
            crate::record::parse_date(text).map_err(|why| miette::miette!("`--as-of` {why}"))?
        }
        None => jiff::Zoned::now().date(),
    };
    let Some(path) = &args.record else {
        return Err(miette::miette!(
            "没有给出企业记录：请给出记录文件，或用 `-` 从标准输入读取"
        ));
    };
    let limits = Limits::default();
    let bytes = read_limited(path, limits.max_bytes)?;
    let value = match parse_record(&bytes, &limits) {
        Ok(v) => v,
        Err(problems) => return Ok(reject(&problems, args.json)),
    };
    let record = match validate_record(&value, &schema) {
        Ok(r) => r,
        Err(mut problems) => {
            locate_problems(&bytes, &mut problems);
            return Ok(reject(&problems, args.json));
        }
    };
    let program = super::rules::load_program(&args.rules, ctx)?;
    let report = crate::check::run_valid(&program, &record, as_of);
    if args.save {
        save(&report, record.value(), ctx)?;
    }
    print_report(&report, &record_name(record.value()), &schema, args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// Stores the result for the stored enterprise of the record (`--save`).
fn save(report: &CheckReport, value: &serde_json::Value, ctx: &Context) -> miette::Result<()> {
    let text = value
        .get("uscc")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    let uscc: crate::record::Uscc = text
        .parse()
        .map_err(|e| miette::miette!("`--save`：记录中的统一社会信用代码 `{text}` 无效：{e}"))?;
    let store = super::open_store(
        ctx,
        "服务运行时请用 `POST /api/v1/enterprises/{uscc}/check` 检查并保存",
    )?;
    let stored = store.get(&uscc, None).into_diagnostic()?.ok_or_else(|| {
        miette::miette!(
            "企业 `{text}` 不在档案库中，无法保存检查结果；请先用 `regkb records import` 导入档案"
        )
    })?;
    let version = (stored.record == *value).then_some(stored.version);
    if version.is_none() {
        eprintln!(
            "提示：文件与档案库中第 {} 版档案不同，检查结果保存时不关联档案版本",
            stored.version
        );
    }
    let seq = store
        .save_check(
            &uscc,
            &report.result,
            version,
            &crate::store::Actor::cli("check"),
        )
        .into_diagnostic()?;
    eprintln!("已保存检查结果（第 {seq} 号）：{text}");
    Ok(())
}

fn record_name(value: &serde_json::Value) -> String {
    value
        .get("name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn print_report(
    report: &CheckReport,
    name: &str,
    schema: &Schema,
    json: bool,
) -> miette::Result<()> {
    let mut stdout = std::io::stdout().lock();
    if json {
        for w in &report.warnings {
            eprintln!("提示：{}：{}", w.pointer, w.message);
        }
        let text = serde_json::to_string_pretty(&report.result).into_diagnostic()?;
        writeln!(stdout, "{text}").into_diagnostic()?;
    } else {
        let ctx = RenderContext {
            name: (!name.is_empty()).then_some(name),
            schema: Some(schema),
            warnings: &report.warnings,
        };
        write!(stdout, "{}", render_text(&report.result, &ctx)).into_diagnostic()?;
    }
    Ok(())
}

/// Prints the problems (JSON on stdout with `--json`, text on stderr) and
/// returns exit code 2.
fn reject(problems: &[Problem], json: bool) -> ExitCode {
    #[derive(serde::Serialize)]
    struct Rejection<'a> {
        rejected: bool,
        problems: &'a [Problem],
    }
    if json {
        let body = Rejection {
            rejected: true,
            problems,
        };
        if let Ok(text) = serde_json::to_string_pretty(&body) {
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
    } else {
        let _ = write!(std::io::stderr().lock(), "{}", render_problems(problems));
    }
    ExitCode::from(2)
}

/// Reads at most `max + 1` bytes, so an oversized document is refused by the
/// size check without being read whole.
fn read_limited(path: &Path, max: usize) -> miette::Result<Vec<u8>> {
    let cap = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(cap)
            .read_to_end(&mut bytes)
            .map_err(|e| miette::miette!("读不了标准输入中的记录：{e}"))?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(cap).read_to_end(&mut bytes))
            .map_err(|e| {
                miette::miette!(
                    "读不了记录文件 `{}`：{}",
                    path.display(),
                    crate::pack::io_reason(&e)
                )
            })?;
    }
    Ok(bytes)
}
