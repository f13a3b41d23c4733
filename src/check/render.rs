//! Human rendering of a check result for township staff, in Chinese:
//! 重大隐患 first, then other failures, then what must be verified on site
//! (the `missing` facts as a checklist), then counts of 符合 and 不适用.
//!
//! ```
//! use regkb::check::{cite_label, CitationOut};
//! let c = CitationOut { law: "中华人民共和国安全生产法".into(), article: Some(24),
//!                       paragraph: Some(1), item: None, clause: None };
//! assert_eq!(cite_label(&c), "《中华人民共和国安全生产法》第二十四条第一款");
//! ```

use std::fmt::Write as _;

use crate::record::{Problem, Schema};
use crate::statute::numeral::to_chinese_numeral;

use super::result::{CheckResult, CitationOut, Finding, Outcome, Severity};

/// What the text rendering shows besides the result itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderContext<'a> {
    /// The enterprise's name (`name` of the record).
    pub name: Option<&'a str>,
    /// Used to describe missing facts in words (`上次安全评价日期`).
    pub schema: Option<&'a Schema>,
    /// Record warnings that did not reject it.
    pub warnings: &'a [Problem],
}

/// `《中华人民共和国危险化学品安全法》第三十九条第一款`, or
/// `GB 18218-2018 4.1.2` for a standard cited by clause.
pub fn cite_label(c: &CitationOut) -> String {
    let mut s = if c.law.starts_with(|ch: char| ch.is_ascii_alphabetic()) {
        c.law.clone()
    } else {
        format!("《{}》", c.law)
    };
    match c.article {
        Some(article) => {
            let _ = write!(s, "第{}条", to_chinese_numeral(article));
            if let Some(clause) = &c.clause {
                match clause.parse::<u32>() {
                    Ok(n) => {
                        let _ = write!(s, "之{}", to_chinese_numeral(n));
                    }
                    Err(_) => s.push_str(clause),
                }
            }
        }
        None => {
            if let Some(clause) = &c.clause {
                s.push(' ');
                s.push_str(clause);
            }
        }
    }
    if let Some(p) = c.paragraph {
        let _ = write!(s, "第{}款", to_chinese_numeral(p));
    }
    if let Some(i) = c.item {
        let _ = write!(s, "第（{}）项", to_chinese_numeral(i));
    }
    s
}

/// The Chinese text report of a check.
pub fn render_text(result: &CheckResult, ctx: &RenderContext<'_>) -> String {
    let mut out = String::new();
    let s = &result.summary;
    let major_fails = result
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Fail && f.severity == Severity::Major)
        .count();
    let _ = writeln!(
        out,
        "企业：{}{}",
        ctx.name.map(|n| format!("{n}（")).unwrap_or_default(),
        if ctx.name.is_some() {
            format!("{}）", result.enterprise)
        } else {
            result.enterprise.clone()
        }
    );
    let _ = writeln!(out, "检查日期：{}", result.as_of);
    let _ = writeln!(
        out,
        "结果：不符合 {} 项（其中重大隐患 {major_fails} 项），待现场核查 {} 项，符合 {} 项，不适用 {} 项",
        s.fail, s.unknown, s.pass, s.not_applicable
    );

    let mut fails: Vec<&Finding> = result
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Fail)
        .collect();
    fails.sort_by(|a, b| (a.severity, &a.rule).cmp(&(b.severity, &b.rule)));
    for severity in [Severity::Major, Severity::General] {
        let group: Vec<&&Finding> = fails.iter().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n【不符合 · {}】{} 项", severity.label(), group.len());
        for f in group {
            let _ = writeln!(out, "  ✗ {} {}", f.rule, f.title);
            if !f.explanation.is_empty() {
                let _ = writeln!(out, "    情况：{}", f.explanation);
            }
            write_citations(&mut out, f);
            if !f.facts.is_empty() {
                let facts: Vec<String> = f
                    .facts
                    .iter()
                    .map(|fact| {
                        format!(
                            "{} = {}",
                            describe_pointer(&fact.path, ctx.schema),
                            value_text(&fact.value)
                        )
                    })
                    .collect();
                let _ = writeln!(out, "    事实：{}", facts.join("；"));
            }
            if !f.remedy.is_empty() {
                let _ = writeln!(out, "    整改：{}", f.remedy);
            }
        }
    }

    let mut unknown: Vec<&Finding> = result
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Unknown)
        .collect();
    unknown.sort_by(|a, b| (a.severity, &a.rule).cmp(&(b.severity, &b.rule)));
    if !unknown.is_empty() {
        let _ = writeln!(
            out,
            "\n【待现场核查】{} 项（资料缺失，请到现场核实以下事项）",
            unknown.len()
        );
        for f in unknown {
            let _ = writeln!(out, "  ? {} {}（{}）", f.rule, f.title, f.severity.label());
            write_citations(&mut out, f);
            for pointer in &f.missing {
                let _ = writeln!(out, "    □ 核实：{}", describe_pointer(pointer, ctx.schema));
            }
        }
    }

    let mut passes: Vec<&str> = result
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Pass)
        .map(|f| f.rule.as_str())
        .collect();
    passes.sort_unstable();
    let _ = writeln!(out, "\n【符合】{} 项{}", passes.len(), list_suffix(&passes));
    let _ = writeln!(out, "【不适用】{} 项", s.not_applicable);

    if !result.major_hazards.is_empty() {
        let _ = writeln!(out, "\n【重大危险源辨识与分级（GB 18218-2018）】");
        for m in &result.major_hazards {
            let s_text = m.s.map_or("未知".to_string(), |s| format!("{s:.3}"));
            let verdict = match m.is_major {
                Some(true) => "构成重大危险源",
                Some(false) => "不构成重大危险源",
                None => "能否构成重大危险源待核实",
            };
            let grade = match (m.r, m.grade) {
                (Some(r), Some(g)) => {
                    format!("，R = {r:.2}，{}级", to_chinese_numeral(u32::from(g)))
                }
                _ if m.is_major == Some(true) => "，分级所需数据不全".to_string(),
                _ => String::new(),
            };
            let _ = writeln!(out, "  {}：S = {s_text}，{verdict}{grade}", m.unit);
        }
    }

    if !result.conflicts.is_empty() {
        let _ = writeln!(out, "\n【规则冲突】（需主管部门确定适用哪一条）");
        for c in &result.conflicts {
            let _ = writeln!(
                out,
                "  ! {}：{}（{}）",
                c.rules.join(" 与 "),
                c.explanation,
                c.subject
            );
        }
    }

    if !ctx.warnings.is_empty() {
        let _ = writeln!(out, "\n【记录提示】");
        for w in ctx.warnings {
            let _ = writeln!(out, "  {}：{}", pointer_text(&w.pointer), w.message);
        }
    }
    out
}

