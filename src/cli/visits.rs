//! `regkb visits record FILE.json | list`: record an on-site visit from a
//! JSON file (a `NewVisit`: uscc, date, departments, inspectors, items) —
//! observed facts into the profile, hidden dangers from its items, a
//! re-check, all or nothing — and list recorded visits. The rules are those
//! of the rules folder (as for `regkb check`); writes are audited under the
//! CLI's name. While the service runs, use `POST /api/v1/enterprises/{uscc}/visits`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::Context;
use crate::record::Uscc;
use crate::store::Actor;
use crate::visit::{NewVisit, Visit, VisitError};

#[derive(Debug, Subcommand)]
pub enum VisitsCommand {
    /// Record a visit from a JSON file (uscc, date, departments, inspectors, items)
    Record {
        #[arg(value_name = "FILE.json")]
        file: PathBuf,
        /// Print the recorded visit and its dangers as JSON
        #[arg(long)]
        json: bool,
    },
    /// List recorded visits (filters combine), oldest first
    List {
        #[arg(long)]
        uscc: Option<Uscc>,
        #[arg(long)]
        township: Option<String>,
        /// First day (YYYY-MM-DD)
        #[arg(long)]
        from: Option<jiff::civil::Date>,
        /// Last day (YYYY-MM-DD)
        #[arg(long)]
        to: Option<jiff::civil::Date>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

fn err(e: impl std::fmt::Display) -> miette::Report {
    miette::miette!("{e}")
}

/// `3  2026-11-20  91330481MA2B00000Y  应急管理、消防救援  王五  5 项，隐患 2 项`.
fn line(v: &Visit) -> String {
    format!(
        "{}  {}  {}  {}  {}  {} 项，隐患 {} 项{}",
        v.id,
        v.visit.date,
        v.visit.uscc,
        v.visit.departments.join("、"),
        v.visit.inspectors.join("、"),
        v.visit.items.len(),
        v.dangers.len(),
        v.visit
            .plan
            .map(|p| format!("（计划 {p}）"))
            .unwrap_or_default()
    )
}

pub fn run(cmd: VisitsCommand, ctx: &Context) -> miette::Result<ExitCode> {
    match cmd {
        VisitsCommand::Record { file, json } => record(&file, json, ctx),
        VisitsCommand::List {
            uscc,
            township,
            from,
            to,
            json,
        } => {
            let store = super::open_store(
                ctx,
                "服务运行时请调用 `GET /api/v1/visits`，或先停止服务再运行本命令",
            )?;
            let found = store
                .visits(uscc.as_ref(), township.as_deref(), from, to)
                .map_err(err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&found).map_err(err)?);
            } else {
                for v in &found {
                    println!("{}", line(v));
                }
                eprintln!("共 {} 次现场检查", found.len());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn record(file: &PathBuf, json: bool, ctx: &Context) -> miette::Result<ExitCode> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| miette::miette!("读不了 `{}`：{e}", file.display()))?;
    let new: NewVisit = serde_json::from_str(&text)
        .map_err(|e| miette::miette!("`{}` 不是有效的现场检查记录：{e}", file.display()))?;
    let schema = crate::pack::load_schema(ctx).map_err(err)?;
    let program = super::rules::load_program(&[], ctx)?;
    let store = super::open_store(
        ctx,
        "服务运行时请调用 `POST /api/v1/enterprises/{uscc}/visits`，或先停止服务再运行本命令",
    )?;
    let by = Actor::cli("visits record");
    let today = jiff::Zoned::now().date();
    let written = match crate::visit::record(&store, &schema, &program, &new, &by, today) {
        Ok(w) => w,
        Err(VisitError::Invalid(problems)) => {
            for p in &problems {
                eprintln!("{}：{}（应为：{}）", p.pointer, p.message, p.expected);
            }
            return Err(miette::miette!(
                "现场检查记录 `{}` 有 {} 处问题，没有写入任何内容",
                file.display(),
                problems.len()
            ));
        }
        Err(e) => return Err(err(e)),
    };
    if json {
        let out = serde_json::json!({
            "visit": written.visit, "dangers": written.dangers,
            "record_version": written.record_version,
            "check": {"seq": written.check.seq, "summary": written.check.result.summary},
        });
        println!("{}", serde_json::to_string_pretty(&out).map_err(err)?);
    } else {
        println!("{}", line(&written.visit));
        for d in &written.dangers {
            println!(
                "  隐患 {}  {}  {}  {}  期限 {}",
                d.id,
                d.level.label(),
                d.state.label(),
                d.title,
                d.deadline
            );
        }
        let s = written.check.result.summary;
        eprintln!(
            "已记录现场检查 {}；档案第 {} 版；复查：不符合 {}，待现场核查 {}，符合 {}，不适用 {}",
            written.visit.id, written.record_version, s.fail, s.unknown, s.pass, s.not_applicable
        );
    }
    Ok(ExitCode::SUCCESS)
}
