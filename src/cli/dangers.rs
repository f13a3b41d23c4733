//! `regkb dangers list|show|transition`: hidden dangers (事故隐患) in the
//! record store, and moving one through its closed loop from the command
//! line (audited under the CLI's name).

use std::process::ExitCode;

use clap::Subcommand;

use super::Context;
use crate::danger::{Action, DangerId, HiddenDanger, State, TransitionRequest};
use crate::store::{Actor, DangerFilter};

#[derive(Debug, Subcommand)]
pub enum DangersCommand {
    /// List hidden dangers (filters combine)
    List {
        #[arg(long)]
        township: Option<String>,
        /// 待整改, 整改中, 待验收 or 已销号
        #[arg(long)]
        state: Option<State>,
        /// Only dangers past their deadline on this day (YYYY-MM-DD)
        #[arg(long)]
        overdue_on: Option<jiff::civil::Date>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Show one hidden danger with its history (JSON)
    Show { id: DangerId },
    /// Move a hidden danger on: start, submit, accept or reject
    Transition {
        id: DangerId,
        /// start (开始整改), submit (提交验收), accept (销号), reject (驳回)
        action: Action,
        /// The person acting
        #[arg(long)]
        by: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        plan: Option<String>,
        #[arg(long)]
        measures: Option<String>,
    },
}

fn err(e: impl std::fmt::Display) -> miette::Report {
    miette::miette!("{e}")
}

fn line(d: &HiddenDanger, today: jiff::civil::Date) -> String {
    format!(
        "{}  {}  {}  {}  {}  期限 {}{}",
        d.id,
        d.uscc,
        d.level.label(),
        d.state.label(),
        d.title,
        d.deadline,
        if d.is_overdue(today) {
            "（已逾期）"
        } else {
            ""
        }
    )
}

pub fn run(cmd: DangersCommand, ctx: &Context) -> miette::Result<ExitCode> {
    let store = super::open_store(
        ctx,
        "服务运行时请调用 `GET /api/v1/dangers` 或 `POST /api/v1/dangers/{id}/transitions`，或先停止服务再运行本命令",
    )?;
    let today = jiff::Zoned::now().date();
    match cmd {
        DangersCommand::List {
            township,
            state,
            overdue_on,
            json,
        } => {
            let filter = DangerFilter {
                township,
                state,
                overdue_on,
                ..Default::default()
            };
            let found = store.dangers(&filter).map_err(err)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&found).map_err(err)?);
            } else {
                for d in &found {
                    println!("{}", line(d, today));
                }
                eprintln!("共 {} 条隐患", found.len());
            }
        }
        DangersCommand::Show { id } => {
            let d = store
                .danger(id)
                .map_err(err)?
                .ok_or_else(|| miette::miette!("找不到编号为 `{id}` 的隐患"))?;
            println!("{}", serde_json::to_string_pretty(&d).map_err(err)?);
        }
        DangersCommand::Transition {
            id,
            action,
            by,
            note,
            plan,
            measures,
        } => {
            let mut req = TransitionRequest::new(action, by, jiff::Timestamp::now());
            req.note = note;
            req.rectification_plan = plan;
            req.measures = measures;
            let d = store
                .transition_danger(id, &req, &Actor::cli("dangers transition"))
                .map_err(err)?;
            println!("{}", line(&d, today));
        }
    }
    Ok(ExitCode::SUCCESS)
}
