//! The command line: argument parsing and one module per command group.
//!
//! Only this module knows clap. Each command module turns arguments into
//! library calls and prints the result (human Chinese text or `--json`).
//! Commands return an exit code: 0 success, 1 failure reported, 2 input
//! rejected (bad record, `--strict` import with problems).

mod check;
mod cite;
mod dangers;
mod import;
mod plan;
mod records;
mod risk;
mod rules;
mod search;
mod serve;
mod show;
mod token;
mod visits;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{ContentPaths, DataDir};

#[derive(Debug, Parser)]
#[command(
    name = "regkb",
    version,
    about = "安全生产法规知识库与合规检查 (regulation knowledge base and compliance checks)"
)]
pub struct Cli {
    /// Where the index, store and caches live [default: $XDG_DATA_HOME/regkb or ~/.local/share/regkb]
    #[arg(long, global = true, env = "REGKB_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The project's corpus folder (interpretations, cases, dictionaries)
    #[arg(long, global = true, env = "REGKB_CORPUS_DIR", value_name = "DIR")]
    pub corpus_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import statutes into the library and rebuild the index
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Build (or rebuild when the library changed) the search index
    Index(search::IndexArgs),
    /// Full-text search over statutes, interpretations and cases
    Search(search::SearchArgs),
    /// Show one article with its chapter, paragraphs and interpretations
    Show(show::ShowArgs),
    /// Find and verify every statute citation in a text
    CiteCheck(cite::CiteCheckArgs),
    /// Relevance figures (nDCG@10, recall@10, MRR) over the judged query set
    EvalSearch(search::EvalArgs),
    /// Write, check, format and test rules
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Check an enterprise record against every rule in force
    Check(check::CheckArgs),
    /// Import and export enterprise records (NDJSON) in the record store
    #[command(subcommand)]
    Records(records::RecordsCommand),
    /// List, show and move hidden dangers (事故隐患) through their closed loop
    #[command(subcommand)]
    Dangers(dangers::DangersCommand),
    /// Record on-site visits (现场检查) and list them
    #[command(subcommand)]
    Visits(visits::VisitsCommand),
    /// Enterprises ranked by risk (红/橙/黄/蓝) with the components of each score
    Risk(risk::RiskArgs),
    /// Joint inspection plan (综合查一次): whom to visit, one merged checklist each
    Plan(plan::PlanArgs),
    /// Run the compliance service over HTTP (JSON API under /api/v1)
    Serve(serve::ServeArgs),
    /// Create, list and revoke API tokens
    #[command(subcommand)]
    Token(token::TokenCommand),
}

pub use crate::config::Context;

/// Opens the record store. sled lets one process hold it: when a running
/// service does, the error says so and what to do `instead` (Chinese, after
/// a colon).
fn open_store(ctx: &Context, instead: &str) -> miette::Result<crate::store::Store> {
    use crate::store::{Store, StoreError};
    Store::open(&ctx.data.store_dir()).map_err(|e| match e {
        StoreError::Locked { .. } => miette::miette!("{e}：{instead}"),
        other => miette::miette!("{other}"),
    })
}

/// Parses arguments and runs the command.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let mut content = ContentPaths::default();
    if let Some(dir) = cli.corpus_dir {
        content.corpus_dir = dir;
    }
    let ctx = Context {
        data: DataDir::new(cli.data_dir.unwrap_or_else(DataDir::default_location)),
        content,
    };
    let outcome = match cli.command {
        Command::Import(cmd) => import::run(cmd, &ctx),
        Command::Index(args) => search::run_index(args, &ctx),
        Command::Search(args) => search::run(args, &ctx),
        Command::Show(args) => show::run(args, &ctx),
        Command::CiteCheck(args) => cite::run(args, &ctx),
        Command::EvalSearch(args) => search::run_eval(args, &ctx),
        Command::Rules(cmd) => rules::run(cmd, &ctx),
        Command::Check(args) => check::run(args, &ctx),
        Command::Records(cmd) => records::run(cmd, &ctx),
        Command::Dangers(cmd) => dangers::run(cmd, &ctx),
        Command::Visits(cmd) => visits::run(cmd, &ctx),
        Command::Risk(args) => risk::run(args, &ctx),
        Command::Plan(args) => plan::run(args, &ctx),
        Command::Serve(args) => serve::run(args, &ctx),
        Command::Token(cmd) => token::run(cmd, &ctx),
    };
    match outcome {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(1)
        }
    }
}
