//! `regkb rules check|test|fmt|list|coverage`: write, check, format and test
//! rules, and report which articles of each source have rules.
//!
//! Also [`load_program`], which `regkb check` uses to read the rule pack
//! (through `crate::pack`) and print its warnings.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use miette::{IntoDiagnostic, miette};

use super::Context;

mod coverage;
use crate::dsl::{self, CheckedProgram, render_plain};
use crate::pack::{LibraryResolver, compile, display_path, rule_files};
use crate::statute::ArticleNo;

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Parse, type-check and resolve citations (exit 1 on errors)
    Check {
        /// Rule files or folders [default: the rules folder]
        paths: Vec<PathBuf>,
    },
    /// Run the examples embedded in rule files
    Test {
        /// Rule files or folders [default: the rules folder]
        paths: Vec<PathBuf>,
    },
    /// Rewrite rule files in the canonical layout
    Fmt {
        /// Only report files whose layout differs (exit 1 if any)
        #[arg(long)]
        check: bool,
        /// Rule files or folders [default: the rules folder]
        paths: Vec<PathBuf>,
    },
    /// List rules: id, title, citations, severity, departments, dates
    List {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
        /// Rule files or folders [default: the rules folder]
        paths: Vec<PathBuf>,
    },
    /// For each statute or standard: articles with rules, articles marked not checkable
    /// from records (and why, from the `coverage.toml` files), and open articles
    Coverage {
        /// Print JSON instead of a report
        #[arg(long)]
        json: bool,
        /// Rule files or folders [default: the rules folder]
        paths: Vec<PathBuf>,
    },
}

pub fn run(cmd: RulesCommand, ctx: &Context) -> miette::Result<ExitCode> {
    match cmd {
        RulesCommand::Check { paths } => run_check(&paths, ctx),
        RulesCommand::Test { paths } => run_test(&paths, ctx),
        RulesCommand::Fmt { check, paths } => run_fmt(&paths, check, ctx),
        RulesCommand::List { json, paths } => run_list(&paths, json, ctx),
        RulesCommand::Coverage { json, paths } => run_coverage(&paths, json, ctx),
    }
}

/// Reads, parses and checks the rule pack. Warnings go to stderr; errors
/// come back as one report listing every problem.
pub(crate) fn load_program(paths: &[PathBuf], ctx: &Context) -> miette::Result<CheckedProgram> {
    let loaded = compile(paths, ctx).map_err(|e| miette!("{e}"))?;
    match loaded.result {
        Ok(checked) => {
            for w in &checked.warnings {
                eprintln!("{}", render_plain(w));
            }
            Ok(checked.program)
        }
        Err(diags) => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            eprintln!("{}", dsl::render_all(&diags));
            Err(miette!(
                "规则有 {errors} 个错误（见上），请先改正；`regkb rules check` 可单独检查规则"
            ))
        }
    }
}

