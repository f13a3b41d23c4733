//! The parser: rule text → spanned AST. The only module that knows pest.
//!
//! A file is cut into chunks at lines that begin (in column 1) with a
//! top-level keyword, and each chunk is parsed on its own, so every broken
//! rule in a file is reported in one run. pest's "expected …" lists are
//! translated into names of language constructs. One `lower_*` function per
//! grammar rule turns pest pairs into AST nodes; pairs never leave this module.
//!
//! ```
//! use regkb::dsl::{parse, SourceFile};
//! let f = SourceFile::new("x.rule", "rule A-1 \"标题\" {\n  require employees > 100 人\n}\n");
//! assert!(parse(&f).is_ok());
//! let bad = SourceFile::new("y.rule", "rule A-1 \"标题\" {\n  require employees >\n}\n");
//! assert!(parse(&bad).is_err());
//! ```

use std::sync::Arc;

use pest::Parser as _;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::ast::*;
use super::diagnostic::Diagnostic;
use super::source::{SourceFile, Span, Spanned};
use crate::check::{Outcome, Severity};
use crate::statute::ArticleNo;
use crate::statute::numeral::parse_chinese_numeral;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/rules.pest"]
struct RuleGrammar;

/// Deepest bracket nesting accepted; deeper input is refused before parsing
/// (the parser and the evaluator recurse on nesting).
pub const MAX_NESTING: usize = 48;

/// Most operators (and brackets, quantifiers, lookups) one expression may
/// hold; keeps the syntax tree shallow enough for every later stage.
pub const MAX_OPERATORS: usize = 300;

/// The infix operators of the expression language.
fn is_binary_operator(r: Rule) -> bool {
    matches!(
        r,
        Rule::or_op
            | Rule::and_op
            | Rule::eq
            | Rule::ne
            | Rule::le
            | Rule::ge
            | Rule::lt
            | Rule::gt
            | Rule::contains_op
            | Rule::in_op
            | Rule::otherwise_op
            | Rule::before_op
            | Rule::after_op
            | Rule::add
            | Rule::sub
            | Rule::mul
            | Rule::div
    )
}

fn is_operator(r: Rule) -> bool {
    is_binary_operator(r)
        || matches!(
            r,
            Rule::not_op
                | Rule::neg
                | Rule::paren
                | Rule::if_expr
                | Rule::quant
                | Rule::list_lit
                | Rule::call
                | Rule::lookup
        )
}

const TOP_KEYWORDS: [&str; 5] = ["rule", "table", "let", "major_hazards", "example"];

/// Parses one rule file, reporting every syntax error in it.
pub fn parse(source: &Arc<SourceFile>) -> Result<File, Vec<Diagnostic>> {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (start, end) in chunks(&source.text) {
        let text = source.text.get(start..end).unwrap_or("");
        let mut lw = Lowerer {
            source,
            offset: start,
            errors: Vec::new(),
        };
        if let Some(pos) = too_deep(text) {
            errors.push(Diagnostic::error(
                source,
                Span::new(start + pos, start + pos + 1),
                format!("括号嵌套超过 {MAX_NESTING} 层"),
                "把表达式拆成几个用 `let` 命名的值",
            ));
            continue;
        }
        match RuleGrammar::parse(Rule::chunk, text) {
            Ok(mut pairs) => {
                if let Some(chunk) = pairs.next() {
                    for pair in chunk.into_inner() {
                        if let Some(item) = lw.lower_item(pair) {
                            items.push(item);
                        }
                    }
                }
                errors.append(&mut lw.errors);
            }
            Err(e) => errors.push(lw.syntax_error(&e, text)),
        }
    }
    if errors.is_empty() {
        Ok(File {
            source: Arc::clone(source),
            items,
        })
    } else {
        Err(errors)
    }
}

/// Byte ranges of the chunks: a new chunk starts at each line beginning with
/// a top-level keyword.
fn chunks(text: &str) -> Vec<(usize, usize)> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset > 0 && starts_item(line) {
            starts.push(offset);
        }
        offset += line.len();
    }
    let mut out = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(text.len());
        out.push((s, e));
    }
    out
}

fn starts_item(line: &str) -> bool {
    TOP_KEYWORDS.iter().any(|k| {
        line.strip_prefix(k)
            .is_some_and(|rest| rest.starts_with([' ', '\t']))
    })
}

