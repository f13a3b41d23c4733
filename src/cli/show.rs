//! `regkb show`

use std::process::ExitCode;

use super::Context;

#[derive(Debug, clap::Args)]
pub struct ShowArgs {}

pub fn run(_args: ShowArgs, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(miette::miette!("show is not built yet"))
}