fn run_check(paths: &[PathBuf], ctx: &Context) -> miette::Result<ExitCode> {
    let compiled = compile(paths, ctx).map_err(|e| miette!("{e}"))?;
    match compiled.result {
        Ok(checked) => {
            for w in &checked.warnings {
                eprintln!("{}", render_plain(w));
            }
            let rules = checked.program.rules().count();
            println!(
                "规则检查通过：{} 个文件，{} 条规则，{} 个派生值，{} 个数据表；0 个错误，{} 个警告",
                compiled.files,
                rules,
                checked.program.derived_names().count(),
                checked.program.tables().count(),
                checked.warnings.len()
            );
            if LibraryResolver::load(ctx).is_none() {
                println!("（未加载法规库：引用只检查了格式）");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(diags) => {
            for d in &diags {
                eprintln!("{}", render_plain(d));
            }
            let errors = diags.iter().filter(|d| d.is_error()).count();
            println!(
                "规则检查未通过：{} 个文件；{} 个错误，{} 个警告",
                compiled.files,
                errors,
                diags.len() - errors
            );
            Ok(ExitCode::from(1))
        }
    }
}

fn run_test(paths: &[PathBuf], ctx: &Context) -> miette::Result<ExitCode> {
    let program = load_program(paths, ctx)?;
    let reports = dsl::run_examples(&program);
    let mut failed = 0;
    for r in &reports {
        let title = match &r.rule {
            Some(id) => format!("{id} 「{}」", r.name),
            None => format!("「{}」", r.name),
        };
        if r.passed() {
            println!("通过    {title}");
        } else {
            failed += 1;
            println!("未通过  {title}（{}）", r.location);
            for f in &r.failures {
                for line in f.lines() {
                    println!("      {line}");
                }
            }
        }
    }
    println!(
        "示例：{} 个通过，{} 个失败（共 {} 个）",
        reports.len() - failed,
        failed,
        reports.len()
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run_fmt(paths: &[PathBuf], check: bool, ctx: &Context) -> miette::Result<ExitCode> {
    let files = rule_files(paths, ctx).map_err(|e| miette!("{e}"))?;
    let mut bad = 0;
    let mut changed = 0;
    for path in &files {
        let src = crate::pack::read_source(path).map_err(|e| miette!("{e}"))?;
        let file = match dsl::parse(&src) {
            Ok(f) => f,
            Err(diags) => {
                for d in &diags {
                    eprintln!("{}", render_plain(d));
                }
                bad += 1;
                continue;
            }
        };
        let formatted = dsl::format_file(&file);
        if formatted == src.text {
            continue;
        }
        changed += 1;
        if check {
            println!("需要格式化：{}", src.name);
        } else {
            let tmp = path.with_extension("rule.tmp");
            std::fs::write(&tmp, &formatted)
                .and_then(|()| std::fs::rename(&tmp, path))
                .map_err(|e| miette!("写不了 `{}`：{e}", path.display()))?;
            println!("已格式化：{}", src.name);
        }
    }
    if bad > 0 {
        println!("{bad} 个文件有语法错误，未格式化");
        return Ok(ExitCode::from(1));
    }
    if check && changed > 0 {
        return Ok(ExitCode::from(1));
    }
    if changed == 0 {
        println!("{} 个文件格式均已规范", files.len());
    }
    Ok(ExitCode::SUCCESS)
}

fn run_list(paths: &[PathBuf], json: bool, ctx: &Context) -> miette::Result<ExitCode> {
    let program = load_program(paths, ctx)?;
    let rules: Vec<&dsl::RuleMeta> = program.rules().collect();
    if json {
        let text = serde_json::to_string_pretty(&rules).into_diagnostic()?;
        println!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    for r in &rules {
        let cites: Vec<String> = r
            .citations
            .iter()
            .map(|c| {
                let mut s = c.law.clone();
                if let Some(a) = c.article {
                    s.push_str(&ArticleNo::new(a).label());
                }
                if let Some(cl) = &c.clause {
                    s.push_str(cl);
                }
                if let Some(p) = c.paragraph {
                    s.push_str(&format!(
                        "第{}款",
                        crate::statute::numeral::to_chinese_numeral(p)
                    ));
                }
                if let Some(i) = c.item {
                    s.push_str(&format!(
                        "第{}项",
                        crate::statute::numeral::to_chinese_numeral(i)
                    ));
                }
                s
            })
            .collect();
        let dates = match (r.effective_from, r.effective_until) {
            (Some(f), Some(u)) => format!("{f} 起至 {u} 止"),
            (Some(f), None) => format!("{f} 起"),
            (None, Some(u)) => format!("至 {u} 止"),
            (None, None) => "长期".to_string(),
        };
        println!("{}  {}", r.id, r.title);
        println!(
            "    {} | {} | {} | {}",
            r.severity.label(),
            r.departments.join("、"),
            dates,
            cites.join("；")
        );
    }
    println!("共 {} 条规则", rules.len());
    Ok(ExitCode::SUCCESS)
}

fn run_coverage(paths: &[PathBuf], json: bool, ctx: &Context) -> miette::Result<ExitCode> {
    let program = load_program(paths, ctx)?;
    let rules: Vec<&dsl::RuleMeta> = program.rules().collect();
    let roots: Vec<PathBuf> = if paths.is_empty() {
        vec![ctx.content.rules_dir.clone()]
    } else {
        paths.iter().filter(|p| p.is_dir()).cloned().collect()
    };
    let mut files = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for root in roots {
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let entry = entry.into_diagnostic()?;
            if entry.file_type().is_file()
                && entry.file_name() == "coverage.toml"
                && seen.insert(entry.path().to_path_buf())
            {
                let path = entry.path();
                let text = std::fs::read_to_string(path).map_err(|e| {
                    miette!(
                        "读不了 `{}`：{}",
                        path.display(),
                        crate::pack::io_reason(&e)
                    )
                })?;
                files.push(
                    coverage::CoverageFile::parse(&PathBuf::from(display_path(path)), &text)
                        .map_err(|e| miette!("覆盖清单有误：{e}"))?,
                );
            }
        }
    }
    let library = LibraryResolver::load(ctx);
    let today = jiff::Zoned::now().date();
    let articles_of = |title: &str| -> Option<Vec<ArticleNo>> {
        let lib = library.as_ref()?.library();
        let doc = lib.version_as_of(title, today)?;
        Some(doc.articles.iter().map(|a| a.no).collect())
    };
    let cov = coverage::build(&rules, &files, &articles_of);
    if json {
        let text = serde_json::to_string_pretty(&cov).into_diagnostic()?;
        println!("{text}");
    } else {
        print!("{}", coverage::render(&cov));
    }
    Ok(ExitCode::SUCCESS)
}
