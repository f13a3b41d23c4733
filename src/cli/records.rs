//! `regkb records import FILE.ndjson` and `regkb records export [--township T]`:
//! bulk NDJSON in and out of the record store.
//!
//! Import validates each line on its own: good lines are stored (each one a
//! durable write), bad lines are reported with their line number and every
//! problem by JSON pointer, and the exit code is 2 when any line was
//! rejected. Export prints one current record per line in USCC order.
//! The hidden `records stress --count N` writes generated records and prints
//! each USCC once its write is acknowledged (used by the crash test).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use miette::IntoDiagnostic;

use super::Context;
use crate::record::{Limits, Problem, RecordGenerator, Schema, Uscc, parse_record};
use crate::store::{Actor, ListFilter, Store};

#[derive(Debug, clap::Subcommand)]
pub enum RecordsCommand {
    /// Store the records of an NDJSON file (one JSON record per line)
    Import {
        /// The file; `-` reads standard input
        #[arg(value_name = "FILE.ndjson")]
        file: PathBuf,
    },
    /// Print the stored records as NDJSON
    Export {
        #[arg(long)]
        township: Option<String>,
        #[arg(long)]
        county: Option<String>,
        #[arg(long)]
        category: Option<String>,
    },
    /// Write generated records, printing each USCC once acknowledged
    #[command(hide = true)]
    Stress {
        #[arg(long, default_value_t = 1000)]
        count: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print write latency figures (median, p99) to standard error at the end
        #[arg(long)]
        latency: bool,
    },
}

pub fn run(cmd: RecordsCommand, ctx: &Context) -> miette::Result<ExitCode> {
    let store = super::open_store(
        ctx,
        "请先停止服务再导入或导出；服务运行时可用 `PUT /api/v1/enterprises/{uscc}` 逐条写入",
    )?;
    match cmd {
        RecordsCommand::Import { file } => import(&file, &store, ctx),
        RecordsCommand::Export {
            township,
            county,
            category,
        } => {
            let filter = ListFilter {
                township,
                county,
                category,
                scope: None,
            };
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let mut closed = false;
            store
                .export(&filter, |stored| {
                    if !closed && writeln!(out, "{}", stored.record).is_err() {
                        closed = true;
                    }
                })
                .into_diagnostic()?;
            let _ = out.flush();
            Ok(ExitCode::SUCCESS)
        }
        RecordsCommand::Stress {
            count,
            seed,
            latency,
        } => stress(count, seed, latency, &store, ctx),
    }
}

fn load_schema(ctx: &Context) -> miette::Result<Schema> {
    Ok(Schema::load_dir(&ctx.content.rules_dir.join("schema"))?)
}

fn import(file: &PathBuf, store: &Store, ctx: &Context) -> miette::Result<ExitCode> {
    let schema = load_schema(ctx)?;
    let reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(file).map_err(|e| {
            miette::miette!(
                "读不了 `{}`：{}",
                file.display(),
                crate::pack::io_reason(&e)
            )
        })?;
        Box::new(std::io::BufReader::new(f))
    };
    let total = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let by = Actor::cli("records import");
    let limits = Limits::default();
    let (mut stored, mut rejected) = (0usize, 0usize);
    for (index, line) in reader.split(b'\n').enumerate() {
        let line_no = index + 1;
        let bytes = line.map_err(|e| {
            miette::miette!(
                "读不了 `{}` 第 {line_no} 行：{}",
                file.display(),
                crate::pack::io_reason(&e)
            )
        })?;
        bar.inc(bytes.len() as u64 + 1);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match import_line(&bytes, store, &by, &schema, &limits) {
            Ok(()) => stored += 1,
            Err(problems) => {
                rejected += 1;
                bar.suspend(|| report(line_no, &problems));
            }
        }
        bar.set_message(format!("已导入 {stored} 条，拒收 {rejected} 条"));
    }
    bar.finish_and_clear();
    eprintln!("已导入 {stored} 条记录，拒收 {rejected} 行");
    Ok(if rejected == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn import_line(
    bytes: &[u8],
    store: &Store,
    by: &Actor,
    schema: &Schema,
    limits: &Limits,
) -> Result<(), Vec<Problem>> {
    let value = parse_record(bytes, limits)?;
    let uscc = value
        .get("uscc")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| {
            vec![Problem::new(
                "/uscc",
                "缺少统一社会信用代码".to_string(),
                "18位统一社会信用代码".to_string(),
            )]
        })?;
    let uscc: Uscc = uscc.parse().map_err(|e| {
        vec![Problem::new(
            "/uscc",
            format!("统一社会信用代码 `{uscc}` 无效：{e}"),
            "18位统一社会信用代码".to_string(),
        )]
    })?;
    match store.put(&uscc, value, by, schema) {
        Ok(_) => Ok(()),
        Err(e) => Err(e
            .problems()
            .map(<[Problem]>::to_vec)
            .unwrap_or_else(|| vec![Problem::new("", e.to_string(), String::new())])),
    }
}

fn report(line_no: usize, problems: &[Problem]) {
    for p in problems {
        let at = if p.pointer.is_empty() {
            "（整条记录）"
        } else {
            p.pointer.as_str()
        };
        eprintln!("第{line_no}行 {at}: {}", p.message);
    }
}

fn stress(
    count: u64,
    seed: u64,
    latency: bool,
    store: &Store,
    ctx: &Context,
) -> miette::Result<ExitCode> {
    let schema = load_schema(ctx)?;
    let mut generator = RecordGenerator::new(seed);
    let by = Actor::cli("records stress");
    let mut out = std::io::stdout().lock();
    let mut took = Vec::new();
    for _ in 0..count {
        let record = generator.next_record();
        let Some(uscc) = record
            .get("uscc")
            .and_then(serde_json::Value::as_str)
            .and_then(|s| s.parse::<Uscc>().ok())
        else {
            continue;
        };
        let start = std::time::Instant::now();
        store.put(&uscc, record, &by, &schema).into_diagnostic()?;
        took.push(start.elapsed());
        // the acknowledgement: printed only after the durable write
        if writeln!(out, "{uscc}").and_then(|()| out.flush()).is_err() {
            break;
        }
    }
    if latency && !took.is_empty() {
        took.sort();
        let at = |q: f64| {
            let i = ((took.len() as f64 - 1.0) * q).round() as usize;
            took.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let total: f64 = took.iter().map(|d| d.as_secs_f64()).sum();
        eprintln!(
            "{} writes (flushed each): median {:.2} ms, p99 {:.2} ms, max {:.2} ms, {:.0} writes/s",
            took.len(),
            at(0.5),
            at(0.99),
            at(1.0),
            took.len() as f64 / total.max(f64::EPSILON)
        );
    }
    Ok(ExitCode::SUCCESS)
}
