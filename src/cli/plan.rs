//! `regkb plan --township T --from D --to D [--seed N] [--cap N] [--uscc X …] [--items]
//! [--save] [--json]`: the joint inspection plan (综合查一次, see
//! [`crate::plan`]) for a township or a list of enterprises of the record
//! store — whom to visit and why, the lead and participating departments,
//! the merged checklist's size, and the before/after figures. `--save`
//! stores it (its number is printed) so the web page `/plans/{id}` shows it.
//!
//! Rules come from the rules folder, the plan settings from
//! `rules/plan/plan.toml` (else the compiled-in copy), the risk weights as
//! for `regkb risk`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use miette::IntoDiagnostic;

use super::Context;
use crate::plan::{Plan, Request};
use crate::record::Schema;
use crate::store::Actor;

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The township whose enterprises are planned
    #[arg(long, required_unless_present = "uscc")]
    township: Option<String>,
    /// First day of the period (YYYY-MM-DD); rules in force on it are checked
    #[arg(long, value_name = "DATE")]
    from: String,
    /// Last day of the period (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    to: String,
    /// Seed of the random draw (same seed and data, same plan) [default: a random one, printed]
    #[arg(long)]
    seed: Option<u64>,
    /// On-site visits per department per enterprise per year [default: plan.toml]
    #[arg(long, value_name = "N")]
    cap: Option<u32>,
    /// Plan these enterprises instead of a township (repeatable)
    #[arg(long, value_name = "USCC")]
    uscc: Vec<String>,
    /// Store the plan (prints its number)
    #[arg(long)]
    save: bool,
    /// Print the plan as JSON
    #[arg(long)]
    json: bool,
    /// List every enterprise's merged checklist items (text output)
    #[arg(long)]
    items: bool,
    /// The risk weights file [default: rules/risk/weights.toml]
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
}

pub fn run(args: PlanArgs, ctx: &Context) -> miette::Result<ExitCode> {
    let date = |flag: &str, text: &str| {
        crate::record::parse_date(text).map_err(|why| miette::miette!("`{flag}` {why}"))
    };
    let from = date("--from", &args.from)?;
    let to = date("--to", &args.to)?;
    let settings = crate::planning::load_settings(&ctx.content.rules_dir)
        .map_err(|e| miette::miette!("{e}"))?;
    let weights = super::risk::load_weights(args.weights.as_ref(), ctx)?;
    let schema = Schema::load_dir(&ctx.content.rules_dir.join("schema"))?;
    let program = super::rules::load_program(&[], ctx)?;
    let store = super::open_store(ctx, "服务运行时请用 `POST /api/v1/plans` 生成计划")?;
    let req = Request {
        township: args.township.clone(),
        usccs: args.uscc.clone(),
        from,
        to,
        seed: args.seed.unwrap_or_else(crate::planning::random_seed),
        cap: args.cap.unwrap_or(settings.visits.cap),
    };
    let mut plan =
        crate::planning::make(&store, &program, &schema, &weights, &settings, &req, None)
            .map_err(|e| miette::miette!("{e}"))?;
    if args.save {
        plan = store
            .save_plan(&plan, &Actor::cli("plan"))
            .map_err(|e| miette::miette!("{e}"))?;
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let text = serde_json::to_string_pretty(&plan).into_diagnostic()?;
        let _ = writeln!(out, "{text}");
    } else {
        let _ = out.write_all(text(&plan, args.items).as_bytes());
    }
    let _ = out.flush();
    Ok(ExitCode::SUCCESS)
}