/// Offset of the first bracket nested deeper than [`MAX_NESTING`].
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Parses the expression inside a `{…}` hole of an explanation (used by the parser only).
fn parse_hole(lw: &mut Lowerer<'_>, text: &str, offset: usize) -> Option<Expr> {
    let mut sub = Lowerer {
        source: lw.source,
        offset,
        errors: Vec::new(),
    };
    if let Some(pos) = too_deep(text) {
        lw.errors.push(Diagnostic::error(
            lw.source,
            Span::new(offset + pos, offset + pos + 1),
            format!("括号嵌套超过 {MAX_NESTING} 层"),
            "把表达式拆成几个用 `let` 命名的值",
        ));
        return None;
    }
    match RuleGrammar::parse(Rule::template_expr, text) {
        Ok(mut pairs) => {
            let expr = pairs
                .next()
                .and_then(|p| p.into_inner().next())
                .and_then(|p| sub.lower_expr(p));
            lw.errors.append(&mut sub.errors);
            expr
        }
        Err(e) => {
            let mut d = sub.syntax_error(&e, text);
            d.help = format!(
                "{}；说明文字里的 `{{…}}` 写一个值，如 `{{safety_assessment.last_date}}`",
                d.help
            );
            lw.errors.push(d);
            None
        }
    }
}

struct Lowerer<'s> {
    source: &'s Arc<SourceFile>,
    offset: usize,
    errors: Vec<Diagnostic>,
}

fn pratt() -> PrattParser<Rule> {
    PrattParser::new()
        .op(Op::infix(Rule::or_op, Assoc::Left))
        .op(Op::infix(Rule::and_op, Assoc::Left))
        .op(Op::prefix(Rule::not_op))
        .op(Op::infix(Rule::eq, Assoc::Left)
            | Op::infix(Rule::ne, Assoc::Left)
            | Op::infix(Rule::lt, Assoc::Left)
            | Op::infix(Rule::le, Assoc::Left)
            | Op::infix(Rule::gt, Assoc::Left)
            | Op::infix(Rule::ge, Assoc::Left)
            | Op::infix(Rule::contains_op, Assoc::Left)
            | Op::infix(Rule::in_op, Assoc::Left))
        .op(Op::infix(Rule::otherwise_op, Assoc::Left))
        .op(Op::infix(Rule::before_op, Assoc::Left) | Op::infix(Rule::after_op, Assoc::Left))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
        .op(Op::prefix(Rule::neg))
}

impl<'s> Lowerer<'s> {
    fn span(&self, p: &Pair<'_, Rule>) -> Span {
        let s = p.as_span();
        Span::new(self.offset + s.start(), self.offset + s.end())
    }

    fn err(&mut self, span: Span, msg: impl Into<String>, help: impl Into<String>) {
        self.errors
            .push(Diagnostic::error(self.source, span, msg, help));
    }

    fn text(&self, p: &Pair<'_, Rule>) -> Spanned<String> {
        Spanned::new(p.as_str().to_string(), self.span(p))
    }

