//! `regkb risk [--township T] [--county C] [--json] [--limit N]`: enterprises
//! of the record store ranked by risk (see [`crate::risk`]), each with its
//! colour, score and the components that make it up.
//!
//! Weights come from `--weights FILE`, else `rules/risk/weights.toml` of the
//! content folders, else the copy compiled into the binary. Overdue hidden
//! dangers are counted on `--as-of` (default today) from the store's ledger
//! and the records' own `hidden_dangers[]` (see `crate::risk::overdue_dangers`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use miette::IntoDiagnostic;

use super::Context;
use crate::risk::{Weights, ranking};
use crate::store::ListFilter;

#[derive(Debug, clap::Args)]
pub struct RiskArgs {
    #[arg(long)]
    township: Option<String>,
    #[arg(long)]
    county: Option<String>,
    /// Print JSON (an array of assessments) instead of a table
    #[arg(long)]
    json: bool,
    /// Show only the first N enterprises of the ranking
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// The weights file [default: rules/risk/weights.toml]
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
    /// Count overdue hidden dangers as of this date (YYYY-MM-DD) [default: today]
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
}

/// Loads the weights: `explicit`, else `rules/risk/weights.toml` under the
/// rules folder when present, else the compiled-in copy.
pub fn load_weights(explicit: Option<&PathBuf>, ctx: &Context) -> miette::Result<Weights> {
    crate::risk::load_weights(&ctx.content.rules_dir, explicit.map(PathBuf::as_path))
        .map_err(|e| miette::miette!("{e}"))
}

pub fn run(args: RiskArgs, ctx: &Context) -> miette::Result<ExitCode> {
    let weights = load_weights(args.weights.as_ref(), ctx)?;
    let store = super::open_store(ctx, "服务运行时请用 `GET /api/v1/risk` 查看风险排序")?;
    let filter = ListFilter {
        township: args.township,
        county: args.county,
        category: None,
        scope: None,
    };
    let day = match &args.as_of {
        Some(text) => {
            crate::record::parse_date(text).map_err(|why| miette::miette!("`--as-of` {why}"))?
        }
        None => jiff::Zoned::now().date(),
    };
    let (ranked, _) = ranking(&store, &weights, &filter, day, args.limit).into_diagnostic()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let text = serde_json::to_string_pretty(&ranked).into_diagnostic()?;
        let _ = writeln!(out, "{text}");
    } else {
        for (i, a) in ranked.iter().enumerate() {
            let score = a.score.map_or_else(|| "-".to_owned(), |s| s.to_string());
            let name = a.name.as_deref().unwrap_or("");
            let _ = writeln!(
                out,
                "{:>4}  {}  {:>4}  {}  {}",
                i + 1,
                a.colour.label(),
                score,
                a.uscc,
                name
            );
            for c in &a.components {
                let _ = writeln!(
                    out,
                    "              {:>4}  {}：{}（{}）",
                    c.points,
                    c.label,
                    c.sources.join("、"),
                    c.detail
                );
            }
            if let Some(why) = &a.forced_by {
                let _ = writeln!(out, "                    {why}");
            }
        }
    }
    let _ = out.flush();
    Ok(ExitCode::SUCCESS)
}
