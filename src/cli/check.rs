//! `regkb check`

use std::process::ExitCode;

use super::Context;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {}

pub fn run(_args: CheckArgs, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(miette::miette!("check is not built yet"))
}