    fn syntax_error(&self, e: &pest::error::Error<Rule>, text: &str) -> Diagnostic {
        let pos = match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
        let rest = text.get(pos..).unwrap_or("");
        let found: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace())
            .take(20)
            .collect();
        let expected = match &e.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } => {
                let mut names: Vec<&str> = Vec::new();
                for r in positives {
                    let n = describe(*r);
                    if !names.contains(&n) {
                        names.push(n);
                    }
                }
                let value = describe(Rule::expr);
                if names.contains(&value) {
                    names.retain(|n| {
                        *n == value || !matches!(*n, NAME | TEXT | DATE | NUMBER | QUANTITY)
                    });
                }
                if names.len() > 1 {
                    names.retain(|n| *n != COMMENT);
                }
                // the specific constructs first, the generic "another line" last
                names.sort_by_key(|n| [RULE_FIELD, EXAMPLE_BLOCK, TOP_BLOCK].contains(n));
                names
            }
            pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
        };
        // the file ends inside a rule: the missing `}` is the likely mistake
        let expected = if found.is_empty() && expected.contains(&RULE_FIELD) {
            vec![RULE_FIELD]
        } else {
            expected
        };
        let what = if found.is_empty() {
            "规则文本提前结束了".to_string()
        } else {
            format!("这里不能写 `{found}`")
        };
        let msg = if expected.is_empty() {
            what
        } else {
            format!("{what}：此处应为{}", join_or(&expected))
        };
        let width = found.len().max(1);
        let start = self.offset + pos;
        let end = (start + width).min(self.source.text.len()).max(start);
        Diagnostic::error(self.source, Span::new(start, end), msg, help_for(&expected))
            .with_label("从这里起读不懂")
    }

    fn lower_item(&mut self, p: Pair<'_, Rule>) -> Option<Item> {
        Some(match p.as_rule() {
            Rule::comment => {
                // look at the whole file: an empty line counts only when something follows it
                let end = self.offset + p.as_span().end();
                let rest = self.source.text.get(end..).unwrap_or("");
                let after = rest.trim_start();
                let gap = rest.get(..rest.len() - after.len()).unwrap_or("");
                Item::Comment(Comment {
                    text: p.as_str().trim_end().to_string(),
                    blank_after: !after.is_empty() && gap.matches('\n').count() >= 2,
                })
            }
            Rule::rule_def => Item::Rule(self.lower_rule_def(p)?),
            Rule::table_def => Item::Table(self.lower_table_def(p)?),
            Rule::let_def => Item::Let(self.lower_let_def(p)?),
            Rule::hazards_def => Item::Hazards(self.lower_hazards_def(p)?),
            Rule::example_def => Item::Example(self.lower_example_def(p)?),
            _ => return None,
        })
    }

    fn lower_rule_def(&mut self, p: Pair<'_, Rule>) -> Option<RuleDef> {
        let mut inner = p.into_inner();
        let id = self.text(&inner.next()?);
        let title = self.lower_string(inner.next()?);
        let mut fields = Vec::new();
        for f in inner {
            if let Some(field) = self.lower_rule_field(f) {
                fields.push(field);
            }
        }
        Some(RuleDef { id, title, fields })
    }

    fn lower_rule_field(&mut self, p: Pair<'_, Rule>) -> Option<RuleField> {
        let span = self.span(&p);
        Some(match p.as_rule() {
            Rule::comment => RuleField::Comment(p.as_str().trim_end().to_string()),
            Rule::cite => RuleField::Cite(Spanned::new(self.lower_cite(p)?, span)),
            Rule::severity => {
                let v = p.into_inner().next()?;
                let sev = if v.as_str() == "重大隐患" {
                    Severity::Major
                } else {
                    Severity::General
                };
                RuleField::Severity(Spanned::new(sev, span))
            }
            Rule::departments => {
                RuleField::Departments(p.into_inner().map(|d| self.text(&d)).collect())
            }
            Rule::effective => RuleField::Effective(self.lower_effective(p)?),
            Rule::subject => RuleField::Subject(self.lower_string(p.into_inner().next()?)),
            Rule::exception => RuleField::ExceptionTo(self.text(&p.into_inner().next()?)),
            Rule::applies => RuleField::Applies(self.lower_expr(p.into_inner().next()?)?),
            Rule::require => RuleField::Require(self.lower_expr(p.into_inner().next()?)?),
            Rule::explain => RuleField::Explain(self.lower_template(p.into_inner().next()?)),
            Rule::explain_pass => {
                RuleField::ExplainPass(self.lower_template(p.into_inner().next()?))
            }
            Rule::remedy => RuleField::Remedy(self.lower_string(p.into_inner().next()?)),
            Rule::example_def => RuleField::Example(self.lower_example_def(p)?),
            _ => return None,
        })
    }

    fn lower_cite(&mut self, p: Pair<'_, Rule>) -> Option<Citation> {
        let c = p.into_inner().next()?;
        match c.as_rule() {
            Rule::law_cite => self.lower_law_cite(c),
            Rule::standard_cite => self.lower_standard_cite(c),
            _ => None,
        }
    }

    fn lower_law_cite(&mut self, p: Pair<'_, Rule>) -> Option<Citation> {
        let mut law = String::new();
        let mut article_text = String::new();
        let mut article = None;
        let mut paragraph = None;
        let mut item = None;
        for part in p.into_inner() {
            let span = self.span(&part);
            let s = part.as_str();
            match part.as_rule() {
                Rule::law_name => {
                    law = s
                        .trim_start_matches('《')
                        .trim_end_matches('》')
                        .to_string();
                }
                Rule::article_ref => {
                    article_text = s.to_string();
                    match s.parse::<ArticleNo>() {
                        Ok(no) => article = Some(no),
                        Err(_) => self.err(
                            span,
                            format!("`{s}` 不是条号"),
                            "条号写成 第三十九条 或 第39条",
                        ),
                    }
                }
                Rule::paragraph_ref | Rule::item_ref => {
                    let digits = s.trim_start_matches('第').trim_end_matches(['款', '项']);
                    match parse_chinese_numeral(digits).filter(|n| *n > 0) {
                        Some(n) if part.as_rule() == Rule::paragraph_ref => paragraph = Some(n),
                        Some(n) => item = Some(n),
                        None => self.err(
                            span,
                            format!("`{s}` 不是款号或项号"),
                            "写成 第一款、第二项（或 第1款、第2项）",
                        ),
                    }
                }
                _ => {}
            }
        }
        Some(Citation::Law {
            law,
            article_text,
            article: article?,
            paragraph,
            item,
        })
    }

    fn lower_standard_cite(&mut self, p: Pair<'_, Rule>) -> Option<Citation> {
        let mut inner = p.into_inner();
        let code = self.lower_string(inner.next()?).node;
        let clause = inner.next().map(|c| self.lower_string(c).node);
        Some(Citation::Standard { code, clause })
    }

    fn lower_effective(&mut self, p: Pair<'_, Rule>) -> Option<Spanned<Effective>> {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let from = self.lower_date(inner.next()?)?;
        let until = match inner.next() {
            Some(d) => Some(self.lower_date(d)?),
            None => None,
        };
        if let Some(u) = &until
            && u.node <= from.node
        {
            self.err(
                u.span,
                format!("截止日期 `{}` 不晚于起始日期 `{}`", u.node, from.node),
                "`effective from A until B` 里 A 须早于 B（B 是不再有效的第一天）",
            );
            return None;
        }
        Some(Spanned::new(
            Effective {
                from: from.node,
                until: until.map(|u| u.node),
            },
            span,
        ))
    }

    fn lower_date(&mut self, p: Pair<'_, Rule>) -> Option<Spanned<jiff::civil::Date>> {
        let span = self.span(&p);
        match p.as_str().parse::<jiff::civil::Date>() {
            Ok(d) => Some(Spanned::new(d, span)),
            Err(_) => {
                self.err(
                    span,
                    format!("日期 `{}` 不存在", p.as_str()),
                    "日期写成 年-月-日（YYYY-MM-DD），且须是日历上真有的日子，如 2026-02-28，不能写 2026-02-30",
                );
                None
            }
        }
    }

    fn lower_string(&mut self, p: Pair<'_, Rule>) -> Spanned<String> {
        let span = self.span(&p);
        let raw = p.into_inner().next().map(|i| i.as_str()).unwrap_or("");
        Spanned::new(unescape(raw), span)
    }

    fn lower_template(&mut self, p: Pair<'_, Rule>) -> Template {
        let span = self.span(&p);
        let inner = p.into_inner().next();
        let raw = inner.as_ref().map(|i| i.as_str()).unwrap_or("").to_string();
        let raw_start = inner
            .as_ref()
            .map(|i| self.offset + i.as_span().start())
            .unwrap_or(span.start);
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = raw.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\\' {
                if let Some((_, n)) = chars.next() {
                    text.push(unescape_char(n));
                }
                continue;
            }
            if c != '{' {
                text.push(c);
                continue;
            }
            // find the matching close brace, skipping strings
            let mut depth = 1;
            let mut end = None;
            let mut in_str = false;
            for (j, d) in chars.by_ref() {
                match d {
                    '"' => in_str = !in_str,
                    '{' if !in_str => depth += 1,
                    '}' if !in_str => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(j);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let Some(end) = end else {
                self.err(
                    Span::new(raw_start + i, raw_start + i + 1),
                    "这个 `{` 没有配对的 `}`",
                    "说明文字里插入的值写成 `{字段路径}`，如 `{employees}`",
                );
                break;
            };
            if !text.is_empty() {
                parts.push(TemplatePart::Text(std::mem::take(&mut text)));
            }
            let hole = raw.get(i + 1..end).unwrap_or("");
            if let Some(e) = parse_hole(self, hole, raw_start + i + 1) {
                parts.push(TemplatePart::Hole(e));
            }
        }
        if !text.is_empty() {
            parts.push(TemplatePart::Text(text));
        }
        Template {
            raw: Spanned::new(raw, span),
            parts,
        }
    }

    fn lower_table_def(&mut self, p: Pair<'_, Rule>) -> Option<TableDef> {
        let mut inner = p.into_inner();
        let name = self.text(&inner.next()?);
        let path = self.lower_string(inner.next()?);
        let mut fields = Vec::new();
        for f in inner {
            if let Some(field) = self.lower_table_field(f) {
                fields.push(field);
            }
        }
        Some(TableDef { name, path, fields })
    }

    fn lower_table_field(&mut self, p: Pair<'_, Rule>) -> Option<TableField> {
        Some(match p.as_rule() {
            Rule::comment => TableField::Comment(p.as_str().trim_end().to_string()),
            Rule::effective => TableField::Effective(self.lower_effective(p)?),
            Rule::table_key => TableField::Key(p.into_inner().map(|k| self.text(&k)).collect()),
            Rule::table_range => {
                let mut inner = p.into_inner();
                let min = self.text(&inner.next()?);
                let inclusive = inner.next()?.as_str() == "..=";
                let max = self.text(&inner.next()?);
                TableField::Range {
                    min,
                    max,
                    inclusive,
                }
            }
            Rule::column => {
                let mut inner = p.into_inner();
                let name = self.text(&inner.next()?);
                let ty_pair = inner.next()?;
                let ty = match ty_pair.as_str() {
                    "text" => ColumnType::Text,
                    "names" => ColumnType::Names,
                    "number" => ColumnType::Number,
                    _ => ColumnType::Integer,
                };
                let ty = Spanned::new(ty, self.span(&ty_pair));
                let unit = inner.next().and_then(|u| self.lower_unit(u));
                TableField::Column { name, ty, unit }
            }
            _ => return None,
        })
    }

    fn lower_unit(&mut self, p: Pair<'_, Rule>) -> Option<Spanned<UnitLit>> {
        let span = self.span(&p);
        UnitLit::parse(p.as_str()).map(|u| Spanned::new(u, span))
    }

    fn lower_let_def(&mut self, p: Pair<'_, Rule>) -> Option<LetDef> {
        let mut inner = p.into_inner();
        let name = self.text(&inner.next()?);
        let mut params = Vec::new();
        let mut body = None;
        for part in inner {
            match part.as_rule() {
                Rule::params => {
                    for param in part.into_inner() {
                        params.push(self.lower_param(param)?);
                    }
                }
                Rule::expr => body = self.lower_expr(part),
                _ => {}
            }
        }
        Some(LetDef {
            name,
            params,
            body: body?,
        })
    }

    fn lower_param(&mut self, p: Pair<'_, Rule>) -> Option<Param> {
        let mut inner = p.into_inner();
        let name = self.text(&inner.next()?);
        let source = self.lower_path(inner.next()?);
        Some(Param { name, source })
    }

    fn lower_hazards_def(&mut self, p: Pair<'_, Rule>) -> Option<HazardsDef> {
        let mut inner = p.into_inner();
        let var = self.text(&inner.next()?);
        let source = self.lower_path(inner.next()?);
        let mut fields = Vec::new();
        for f in inner {
            match f.as_rule() {
                Rule::comment => {
                    fields.push(HazardField::Comment(f.as_str().trim_end().to_string()))
                }
                Rule::hazard_field => {
                    let mut fi = f.into_inner();
                    let key = self.text(&fi.next()?);
                    if let Some(value) = self.lower_expr(fi.next()?) {
                        fields.push(HazardField::Value { key, value });
                    }
                }
                _ => {}
            }
        }
        Some(HazardsDef {
            var,
            source,
            fields,
        })
    }

    fn lower_example_def(&mut self, p: Pair<'_, Rule>) -> Option<ExampleDef> {
        let mut inner = p.into_inner();
        let name = self.lower_string(inner.next()?);
        let mut fields = Vec::new();
        for f in inner {
            if let Some(field) = self.lower_example_field(f) {
                fields.push(field);
            }
        }
        Some(ExampleDef { name, fields })
    }

    fn lower_example_field(&mut self, p: Pair<'_, Rule>) -> Option<ExampleField> {
        Some(match p.as_rule() {
            Rule::comment => ExampleField::Comment(p.as_str().trim_end().to_string()),
            Rule::example_as_of => ExampleField::AsOf(self.lower_date(p.into_inner().next()?)?),
            Rule::example_record => {
                let obj = p.into_inner().next()?;
                let span = self.span(&obj);
                match serde_json::from_str::<serde_json::Value>(obj.as_str()) {
                    Ok(value) => ExampleField::Record(Spanned::new(
                        RecordLit {
                            value,
                            raw: obj.as_str().to_string(),
                        },
                        span,
                    )),
                    Err(e) => {
                        self.err(
                            span,
                            format!("示例记录不是合法的 JSON：{e}"),
                            "记录按 JSON 写，如 {\"employees\": 120}",
                        );
                        return None;
                    }
                }
            }
            Rule::expect_outcome => {
                let mut rule = None;
                let mut outcome = None;
                let mut explanation = None;
                for part in p.into_inner() {
                    match part.as_rule() {
                        Rule::rule_id => rule = Some(self.text(&part)),
                        Rule::outcome => {
                            let o = match part.as_str() {
                                "pass" => Outcome::Pass,
                                "fail" => Outcome::Fail,
                                "unknown" => Outcome::Unknown,
                                _ => Outcome::NotApplicable,
                            };
                            outcome = Some(Spanned::new(o, self.span(&part)));
                        }
                        Rule::string => explanation = Some(self.lower_string(part)),
                        _ => {}
                    }
                }
                ExampleField::Outcome {
                    rule,
                    outcome: outcome?,
                    explanation,
                }
            }
            Rule::expect_fact => ExampleField::Fact(self.lower_string(p.into_inner().next()?)),
            Rule::expect_conflict => {
                ExampleField::Conflict(p.into_inner().map(|r| self.text(&r)).collect())
            }
            Rule::expect_hazard => {
                let mut inner = p.into_inner();
                let unit = self.lower_string(inner.next()?);
                let mut nums = inner.map(|n| {
                    let span = self.span(&n);
                    n.into_inner()
                        .next()
                        .map(|x| Spanned::new(x.as_str().to_string(), span))
                });
                ExampleField::Hazard {
                    unit,
                    s: nums.next().flatten(),
                    r: nums.next().flatten(),
                    grade: nums.next().flatten(),
                }
            }
            _ => return None,
        })
    }

    fn lower_path(&mut self, p: Pair<'_, Rule>) -> Expr {
        let span = self.span(&p);
        let segs = p.into_inner().map(|s| self.text(&s)).collect();
        Spanned::new(ExprKind::Path(segs), span)
    }

    fn lower_expr(&mut self, p: Pair<'_, Rule>) -> Option<Expr> {
        let ops = p
            .clone()
            .into_inner()
            .flatten()
            .filter(|q| is_operator(q.as_rule()))
            .count();
        if ops > MAX_OPERATORS {
            let span = self.span(&p);
            self.err(
                Span::new(span.start, span.start + 1),
                format!("这个表达式的运算符超过 {MAX_OPERATORS} 个"),
                "用 `let` 拆成几个命名的值，再组合起来",
            );
            return None;
        }
        let offset = self.offset;
        let source = self.source;
        let errors = std::cell::RefCell::new(std::mem::take(&mut self.errors));
        let span_of = |p: &Pair<'_, Rule>| {
            let s = p.as_span();
            Span::new(offset + s.start(), offset + s.end())
        };
        let result = pratt()
            .map_primary(|prim| {
                let mut lw = Lowerer {
                    source,
                    offset,
                    errors: Vec::new(),
                };
                let e = lw.lower_primary(prim);
                errors.borrow_mut().append(&mut lw.errors);
                e
            })
            .map_prefix(|op, rhs| {
                let rhs = rhs?;
                let span = span_of(&op).join(rhs.span);
                let kind = if op.as_rule() == Rule::not_op {
                    ExprKind::Not(Box::new(rhs))
                } else {
                    ExprKind::Neg(Box::new(rhs))
                };
                Some(Spanned::new(kind, span))
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let bin = match op.as_rule() {
                    Rule::or_op => BinOp::Or,
                    Rule::and_op => BinOp::And,
                    Rule::eq => BinOp::Eq,
                    Rule::ne => BinOp::Ne,
                    Rule::lt => BinOp::Lt,
                    Rule::le => BinOp::Le,
                    Rule::gt => BinOp::Gt,
                    Rule::ge => BinOp::Ge,
                    Rule::contains_op => BinOp::Contains,
                    Rule::in_op => BinOp::In,
                    Rule::otherwise_op => BinOp::Otherwise,
                    Rule::before_op => BinOp::Before,
                    Rule::after_op => BinOp::After,
                    Rule::add => BinOp::Add,
                    Rule::sub => BinOp::Sub,
                    Rule::mul => BinOp::Mul,
                    _ => BinOp::Div,
                };
                let span = lhs.span.join(rhs.span);
                Some(Spanned::new(
                    ExprKind::Binary(bin, Box::new(lhs), Box::new(rhs)),
                    span,
                ))
            })
            .parse(p.into_inner());
        self.errors = errors.into_inner();
        result
    }

    fn lower_primary(&mut self, p: Pair<'_, Rule>) -> Option<Expr> {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::paren => ExprKind::Paren(Box::new(self.lower_expr(p.into_inner().next()?)?)),
            Rule::if_expr => {
                let mut inner = p.into_inner();
                let c = self.lower_expr(inner.next()?)?;
                let t = self.lower_expr(inner.next()?)?;
                let e = self.lower_expr(inner.next()?)?;
                ExprKind::If(Box::new(c), Box::new(t), Box::new(e))
            }
            Rule::quant => return self.lower_quant(p),
            Rule::date => ExprKind::Date(self.lower_date(p)?.node),
            Rule::quantity => return self.lower_quantity(p),
            Rule::string => ExprKind::Str(self.lower_string(p).node),
            Rule::bool_lit => ExprKind::Bool(p.as_str() == "true"),
            Rule::none_lit => ExprKind::None,
            Rule::as_of => ExprKind::AsOf,
            Rule::list_lit => {
                let mut items = Vec::new();
                for e in p.into_inner() {
                    items.push(self.lower_expr(e)?);
                }
                ExprKind::List(items)
            }
            Rule::call => {
                let mut inner = p.into_inner();
                let name = self.text(&inner.next()?);
                let mut args = Vec::new();
                let mut fields = Vec::new();
                for part in inner {
                    if part.as_rule() == Rule::field_tail {
                        fields = part.into_inner().map(|f| self.text(&f)).collect();
                    } else {
                        args.push(self.lower_expr(part)?);
                    }
                }
                ExprKind::Call { name, args, fields }
            }
            Rule::lookup => {
                let mut inner = p.into_inner();
                let table = self.text(&inner.next()?);
                let key = self.lower_expr(inner.next()?)?;
                let fields = inner
                    .next()
                    .map(|t| t.into_inner().map(|f| self.text(&f)).collect())
                    .unwrap_or_default();
                ExprKind::Lookup {
                    table,
                    key: Box::new(key),
                    fields,
                }
            }
            Rule::path => return Some(self.lower_path(p)),
            _ => return None,
        };
        Some(Spanned::new(kind, span))
    }

    fn lower_quant(&mut self, p: Pair<'_, Rule>) -> Option<Expr> {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let kind = match inner.next()?.as_str() {
            "any" => QuantKind::Any,
            "all" => QuantKind::All,
            "count" => QuantKind::Count,
            "sum" => QuantKind::Sum,
            _ => QuantKind::List,
        };
        let var = self.text(&inner.next()?);
        let source = self.lower_path(inner.next()?);
        let mut filter = None;
        let mut body = None;
        for part in inner {
            let is_filter = part.as_rule() == Rule::quant_filter;
            let Some(e) = part.into_inner().next() else {
                continue;
            };
            let e = Some(Box::new(self.lower_expr(e)?));
            if is_filter {
                filter = e;
            } else {
                body = e;
            }
        }
        Some(Spanned::new(
            ExprKind::Quant {
                kind,
                var,
                source: Box::new(source),
                filter,
                body,
            },
            span,
        ))
    }

    fn lower_quantity(&mut self, p: Pair<'_, Rule>) -> Option<Expr> {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let num = inner.next()?;
        let text = num.as_str().to_string();
        let value: f64 = match text.parse() {
            Ok(v) => v,
            Err(_) => {
                self.err(
                    span,
                    format!("`{text}` 不是数字"),
                    "用阿拉伯数字写，如 100 或 2.5",
                );
                return None;
            }
        };
        let unit = inner.next().and_then(|u| UnitLit::parse(u.as_str()));
        Some(Spanned::new(ExprKind::Number { text, value, unit }, span))
    }
}