/// The plan in Chinese text; with `items`, each enterprise's checklist.
fn text(plan: &Plan, items: bool) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let whom = match &plan.township {
        Some(t) => t.clone(),
        None => format!("{} 家指定企业", plan.usccs.len()),
    };
    let _ = writeln!(
        s,
        "联合检查计划：{whom}，{} 至 {}（随机种子 {}，每部门每年上门上限 {} 次）",
        plan.from, plan.to, plan.seed, plan.cap
    );
    if let Some(id) = plan.id {
        let _ = writeln!(s, "已保存为第 {id} 号计划");
    }
    let _ = writeln!(
        s,
        "共 {} 家企业，入选 {} 家，未纳入 {} 家",
        plan.considered,
        plan.enterprises.len(),
        plan.left_out.len()
    );
    for (i, p) in plan.enterprises.iter().enumerate() {
        let score = p.score.map_or_else(String::new, |n| format!("，{n} 分"));
        let _ = writeln!(
            s,
            "{:>3}. [{}] {} {}  {}{score}",
            i + 1,
            p.colour,
            p.uscc,
            p.name.as_deref().unwrap_or(""),
            p.reason_label
        );
        let others = if p.participating.is_empty() {
            "无".to_string()
        } else {
            p.participating.join("、")
        };
        let _ = writeln!(s, "     牵头：{}；参加：{others}", p.lead);
        let c = &p.counts;
        let _ = writeln!(
            s,
            "     清单 {} 项（核实并督促整改 {}，现场核查 {}，抽查 {}），涉及规则 {} 条；暂缓 {} 项",
            c.confirm + c.verify + c.spot,
            c.confirm,
            c.verify,
            c.spot,
            c.rules,
            c.deferred
        );
        if !p.over_cap.is_empty() {
            let _ = writeln!(
                s,
                "     {} 已达年度上限，因存在重大隐患仍须参加",
                p.over_cap.join("、")
            );
        }
        if let Some(note) = &p.note {
            let _ = writeln!(s, "     {note}");
        }
        if items {
            for (t, topic) in p.topics.iter().enumerate() {
                let _ = writeln!(s, "     【{}】", topic.topic);
                for (j, i) in topic.items.iter().enumerate() {
                    let _ = writeln!(s, "       {}.{} {}", t + 1, j + 1, item_line(i, false));
                }
            }
            if !p.deferred.is_empty() {
                let _ = writeln!(s, "     【暂缓】");
                for i in &p.deferred {
                    let _ = writeln!(s, "       - {}", item_line(i, true));
                }
            }
        }
    }
    if !plan.left_out.is_empty() {
        let _ = writeln!(s, "未纳入：");
        for l in &plan.left_out {
            let _ = writeln!(
                s,
                "     {} {}（{}）：{}",
                l.uscc,
                l.name.as_deref().unwrap_or(""),
                l.reason_label,
                l.why
            );
        }
    }
    let f = &plan.figures;
    let _ = writeln!(s, "分头检查 → 联合检查：");
    let _ = writeln!(s, "     上门次数 {} → {}", f.visits_before, f.visits_after);
    let _ = writeln!(s, "     检查项 {} → {}", f.items_before, f.items_after);
    let _ = writeln!(
        s,
        "     现场用时 {} 分钟 → {} 分钟",
        f.minutes_before, f.minutes_after
    );
    if f.deferred_items > 0 {
        let _ = writeln!(s, "     暂缓检查项 {}", f.deferred_items);
    }
    s
}

/// `[核实并督促整改]［重大隐患］标题（规则 A、B）牵头 X；参加 Y`.
fn item_line(i: &crate::plan::Item, deferred: bool) -> String {
    let major = if i.severity == crate::check::Severity::Major {
        "［重大隐患］"
    } else {
        ""
    };
    let title = i.rules.first().map_or("", |r| r.title.as_str());
    let more = if i.rules.len() > 1 {
        format!(" 等 {} 项", i.rules.len())
    } else {
        String::new()
    };
    let ids: Vec<&str> = i.rules.iter().map(|r| r.id.as_str()).collect();
    let who = if deferred {
        format!("已达上限：{}", i.capped.join("、"))
    } else if i.participating.is_empty() {
        format!("牵头 {}", i.lead)
    } else {
        format!("牵头 {}；参加 {}", i.lead, i.participating.join("、"))
    };
    format!(
        "[{}]{major}{title}{more}（规则 {}）{who}",
        i.action_label,
        ids.join("、")
    )
}
