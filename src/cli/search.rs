//! `regkb index`, `regkb search` and `regkb eval-search`.

use std::process::ExitCode;

use jiff::civil::Date;
use miette::IntoDiagnostic;

use crate::search::{
    Hit, IndexState, MAX_LIMIT, RelevanceSet, SearchRequest, SearchResults, ensure_index, evaluate,
};
use crate::statute::{DocKind, Status};

use super::Context;

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// What to look for: a question in plain words (危化品仓库要不要装监控) or a citation (安法 24条)
    pub query: String,
    /// Only these kinds (法律, 行政法规, 部门规章, 地方性法规, 司法解释, 标准, 规范性文件, 案例, 解读); comma-separated
    #[arg(long, value_delimiter = ',')]
    pub kind: Vec<String>,
    /// Only these statuses (现行有效, 已修改, 已废止, 尚未生效, or 全部); default 现行有效
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<String>,
    /// Only local regulations of this region (浙江, 上海市)
    #[arg(long)]
    pub region: Option<String>,
    /// Judge status on this day (YYYY-MM-DD) instead of today
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

fn parse_date(s: &str) -> miette::Result<Date> {
    s.trim()
        .parse::<Date>()
        .map_err(|_| miette::miette!("`{s}` is not a date (expected YYYY-MM-DD)"))
}

fn request(args: &SearchArgs) -> miette::Result<SearchRequest> {
    let mut req = SearchRequest::new(args.query.clone());
    for k in &args.kind {
        req.kinds.push(k.parse::<DocKind>().into_diagnostic()?);
    }
    if !args.status.is_empty() {
        let mut statuses = Vec::new();
        for s in &args.status {
            if matches!(s.trim(), "全部" | "all") {
                statuses.extend(Status::ALL);
            } else {
                statuses.push(s.parse::<Status>().into_diagnostic()?);
            }
        }
        req.statuses = Some(statuses);
    }
    req.region = args.region.clone();
    req.as_of = args.as_of.as_deref().map(parse_date).transpose()?;
    if args.limit > MAX_LIMIT {
        return Err(miette::miette!(
            "--limit {} is too large (at most {MAX_LIMIT})",
            args.limit
        ));
    }
    req.limit = args.limit;
    req.offset = args.offset;
    Ok(req)
}

pub fn run(args: SearchArgs, ctx: &Context) -> miette::Result<ExitCode> {
    let req = request(&args)?;
    let (index, state) = ensure_index(&ctx.data, &ctx.content, false).into_diagnostic()?;
    if let IndexState::Built(r) = &state {
        eprintln!(
            "已建立检索索引：{} 个文件、{} 条，用时 {:.1} 秒",
            r.counts.documents, r.counts.articles, r.seconds
        );
    }
    let results = index.search(&req).into_diagnostic()?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&results).into_diagnostic()?
        );
    } else {
        print_human(&results, &req);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_human(results: &SearchResults, req: &SearchRequest) {
    for n in &results.notices {
        println!("提示：{n}");
    }
    if results.hits.is_empty() {
        println!("没有找到相关条文。");
        return;
    }
    println!(
        "共 {} 条结果（第 {}–{} 条，用时 {:.1} 毫秒）",
        results.total,
        req.offset + 1,
        req.offset + results.hits.len(),
        results.took_ms
    );
    for (i, h) in results.hits.iter().enumerate() {
        print_hit(req.offset + i + 1, h);
    }
}

fn print_hit(n: usize, h: &Hit) {
    println!();
    let mark = if h.cited { "【引用】" } else { "" };
    println!(
        "{n}. {mark}{}  〔{} · {}〕",
        h.citation,
        h.kind.label(),
        h.status.label()
    );
    if let Some(c) = &h.chapter {
        println!("   {c}");
    }
    for line in h.snippet.lines() {
        println!("   {line}");
    }
    for m in &h.interpretations {
        if m.title.starts_with(m.kind.as_str()) {
            println!("   ▸ {}", m.title);
        } else {
            println!("   ▸ {}：{}", m.kind, m.title);
        }
        if !m.summary.is_empty() {
            println!("     {}", m.summary);
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The judged query set [default: <corpus>/relevance/queries.toml]
    #[arg(long)]
    pub file: Option<std::path::PathBuf>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run_eval(args: EvalArgs, ctx: &Context) -> miette::Result<ExitCode> {
    let path = args.file.clone().unwrap_or_else(|| {
        ctx.content
            .corpus_dir
            .join("relevance")
            .join("queries.toml")
    });
    let text = std::fs::read_to_string(&path).map_err(|e| {
        miette::miette!(
            "读不了 `{}`：{}",
            path.display(),
            crate::pack::io_reason(&e)
        )
    })?;
    let set = RelevanceSet::parse(&text, &path.display().to_string()).into_diagnostic()?;
    let (index, _) = ensure_index(&ctx.data, &ctx.content, false).into_diagnostic()?;
    let eval = evaluate(&index, &set).into_diagnostic()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&eval).into_diagnostic()?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:>6} {:>6} {:>6}  查询", "nDCG", "召回", "RR");
    for q in &eval.per_query {
        println!(
            "{:>6.3} {:>6.3} {:>6.3}  {}",
            q.ndcg, q.recall, q.reciprocal_rank, q.query
        );
        for u in &q.unresolved {
            println!("                      （无法对应的标注：{u}）");
        }
    }
    println!();
    println!(
        "共 {} 个查询：nDCG@10 = {:.3}，recall@10 = {:.3}，MRR = {:.3}",
        eval.queries, eval.ndcg_at_10, eval.recall_at_10, eval.mrr
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// Rebuild even when the library has not changed
    #[arg(long)]
    pub force: bool,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run_index(args: IndexArgs, ctx: &Context) -> miette::Result<ExitCode> {
    let started = std::time::Instant::now();
    let (_, state) = ensure_index(&ctx.data, &ctx.content, args.force).into_diagnostic()?;
    let secs = started.elapsed().as_secs_f64();
    match state {
        IndexState::Built(r) => {
            if args.json {
                println!("{}", serde_json::to_string(&r).into_diagnostic()?);
            } else {
                println!(
                    "索引已建立：{} 个文件，{} 条，共 {} 个索引项，用时 {:.2} 秒（查询词典 {} 词）",
                    r.counts.documents,
                    r.counts.articles,
                    r.counts.entries,
                    secs,
                    r.query_dictionary_words
                );
            }
        }
        IndexState::UpToDate(c) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({"up_to_date": true, "counts": c, "seconds": secs})
                );
            } else {
                println!(
                    "索引已是最新：{} 个文件，{} 条，共 {} 个索引项",
                    c.documents, c.articles, c.entries
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