/// Problems that rejected a record, one per line with pointer and what is expected.
pub fn render_problems(problems: &[Problem]) -> String {
    let mut out = format!("记录未通过校验，共 {} 处问题：\n", problems.len());
    for p in problems {
        let place = match (p.line, p.column) {
            (Some(l), Some(c)) => format!("（第{l}行第{c}列）"),
            _ => String::new(),
        };
        let _ = writeln!(out, "  {}{place}：{}", pointer_text(&p.pointer), p.message);
        if !p.expected.is_empty() {
            let _ = writeln!(out, "      应为：{}", p.expected);
        }
    }
    out
}

fn pointer_text(pointer: &str) -> &str {
    if pointer.is_empty() {
        "（整个记录）"
    } else {
        pointer
    }
}

fn write_citations(out: &mut String, f: &Finding) {
    if f.citations.is_empty() && f.departments.is_empty() {
        return;
    }
    let cites: Vec<String> = f.citations.iter().map(cite_label).collect();
    let _ = writeln!(
        out,
        "    依据：{}{}",
        cites.join("；"),
        if f.departments.is_empty() {
            String::new()
        } else {
            format!("（{}）", f.departments.join("、"))
        }
    );
}

/// `/units/0/chemicals/1/cas` → `上次…（/units/0/chemicals/1/cas）` using the
/// schema's description of `units.chemicals.cas`.
fn describe_pointer(pointer: &str, schema: Option<&Schema>) -> String {
    if let Some(derived) = pointer.strip_prefix("derived:") {
        // a computed value such as `derived:S(/units/0)`
        return format!("计算值 {derived}");
    }
    let dotted: Vec<&str> = pointer
        .split('/')
        .skip(1)
        .filter(|seg| seg.parse::<usize>().is_err())
        .collect();
    let description = schema.and_then(|s| s.meta(&dotted.join("."))).map(|m| {
        m.description
            .split(['；', '（'])
            .next()
            .unwrap_or_default()
            .to_string()
    });
    match description {
        Some(d) if !d.is_empty() => format!("{d}（{pointer}）"),
        _ => pointer.to_string(),
    }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(true) => "是".to_string(),
        serde_json::Value::Bool(false) => "否".to_string(),
        serde_json::Value::Null => "无".to_string(),
        serde_json::Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(value_text).collect();
            format!("[{}]", parts.join("、"))
        }
        other => other.to_string(),
    }
}

fn list_suffix(ids: &[&str]) -> String {
    if ids.is_empty() {
        String::new()
    } else if ids.len() <= 12 {
        format!("：{}", ids.join("、"))
    } else {
        let head: Vec<&str> = ids.iter().take(12).copied().collect();
        format!("：{} 等", head.join("、"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        law: &str,
        article: Option<u32>,
        p: Option<u32>,
        i: Option<u32>,
        clause: Option<&str>,
        expect: &str,
    ) {
        let c = CitationOut {
            law: law.into(),
            article,
            paragraph: p,
            item: i,
            clause: clause.map(Into::into),
        };
        assert_eq!(cite_label(&c), expect);
    }

    #[test]
    fn citation_labels() {
        check(
            "中华人民共和国危险化学品安全法",
            Some(39),
            Some(1),
            None,
            None,
            "《中华人民共和国危险化学品安全法》第三十九条第一款",
        );
        check(
            "中华人民共和国刑法",
            Some(134),
            None,
            None,
            Some("1"),
            "《中华人民共和国刑法》第一百三十四条之一",
        );
        check(
            "工贸企业重大事故隐患判定标准",
            Some(11),
            None,
            Some(3),
            None,
            "《工贸企业重大事故隐患判定标准》第十一条第（三）项",
        );
        check(
            "GB 18218-2018",
            None,
            None,
            None,
            Some("4.1.2"),
            "GB 18218-2018 4.1.2",
        );
    }
}
