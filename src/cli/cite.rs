//! `regkb cite`

use std::process::ExitCode;

use super::Context;

#[derive(Debug, clap::Args)]
pub struct CiteCheckArgs {}

pub fn run(_args: CiteCheckArgs, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(miette::miette!("cite is not built yet"))
}
