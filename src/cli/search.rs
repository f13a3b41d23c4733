//! `regkb search`

use std::process::ExitCode;

use super::Context;

#[derive(Debug, clap::Args)]
pub struct SearchArgs {}

pub fn run(_args: SearchArgs, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(miette::miette!("search is not built yet"))
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {}

pub fn run_eval(_args: EvalArgs, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(miette::miette!("eval-search is not built yet"))
}

#[derive(Debug, clap::Args)]
pub struct IndexArgs {}

pub fn run_index(_args: IndexArgs, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(miette::miette!("index is not built yet"))
}
