//! The canonical formatter: two-space indentation, one field per line,
//! single spaces around operators, comments kept. `format` is idempotent and
//! `parse(format(x)) == parse(x)`.
//!
//! ```
//! use regkb::dsl::{format_file, parse, SourceFile};
//! let f = parse(&SourceFile::new("a.rule", "let   x=1 t+  2 t")).unwrap();
//! assert_eq!(format_file(&f), "let x = 1 t + 2 t\n");
//! ```

use super::ast::*;
use super::parser::escape;
use crate::check::{Outcome, Severity};

/// Formats a whole file.
pub fn format_file(file: &File) -> String {
    let mut out = String::new();
    let mut prev: Option<&Item> = None;
    for item in &file.items {
        let is_block = !matches!(item, Item::Comment(_) | Item::Let(_));
        let blank = match prev {
            None => false,
            Some(Item::Comment(c)) => c.blank_after,
            Some(Item::Let(_)) => is_block,
            Some(_) => true,
        };
        if blank {
            out.push('\n');
        }
        prev = Some(item);
        match item {
            Item::Comment(c) => line(&mut out, 0, &c.text),
            Item::Rule(r) => rule(&mut out, r),
            Item::Table(t) => table(&mut out, t),
            Item::Let(l) => {
                let params = if l.params.is_empty() {
                    String::new()
                } else {
                    let ps: Vec<String> = l
                        .params
                        .iter()
                        .map(|p| format!("{} in {}", p.name.node, expr(&p.source)))
                        .collect();
                    format!("({})", ps.join(", "))
                };
                line(
                    &mut out,
                    0,
                    &format!("let {}{params} = {}", l.name.node, expr(&l.body)),
                );
            }
            Item::Hazards(h) => {
                line(
                    &mut out,
                    0,
                    &format!("major_hazards for {} in {} {{", h.var.node, expr(&h.source)),
                );
                for f in &h.fields {
                    match f {
                        HazardField::Comment(c) => line(&mut out, 1, c.trim_end()),
                        HazardField::Value { key, value } => {
                            line(&mut out, 1, &format!("{} = {}", key.node, expr(value)))
                        }
                    }
                }
                line(&mut out, 0, "}");
            }
            Item::Example(e) => example(&mut out, 0, e),
        }
    }
    out
}

fn line(out: &mut String, indent: usize, text: &str) {
    for _ in 0..indent {
        out.push_str("  ");
    }
    out.push_str(text);
    out.push('\n');
}

fn quote(s: &str) -> String {
    format!("\"{}\"", escape(s))
}

fn rule(out: &mut String, r: &RuleDef) {
    line(
        out,
        0,
        &format!("rule {} {} {{", r.id.node, quote(&r.title.node)),
    );
    for f in &r.fields {
        match f {
            RuleField::Comment(c) => line(out, 1, c.trim_end()),
            RuleField::Cite(c) => line(out, 1, &format!("cite {}", citation(&c.node))),
            RuleField::Severity(s) => line(
                out,
                1,
                &format!(
                    "severity {}",
                    match s.node {
                        Severity::Major => "重大隐患",
                        Severity::General => "一般隐患",
                    }
                ),
            ),
            RuleField::Departments(ds) => {
                let names: Vec<&str> = ds.iter().map(|d| d.node.as_str()).collect();
                line(out, 1, &format!("departments {}", names.join(", ")));
            }
            RuleField::Effective(e) => line(out, 1, &effective(&e.node)),
            RuleField::Subject(s) => line(out, 1, &format!("subject {}", quote(&s.node))),
            RuleField::ExceptionTo(s) => line(out, 1, &format!("exception to {}", s.node)),
            RuleField::Applies(e) => line(out, 1, &format!("applies when {}", expr(e))),
            RuleField::Require(e) => line(out, 1, &format!("require {}", expr(e))),
            RuleField::Explain(t) => line(out, 1, &format!("explain \"{}\"", t.raw.node)),
            RuleField::ExplainPass(t) => line(out, 1, &format!("explain pass \"{}\"", t.raw.node)),
            RuleField::Remedy(s) => line(out, 1, &format!("remedy {}", quote(&s.node))),
            RuleField::Example(e) => example(out, 1, e),
        }
    }
    line(out, 0, "}");
}

fn citation(c: &Citation) -> String {
    match c {
        Citation::Law {
            law,
            article_text,
            paragraph,
            item,
            ..
        } => {
            let mut s = format!("{law} {article_text}");
            if let Some(p) = paragraph {
                s.push_str(&format!(
                    " 第{}款",
                    crate::statute::numeral::to_chinese_numeral(*p)
                ));
            }
            if let Some(i) = item {
                s.push_str(&format!(
                    " 第{}项",
                    crate::statute::numeral::to_chinese_numeral(*i)
                ));
            }
            s
        }
        Citation::Standard { code, clause } => match clause {
            Some(cl) => format!("standard {} clause {}", quote(code), quote(cl)),
            None => format!("standard {}", quote(code)),
        },
    }
}

fn effective(e: &Effective) -> String {
    match e.until {
        Some(u) => format!("effective from {} until {u}", e.from),
        None => format!("effective from {}", e.from),
    }
}