fn unescape_char(c: char) -> char {
    match c {
        'n' => '\n',
        't' => '\t',
        other => other,
    }
}

/// Resolves `\"`, `\\`, `\n`, `\t` in a string literal.
pub(crate) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(unescape_char(n));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes a string for writing between quotes.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            other => out.push(other),
        }
    }
    out
}

fn join_or(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} 或 {last}", init.join("、")),
    }
}

fn help_for(expected: &[&str]) -> String {
    if expected.contains(&SEVERITY) {
        "严重程度只有两种：`一般隐患` 和 `重大隐患`".to_string()
    } else if expected.contains(&OUTCOME) {
        "结论写 pass（符合）、fail（不符合）、unknown（缺少事实）或 not_applicable（不适用）"
            .to_string()
    } else if expected.contains(&ARTICLE) {
        "引用写成 `cite 安全生产法 第二十四条 第二款`，条号用 第…条".to_string()
    } else if expected.contains(&PARAGRAPH) {
        "条号后面可以接款、项：`第二十四条 第二款 第一项`（也可写 第2款 第1项）".to_string()
    } else if expected.contains(&RULE_ID) {
        "规则编号用英文字母、数字和 `-`（如 `WHP-039`、`AQ-024-2`），中文写在后面引号里的标题中"
            .to_string()
    } else if expected.contains(&TEXT) {
        "文字用英文双引号括起来，开头和结尾的 `\"` 要在同一行，如 `\"从业人员超过一百人\"`"
            .to_string()
    } else if expected.contains(&VALUE) {
        "值可以是字段（如 `employees`）、带单位的数量（如 `100 人`、`3 years`）、日期（如 2026-05-01）、引号里的文字或 `as_of`".to_string()
    } else if expected == [RULE_FIELD] {
        "每条规则以单独一行的 `}` 结束，检查是否漏写了 `}`".to_string()
    } else if expected.contains(&RULE_FIELD) {
        "规则里逐行写 `cite …`、`severity 一般隐患`、`departments 应急管理`、`applies when …`、`require …`、`explain \"…\"`、`remedy \"…\"`，最后以 `}` 结束".to_string()
    } else if expected.contains(&TOP_BLOCK) {
        "规则文件由 `rule 编号 \"标题\" { … }`、`table …`、`let …`、`major_hazards …` 和 `example …` 这几种块组成".to_string()
    } else {
        "对照 rules/examples/ 里的示例和 rules/README.md 的写法说明".to_string()
    }
}

