//! `regkb rules …`

use std::process::ExitCode;

use clap::Subcommand;

use super::Context;

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Parse, type-check and resolve citations
    Check {},
}

pub fn run(_cmd: RulesCommand, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(miette::miette!("rules is not built yet"))
}