fn table(out: &mut String, t: &TableDef) {
    line(
        out,
        0,
        &format!("table {} from {} {{", t.name.node, quote(&t.path.node)),
    );
    for f in &t.fields {
        match f {
            TableField::Comment(c) => line(out, 1, c.trim_end()),
            TableField::Effective(e) => line(out, 1, &effective(&e.node)),
            TableField::Key(ks) => {
                let names: Vec<&str> = ks.iter().map(|k| k.node.as_str()).collect();
                line(out, 1, &format!("key {}", names.join(", ")));
            }
            TableField::Range {
                min,
                max,
                inclusive,
            } => line(
                out,
                1,
                &format!(
                    "range {} {} {}",
                    min.node,
                    if *inclusive { "..=" } else { ".." },
                    max.node
                ),
            ),
            TableField::Column { name, ty, unit } => {
                let unit = unit
                    .as_ref()
                    .map(|u| format!(" {}", u.node.word()))
                    .unwrap_or_default();
                line(
                    out,
                    1,
                    &format!("column {}: {}{unit}", name.node, ty.node.word()),
                );
            }
        }
    }
    line(out, 0, "}");
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Unknown => "unknown",
        Outcome::NotApplicable => "not_applicable",
    }
}

fn example(out: &mut String, indent: usize, e: &ExampleDef) {
    line(out, indent, &format!("example {} {{", quote(&e.name.node)));
    for f in &e.fields {
        match f {
            ExampleField::Comment(c) => line(out, indent + 1, c.trim_end()),
            ExampleField::AsOf(d) => line(out, indent + 1, &format!("as_of {}", d.node)),
            ExampleField::Record(r) => {
                line(
                    out,
                    indent + 1,
                    &format!("record {}", json_layout(&r.node.raw)),
                );
            }
            ExampleField::Outcome {
                rule,
                outcome,
                explanation,
            } => {
                let mut s = String::from("expect ");
                if let Some(r) = rule {
                    s.push_str(&r.node);
                    s.push(' ');
                }
                s.push_str(outcome_word(outcome.node));
                if let Some(e) = explanation {
                    s.push(' ');
                    s.push_str(&quote(&e.node));
                }
                line(out, indent + 1, &s);
            }
            ExampleField::Fact(p) => {
                line(out, indent + 1, &format!("expect fact {}", quote(&p.node)))
            }
            ExampleField::Conflict(ids) => {
                let names: Vec<&str> = ids.iter().map(|i| i.node.as_str()).collect();
                line(
                    out,
                    indent + 1,
                    &format!("expect conflict {}", names.join(", ")),
                );
            }
            ExampleField::Hazard { unit, s, r, grade } => {
                let n = |x: &Option<crate::dsl::Spanned<String>>| {
                    x.as_ref()
                        .map(|v| v.node.clone())
                        .unwrap_or_else(|| "none".into())
                };
                line(
                    out,
                    indent + 1,
                    &format!(
                        "expect hazard {} s = {} r = {} grade = {}",
                        quote(&unit.node),
                        n(s),
                        n(r),
                        n(grade)
                    ),
                );
            }
        }
    }
    line(out, indent, "}");
}

/// Formats an expression on one line.
pub fn expr(e: &Expr) -> String {
    match &e.node {
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::None => "none".into(),
        ExprKind::AsOf => "as_of".into(),
        ExprKind::Number { text, unit, .. } => match unit {
            Some(u) => format!("{text} {}", u.word()),
            None => text.clone(),
        },
        ExprKind::Str(s) => quote(s),
        ExprKind::Date(d) => d.to_string(),
        ExprKind::List(items) => {
            let parts: Vec<String> = items.iter().map(expr).collect();
            format!("[{}]", parts.join(", "))
        }
        ExprKind::Path(segs) => segs
            .iter()
            .map(|s| s.node.as_str())
            .collect::<Vec<_>>()
            .join("."),
        ExprKind::Lookup { table, key, fields } => {
            format!("{}[{}]{}", table.node, expr(key), tail(fields))
        }
        ExprKind::Call { name, args, fields } => {
            let a: Vec<String> = args.iter().map(expr).collect();
            format!("{}({}){}", name.node, a.join(", "), tail(fields))
        }
        ExprKind::Paren(inner) => format!("({})", expr(inner)),
        ExprKind::Not(inner) => format!("not {}", expr(inner)),
        ExprKind::Neg(inner) => format!("-{}", expr(inner)),
        ExprKind::Binary(op, l, r) => {
            // the AST keeps the author's parentheses, so printing the
            // operands as they are reproduces the same tree
            format!("{} {} {}", expr(l), op.word(), expr(r))
        }
        ExprKind::If(c, t, f) => format!("if {} then {} else {}", expr(c), expr(t), expr(f)),
        ExprKind::Quant {
            kind,
            var,
            source,
            filter,
            body,
        } => {
            let mut s = format!("{} {} in {}", kind.word(), var.node, expr(source));
            if let Some(f) = filter {
                s.push_str(&format!(" where {}", expr(f)));
            }
            if let Some(b) = body {
                s.push_str(&format!(" {{ {} }}", expr(b)));
            }
            s
        }
    }
}

fn tail(fields: &[crate::dsl::Spanned<String>]) -> String {
    fields.iter().map(|f| format!(".{}", f.node)).collect()
}

/// Re-spaces JSON text as written: one space after `:` and `,`, none
/// elsewhere outside strings; key order and number spelling are kept.
fn json_layout(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut in_str = false;
    let mut escaped = false;
    for c in raw.chars() {
        if in_str {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            ':' | ',' => {
                out.push(c);
                out.push(' ');
            }
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}