const COMMENT: &str = "`#` 注释";
const NAME: &str = "名称";
const TEXT: &str = "双引号里的文字";
const DATE: &str = "日期（YYYY-MM-DD）";
const NUMBER: &str = "数字";
const QUANTITY: &str = "数量与单位（如 `5 t`、`3 years`）";
const RULE_FIELD: &str = "规则条目（`cite`、`severity`、`require` 等）或 `}`";
const EXAMPLE_BLOCK: &str = "示例块（`example`）";
const TOP_BLOCK: &str = "顶层块（`rule`、`table`、`let`、`major_hazards`、`example`）";
const SEVERITY: &str = "严重程度（一般隐患 或 重大隐患）";
const OUTCOME: &str = "结论（pass、fail、unknown、not_applicable）";
const ARTICLE: &str = "条（如 第二十四条）";
const PARAGRAPH: &str = "款（如 第一款）";
const RULE_ID: &str = "规则编号（如 `WHP-039`）";
const VALUE: &str = "值或条件表达式（字段、数量、日期、文字、`as_of`、`any …`、`(` 等）";

/// The name of a language construct, for "expected …" messages.
fn describe(r: Rule) -> &'static str {
    match r {
        Rule::EOI => "文件结尾",
        Rule::comment => COMMENT,
        Rule::chunk | Rule::rule_def | Rule::table_def | Rule::let_def | Rule::hazards_def => {
            TOP_BLOCK
        }
        Rule::example_def => EXAMPLE_BLOCK,
        Rule::ident => NAME,
        Rule::rule_id => RULE_ID,
        Rule::string | Rule::str_inner => TEXT,
        Rule::date => DATE,
        Rule::number => NUMBER,
        Rule::quantity => QUANTITY,
        Rule::unit => "单位（t、kg、m、m³、人、days、months、years）",
        Rule::cite
        | Rule::severity
        | Rule::departments
        | Rule::effective
        | Rule::subject
        | Rule::exception
        | Rule::applies
        | Rule::require
        | Rule::explain
        | Rule::explain_pass
        | Rule::remedy => RULE_FIELD,
        Rule::law_cite | Rule::law_name => "引用（cite）的法律名称（如 安全生产法）",
        Rule::standard_cite => "引用标准（`standard \"GB …\"`）",
        Rule::article_ref => ARTICLE,
        Rule::paragraph_ref => PARAGRAPH,
        Rule::item_ref => "项（如 第二项）",
        Rule::severity_value => SEVERITY,
        Rule::department => "负责部门（如 应急管理）",
        Rule::table_key | Rule::table_range | Rule::column => {
            "表定义行（`key`、`range`、`column`、`effective`）或 `}`"
        }
        Rule::range_op => "`..` 或 `..=`",
        Rule::column_type => "列类型（text、names、number、integer）",
        Rule::params | Rule::param => "参数（如 `(u in units)`）",
        Rule::hazard_field | Rule::hazard_key => {
            "重大危险源报告行（`unit =`、`s =`、`is_major =`、`r =`、`grade =`）或 `}`"
        }
        Rule::example_as_of
        | Rule::example_record
        | Rule::expect_outcome
        | Rule::expect_fact
        | Rule::expect_conflict
        | Rule::expect_hazard => "示例行（`as_of`、`record`、`expect …`）或 `}`",
        Rule::outcome => OUTCOME,
        Rule::opt_number => "数字或 `none`",
        Rule::json_object | Rule::json_array | Rule::json_number | Rule::json_word => "JSON 值",
        Rule::expr
        | Rule::template_expr
        | Rule::paren
        | Rule::if_expr
        | Rule::quant
        | Rule::quant_kind
        | Rule::quant_filter
        | Rule::quant_body
        | Rule::bool_lit
        | Rule::none_lit
        | Rule::as_of
        | Rule::list_lit
        | Rule::call
        | Rule::lookup
        | Rule::path
        | Rule::not_op
        | Rule::neg => VALUE,
        r if is_binary_operator(r) => "运算符（and、or、=、<、>=、+、-、contains、in、before 等）",
        Rule::field_tail => "`.字段`",
        _ => "更多规则文本",
    }
}
