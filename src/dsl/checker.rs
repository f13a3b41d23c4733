//! The checker: parsed files → [`CheckedProgram`]. Resolves every name
//! (fields against the record schema, variables, derived values, tables),
//! types every expression with units and durations, reads the CSV tables,
//! resolves citations, and reports all problems at once in plain words.
//!
//! ```
//! use regkb::dsl::{check, parse, SourceFile, NoTables};
//! use regkb::record::Schema;
//! let f = parse(&SourceFile::new("a.rule", "let x = 1 t + 500 kg\n")).unwrap();
//! let checked = check(&[f], &Schema::default(), &NoTables, None).unwrap();
//! assert_eq!(checked.program.derived_names().collect::<Vec<_>>(), ["x"]);
//! ```

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jiff::civil::Date;

use super::ast::*;
use super::citations::{CitationResolver, Resolution, full_law_title};
use super::diagnostic::Diagnostic;
use super::program::*;
use super::source::{SourceFile, Span, Spanned};
use super::table::{Column, Table, TableVersion, read_csv};
use super::types::{Dim, DurKind, Ty};
use crate::check::{CitationOut, Severity};
use crate::record::{FieldType, Schema};

/// Reads CSV files named in `table … from "path"` declarations.
pub trait TableReader {
    /// The file's text, or a message saying why it cannot be read.
    fn read(&self, path: &str) -> Result<String, String>;
}

impl<F: Fn(&str) -> Result<String, String>> TableReader for F {
    fn read(&self, path: &str) -> Result<String, String> {
        self(path)
    }
}

/// A reader for programs without tables: every read fails.
pub struct NoTables;

impl TableReader for NoTables {
    fn read(&self, path: &str) -> Result<String, String> {
        Err(format!("没有可读的表文件（要读的是 `{path}`）"))
    }
}

/// A checked program and the warnings found on the way.
#[derive(Debug)]
pub struct Checked {
    pub program: CheckedProgram,
    pub warnings: Vec<Diagnostic>,
}

/// Longest chain of derived values built on each other.
pub const MAX_LET_DEPTH: usize = 32;

/// Departments a rule may name.
pub const DEPARTMENTS: [&str; 12] = [
    "应急管理",
    "消防救援",
    "市场监管",
    "卫生健康",
    "公安",
    "住房城乡建设",
    "交通运输",
    "生态环境",
    "自然资源",
    "人力资源社会保障",
    "综合执法",
    "乡镇街道",
];

/// Checks parsed files into one program. Reports every error (and returns
/// them all) or the program plus warnings.
pub fn check(
    files: &[File],
    schema: &Schema,
    tables: &dyn TableReader,
    citations: Option<&dyn CitationResolver>,
) -> Result<Checked, Vec<Diagnostic>> {
    let mut ck = Checker {
        schema,
        root: Arc::new(schema.root.clone()),
        diags: Vec::new(),
        tables: Vec::new(),
        table_index: HashMap::new(),
        lets: Vec::new(),
        let_index: HashMap::new(),
        let_state: Vec::new(),
        let_out: Vec::new(),
        let_depth: 0,
        ctx: String::new(),
        source: None,
    };
    ck.collect_tables(files, tables);
    ck.collect_lets(files);
    for i in 0..ck.lets.len() {
        ck.ensure_let(i);
    }
    let rules = ck.check_rules(files, citations);
    let hazards = ck.check_hazards(files);
    let examples = ck.check_examples(files, &rules);
    let (errors, warnings): (Vec<_>, Vec<_>) = ck.diags.into_iter().partition(|d| d.is_error());
    if !errors.is_empty() {
        let mut all = errors;
        all.extend(warnings);
        return Err(all);
    }
    let lets = ck
        .let_out
        .into_iter()
        .map(|l| l.map(|(c, _)| c))
        .collect::<Option<Vec<_>>>()
        .unwrap_or_default();
    let mut program = CheckedProgram {
        rules,
        lets,
        tables: ck.tables,
        hazards,
        examples,
        labels: schema
            .descriptions
            .iter()
            .map(|(k, v)| (k.clone(), short_label(v)))
            .collect(),
        root_fields: 0,
        root_lists: 0,
        plan: std::sync::OnceLock::new(),
    };
    program.number_root_fields();
    Ok(Checked { program, warnings })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LetState {
    Todo,
    Busy,
    Done,
}

struct LetSrc<'f> {
    def: &'f LetDef,
    source: Arc<SourceFile>,
}

struct Checker<'a, 'f> {
    schema: &'a Schema,
    root: Arc<BTreeMap<String, FieldType>>,
    diags: Vec<Diagnostic>,
    tables: Vec<Table>,
    table_index: HashMap<String, usize>,
    lets: Vec<LetSrc<'f>>,
    let_index: HashMap<String, usize>,
    let_state: Vec<LetState>,
    /// Checked lets and their result types (None when the body had errors).
    let_out: Vec<Option<(CLet, Ty)>>,
    /// How many derived values are being checked inside each other.
    let_depth: usize,
    /// "rule `X`" / "derived value `S`": said in messages.
    ctx: String,
    source: Option<Arc<SourceFile>>,
}

/// Variables in scope and slot numbering for one rule or derived value.
#[derive(Default)]
struct Scope {
    vars: Vec<Var>,
    next: usize,
    max: usize,
}

#[derive(Clone)]
struct Var {
    name: String,
    ty: Ty,
    slot: usize,
    /// Schema path of the items (`units[].chemicals[]`), for messages.
    path: String,
}

impl Scope {
    fn push(&mut self, name: &str, ty: Ty, path: String) -> usize {
        let slot = self.next;
        self.next += 1;
        self.max = self.max.max(self.next);
        self.vars.push(Var {
            name: name.to_string(),
            ty,
            slot,
            path,
        });
        slot
    }

    fn pop(&mut self) {
        self.vars.pop();
        self.next = self.next.saturating_sub(1);
    }

    fn get(&self, name: &str) -> Option<&Var> {
        self.vars.iter().rev().find(|v| v.name == name)
    }
}

type Typed = (Ir, Ty);

impl<'a, 'f> Checker<'a, 'f> {
    fn err(&mut self, span: Span, msg: impl Into<String>, help: impl Into<String>) {
        if let Some(src) = &self.source {
            let msg = msg.into();
            let msg = if self.ctx.is_empty() {
                msg
            } else {
                format!("{}：{msg}", self.ctx)
            };
            self.diags.push(Diagnostic::error(src, span, msg, help));
        }
    }

    fn warn(&mut self, span: Span, msg: impl Into<String>, help: impl Into<String>) {
        if let Some(src) = &self.source {
            let msg = msg.into();
            let msg = if self.ctx.is_empty() {
                msg
            } else {
                format!("{}：{msg}", self.ctx)
            };
            self.diags.push(Diagnostic::warning(src, span, msg, help));
        }
    }

    fn enter(&mut self, file: &File, ctx: String) {
        self.source = Some(Arc::clone(&file.source));
        self.ctx = ctx;
    }

    fn describe_path(&self, path: &str) -> String {
        let plain = path.replace("[]", "");
        let desc = self
            .schema
            .descriptions
            .get(path)
            .or_else(|| self.schema.descriptions.get(&plain));
        match desc {
            Some(d) => format!("`{plain}`（{d}）"),
            None => format!("`{plain}`"),
        }
    }

    // ───────────── tables ─────────────

    fn collect_tables(&mut self, files: &[File], reader: &dyn TableReader) {
        for file in files {
            for item in &file.items {
                let Item::Table(def) = item else { continue };
                self.enter(file, format!("表 `{}`", def.name.node));
                self.check_table(def, reader);
            }
        }
    }

    fn check_table(&mut self, def: &TableDef, reader: &dyn TableReader) {
        let mut columns = Vec::new();
        let mut keys = Vec::new();
        let mut range = None;
        let mut effective = None;
        for f in &def.fields {
            match f {
                TableField::Column { name, ty, unit } => {
                    let (dim, scale) = match unit.as_ref().map(|u| u.node) {
                        None => (Dim::Free, 1.0),
                        Some(u) => match unit_of(u) {
                            Ok(UnitKind::Dim(d, s)) => (d, s),
                            _ => {
                                if let Some(u) = unit {
                                    self.err(
                                        u.span,
                                        "表的列不能存放时长",
                                        "列的单位只能是质量（t、kg）、长度（m）、体积（m³）或人数（人）",
                                    );
                                }
                                (Dim::Free, 1.0)
                            }
                        },
                    };
                    if matches!(ty.node, ColumnType::Text | ColumnType::Names) && unit.is_some() {
                        self.err(
                            ty.span,
                            "文字列不能带单位",
                            "单位只加在 number 或 integer 列上",
                        );
                    }
                    if columns.iter().any(|c: &Column| c.name == name.node) {
                        self.err(
                            name.span,
                            format!("列 `{}` 声明了两次", name.node),
                            "删掉其中一个声明",
                        );
                    }
                    columns.push(Column {
                        name: name.node.clone(),
                        ty: ty.node,
                        dim,
                        scale,
                    });
                }
                TableField::Key(ks) => keys.extend(ks.iter().cloned()),
                TableField::Range {
                    min,
                    max,
                    inclusive,
                } => range = Some((min.clone(), max.clone(), *inclusive)),
                TableField::Effective(e) => effective = Some(e.node),
                TableField::Comment(_) => {}
            }
        }
        let mut key_ix = Vec::new();
        for k in &keys {
            match columns.iter().position(|c| c.name == k.node) {
                Some(i)
                    if matches!(
                        columns.get(i).map(|c| c.ty),
                        Some(ColumnType::Text | ColumnType::Names)
                    ) =>
                {
                    key_ix.push(i)
                }
                Some(_) => self.err(
                    k.span,
                    format!("查找键 `{}` 不是 text 或 names 列", k.node),
                    "按数值查找请用 `range 下限列 .. 上限列`",
                ),
                None => self.err(
                    k.span,
                    format!("`{}` 不是已声明的列", k.node),
                    "先用 `column 列名: text` 声明它",
                ),
            }
        }
        let mut range_ix = None;
        if let Some((min, max, incl)) = &range {
            let lo = columns.iter().position(|c| {
                c.name == min.node && matches!(c.ty, ColumnType::Number | ColumnType::Integer)
            });
            let hi = columns.iter().position(|c| {
                c.name == max.node && matches!(c.ty, ColumnType::Number | ColumnType::Integer)
            });
            match (lo, hi) {
                (Some(lo), Some(hi)) => range_ix = Some((lo, hi, *incl)),
                _ => self.err(
                    min.span.join(max.span),
                    "`range` 需要两个已声明的数值列",
                    "先声明 `column min_x: number` 和 `column max_x: number`",
                ),
            }
        }
        if key_ix.is_empty() && range_ix.is_none() {
            self.err(
                def.name.span,
                "这张表既没有 `key` 也没有 `range`，无法查找",
                "加上 `key 列名`（按文字查找）或 `range 下限列 .. 上限列`（按数值查找）",
            );
        }
        let path = def.path.node.clone();
        if path.contains("..") || path.starts_with('/') {
            self.err(def.path.span, format!("`{path}` 必须是 tables 文件夹里的路径"), "写相对 rules/tables/ 的路径，如 \"gb18218-2018/table5-alpha-exposed-population.csv\"");
            return;
        }
        let rows = match reader.read(&path) {
            Ok(text) => {
                let csv_src = SourceFile::new(format!("tables/{path}"), text);
                match read_csv(&csv_src.text, &columns) {
                    Ok(rows) => rows,
                    Err(problems) => {
                        for p in problems {
                            let span = line_span(&csv_src.text, p.line);
                            self.diags.push(Diagnostic::error(
                                &csv_src,
                                span,
                                format!("表 `{}`：{}", def.name.node, p.message),
                                p.help,
                            ));
                        }
                        return;
                    }
                }
            }
            Err(e) => {
                self.err(
                    def.path.span,
                    format!("读不了表文件 `{path}`：{e}"),
                    "表文件放在 rules/tables/ 下，把 CSV 文件复制到那里",
                );
                return;
            }
        };
        let version = TableVersion::new(effective, rows, path, &key_ix);
        if let Some(&ix) = self.table_index.get(&def.name.node) {
            let Some(existing) = self.tables.get_mut(ix) else {
                return;
            };
            let same = existing.columns.len() == columns.len()
                && existing
                    .columns
                    .iter()
                    .zip(&columns)
                    .all(|(a, b)| a.name == b.name && a.ty == b.ty && a.dim == b.dim);
            let overlap = existing
                .versions
                .iter()
                .any(|v| overlaps(v.effective, effective));
            if !same {
                self.err(
                    def.name.span,
                    "这个版本的表声明的列与前一版本不同",
                    "同一张表的各个版本须声明相同的列、查找键和单位",
                );
            } else if overlap {
                self.err(
                    def.name.span,
                    "这个版本的施行期间与另一版本重叠",
                    "给每个版本写互不重叠的 `effective from … until …` 日期",
                );
            } else {
                existing.versions.push(version);
                existing
                    .versions
                    .sort_by_key(|v| v.effective.map(|e| e.from));
            }
            return;
        }
        self.table_index
            .insert(def.name.node.clone(), self.tables.len());
        self.tables.push(Table {
            name: def.name.node.clone(),
            columns,
            keys: key_ix,
            range: range_ix,
            versions: vec![version],
        });
    }

    // ───────────── derived values ─────────────

    fn collect_lets(&mut self, files: &'f [File]) {
        for file in files {
            for item in &file.items {
                let Item::Let(def) = item else { continue };
                if self.let_index.contains_key(&def.name.node)
                    || self.table_index.contains_key(&def.name.node)
                {
                    self.enter(file, String::new());
                    self.err(
                        def.name.span,
                        format!("名称 `{}` 已经用过了", def.name.node),
                        "每个派生值和表各用一个名称",
                    );
                    continue;
                }
                if self.root.contains_key(&def.name.node) {
                    self.enter(file, String::new());
                    self.err(
                        def.name.span,
                        format!("`{}` 是记录里的字段，不能用作派生值的名称", def.name.node),
                        "换一个名称",
                    );
                    continue;
                }
                self.let_index
                    .insert(def.name.node.clone(), self.lets.len());
                self.lets.push(LetSrc {
                    def,
                    source: Arc::clone(&file.source),
                });
                self.let_state.push(LetState::Todo);
                self.let_out.push(None);
            }
        }
    }

    /// Checks derived value `i` (and, first, those it uses). Returns its type.
    fn ensure_let(&mut self, i: usize) -> Option<Ty> {
        match self.let_state.get(i).copied()? {
            LetState::Done => return self.let_out.get(i)?.as_ref().map(|(_, t)| t.clone()),
            LetState::Busy => return None,
            LetState::Todo => {}
        }
        if self.let_depth >= MAX_LET_DEPTH {
            let (name, source) = {
                let l = self.lets.get(i)?;
                (l.def.name.clone(), Arc::clone(&l.source))
            };
            self.diags.push(Diagnostic::error(
                &source,
                name.span,
                format!(
                    "派生值 `{}` 层层依赖的其他派生值超过 {MAX_LET_DEPTH} 层",
                    name.node
                ),
                "改为更直接地从记录字段计算",
            ));
            return None;
        }
        self.let_depth += 1;
        let ty = self.check_let(i);
        self.let_depth -= 1;
        ty
    }

    fn check_let(&mut self, i: usize) -> Option<Ty> {
        if let Some(s) = self.let_state.get_mut(i) {
            *s = LetState::Busy;
        }
        let (def, source) = {
            let l = self.lets.get(i)?;
            (l.def, Arc::clone(&l.source))
        };
        let saved = (self.source.replace(source), std::mem::take(&mut self.ctx));
        self.ctx = format!("派生值 `{}`", def.name.node);
        let mut scope = Scope::default();
        let mut ok = true;
        for p in &def.params {
            match self.quant_source(&p.source, &scope) {
                Some((_, _, elem, path)) => {
                    scope.push(&p.name.node, elem, path);
                }
                None => ok = false,
            }
        }
        let body = if ok {
            self.expr(&def.body, &mut scope)
        } else {
            None
        };
        let out = body.map(|(ir, ty)| {
            (
                CLet {
                    name: def.name.node.clone(),
                    body: ir,
                    slots: scope.max,
                },
                ty,
            )
        });
        let ty = out.as_ref().map(|(_, t)| t.clone());
        if let Some(slot) = self.let_out.get_mut(i) {
            *slot = out;
        }
        if let Some(s) = self.let_state.get_mut(i) {
            *s = LetState::Done;
        }
        self.source = saved.0;
        self.ctx = saved.1;
        ty
    }

    fn param_types(&mut self, i: usize) -> Vec<Ty> {
        let Some(def) = self.lets.get(i).map(|l| l.def) else {
            return Vec::new();
        };
        let scope = Scope::default();
        let saved = std::mem::take(&mut self.diags);
        let tys = def
            .params
            .iter()
            .filter_map(|p| self.quant_source(&p.source, &scope).map(|(_, _, t, _)| t))
            .collect();
        self.diags = saved;
        tys
    }

    // ───────────── rules ─────────────

    fn check_rules(
        &mut self,
        files: &[File],
        citations: Option<&dyn CitationResolver>,
    ) -> Vec<CRule> {
        let mut out: Vec<CRule> = Vec::new();
        let mut spans: HashMap<String, Vec<Version>> = HashMap::new();
        let mut exceptions = Vec::new();
        for file in files {
            for item in &file.items {
                let Item::Rule(def) = item else { continue };
                self.enter(file, format!("规则 `{}`", def.id.node));
                if let Some(r) = self.check_rule(def, file, citations) {
                    let eff = r.meta.effective_from.map(|from| Effective {
                        from,
                        until: r.meta.effective_until,
                    });
                    let versions = spans.entry(r.meta.id.clone()).or_default();
                    if versions.iter().any(|(e, _, _)| overlaps(*e, eff)) {
                        self.err(def.id.span, format!("另一条编号同为 `{}` 的规则在部分相同日期也有效", def.id.node), "给同一规则的各版本写互不重叠的 `effective from … until …` 日期，或换一个新编号");
                    }
                    versions.push((eff, def.id.span, Arc::clone(&file.source)));
                    if let Some(base) = def.fields.iter().find_map(|f| match f {
                        RuleField::ExceptionTo(b) => Some(b.clone()),
                        _ => None,
                    }) {
                        exceptions.push((base, Arc::clone(&file.source), def.id.node.clone()));
                    }
                    out.push(r);
                }
            }
        }
        for (base, src, id) in exceptions {
            if !spans.contains_key(&base.node) {
                self.source = Some(src);
                self.ctx = format!("规则 `{id}`");
                self.err(
                    base.span,
                    format!("它标为 `{}` 的例外，但没有这个编号的规则", base.node),
                    {
                        let ids: Vec<&str> = spans.keys().map(String::as_str).collect();
                        match closest(&base.node, &ids) {
                            Some(n) => format!("是不是想写 `{n}`？"),
                            None => "写上本规则所收紧或放宽的国家（或一般）规则的编号".to_string(),
                        }
                    },
                );
            } else if base.node == id {
                self.source = Some(src);
                self.ctx = format!("规则 `{id}`");
                self.err(
                    base.span,
                    "规则不能是它自己的例外",
                    "写上本规则所偏离的一般规则的编号",
                );
            }
        }
        out.sort_by(|a, b| {
            (a.meta.id.as_str(), a.meta.effective_from)
                .cmp(&(b.meta.id.as_str(), b.meta.effective_from))
        });
        out
    }

    fn check_rule(
        &mut self,
        def: &RuleDef,
        file: &File,
        citations: Option<&dyn CitationResolver>,
    ) -> Option<CRule> {
        let mut cites = Vec::new();
        let mut severity: Option<Spanned<Severity>> = None;
        let mut departments: Vec<Spanned<String>> = Vec::new();
        let mut effective: Option<Effective> = None;
        let mut subject = None;
        let mut exception_to = None;
        let mut applies = None;
        let mut require = None;
        let mut explain = None;
        let mut explain_pass = None;
        let mut remedy = None;
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for f in &def.fields {
            let (key, span) = match f {
                RuleField::Severity(s) => ("severity", s.span),
                RuleField::Effective(e) => ("effective", e.span),
                RuleField::Subject(s) => ("subject", s.span),
                RuleField::ExceptionTo(s) => ("exception to", s.span),
                RuleField::Applies(e) => ("applies when", e.span),
                RuleField::Require(e) => ("require", e.span),
                RuleField::Explain(t) => ("explain", t.raw.span),
                RuleField::ExplainPass(t) => ("explain pass", t.raw.span),
                RuleField::Remedy(s) => ("remedy", s.span),
                RuleField::Departments(d) => {
                    ("departments", d.first().map(|d| d.span).unwrap_or_default())
                }
                _ => ("", Span::default()),
            };
            if !key.is_empty() && seen.insert(key, span).is_some() {
                self.err(
                    span,
                    format!("`{key}` 写了两次"),
                    "每条规则每项只写一次；把两行合并（条件用 `and` / `or` 连接）",
                );
            }
        }
        let mut scope = Scope::default();
        for f in &def.fields {
            match f {
                RuleField::Cite(c) => cites.push(c.clone()),
                RuleField::Severity(s) => severity = Some(s.clone()),
                RuleField::Departments(d) => departments = d.clone(),
                RuleField::Effective(e) => effective = Some(e.node),
                RuleField::Subject(s) => subject = Some(s.node.clone()),
                RuleField::ExceptionTo(s) => exception_to = Some(s.node.clone()),
                RuleField::Applies(e) => applies = Some(e),
                RuleField::Require(e) => require = Some(e),
                RuleField::Explain(t) => explain = Some(t),
                RuleField::ExplainPass(t) => explain_pass = Some(t),
                RuleField::Remedy(s) => remedy = Some(s.node.clone()),
                RuleField::Comment(_) | RuleField::Example(_) => {}
            }
        }
        let head = def.id.span.join(def.title.span);
        if cites.is_empty() {
            self.err(head, "没有引用（cite）任何条款", "每条规则至少要有一行 `cite 安全生产法 第二十四条`（或 `cite standard \"GB 18218-2018\" clause \"4.2\"`）");
        }
        if severity.is_none() {
            self.err(
                head,
                "没有写严重程度（severity）",
                "加一行 `severity 一般隐患` 或 `severity 重大隐患`",
            );
        }
        if departments.is_empty() {
            self.err(
                head,
                "没有写负责部门（departments）",
                format!(
                    "加一行如 `departments 应急管理`；可用的部门：{}",
                    DEPARTMENTS.join("、")
                ),
            );
        }
        for d in &departments {
            if !DEPARTMENTS.contains(&d.node.as_str()) {
                self.err(
                    d.span,
                    format!("`{}` 不是已知的部门", d.node),
                    department_help(&d.node),
                );
            }
        }
        if require.is_none() {
            self.err(
                head,
                "没有 `require` 行",
                "写明必须满足的条件，如 `require safety_assessment.last_date >= as_of - 3 years`",
            );
        }
        if explain.is_none() {
            self.err(head, "没有 `explain` 行", "写上不符合时显示的说明，如 `explain \"上次安全评价为{safety_assessment.last_date}\"`");
        }
        if remedy.is_none() {
            self.err(
                head,
                "没有 `remedy` 行",
                "写明企业应当怎么整改，如 `remedy \"委托有资质的机构进行安全评价\"`",
            );
        }
        let citations_out: Vec<CitationOut> = cites
            .iter()
            .map(|c| self.check_citation(c, effective, citations))
            .collect();
        let applies_ir = applies.and_then(|e| self.bool_expr(e, &mut scope, "`applies when`"));
        let require_ir = require.and_then(|e| self.bool_expr(e, &mut scope, "`require`"));
        let explain_ir = explain.and_then(|t| self.template(t, &mut scope));
        let explain_pass_ir = explain_pass.and_then(|t| self.template(t, &mut scope));
        let (line, _) = file.source.line_col(def.id.span.start);
        Some(CRule {
            meta: RuleMeta {
                id: def.id.node.clone(),
                title: def.title.node.clone(),
                citations: citations_out,
                severity: severity?.node,
                departments: departments.iter().map(|d| d.node.clone()).collect(),
                effective_from: effective.map(|e| e.from),
                effective_until: effective.and_then(|e| e.until),
                subject,
                exception_to,
                remedy: remedy?,
                location: format!("{}:{line}", file.source.name),
            },
            applies: match applies {
                Some(_) => Some(applies_ir?),
                None => None,
            },
            require: require_ir?,
            explain: explain_ir?,
            explain_pass: match explain_pass {
                Some(_) => Some(explain_pass_ir?),
                None => None,
            },
            slots: scope.max,
        })
    }

    fn check_citation(
        &mut self,
        c: &Spanned<Citation>,
        eff: Option<Effective>,
        resolver: Option<&dyn CitationResolver>,
    ) -> CitationOut {
        match &c.node {
            Citation::Standard { code, clause } => CitationOut {
                law: code.clone(),
                article: None,
                paragraph: None,
                item: None,
                clause: clause.clone(),
            },
            Citation::Law {
                law,
                article_text,
                article,
                paragraph,
                item,
            } => {
                let mut title = full_law_title(law);
                if let Some(r) = resolver {
                    let on = eff.map(|e| e.from);
                    match r.resolve(law, *article, *paragraph, *item, on) {
                        Resolution::Found {
                            full_title,
                            in_force_on_date,
                        } => {
                            title = full_title;
                            if !in_force_on_date {
                                let day = on
                                    .map(|d| format!("规则的起始日 {d} "))
                                    .unwrap_or_else(|| "今天".into());
                                self.warn(c.span, format!("{title}{article_text}在{day}尚未施行或已失效"), "核对规则的 `effective from` 日期与法律的施行日期，或引用当时有效的版本");
                            }
                        }
                        Resolution::NoSuchLaw => self.warn(
                            c.span,
                            format!("已导入的法规库里没有 `{law}`，无法核对这条引用"),
                            "检查法律名称，或先导入这部法律（`regkb import …`）",
                        ),
                        Resolution::NoSuchArticle { full_title } => self.err(
                            c.span,
                            format!(
                                "{full_title}没有{article_text}{}{}",
                                paragraph
                                    .map(|p| format!(
                                        "第{}款",
                                        crate::statute::numeral::to_chinese_numeral(p)
                                    ))
                                    .unwrap_or_default(),
                                item.map(|i| format!(
                                    "第{}项",
                                    crate::statute::numeral::to_chinese_numeral(i)
                                ))
                                .unwrap_or_default()
                            ),
                            "对照法规原文核对条号（`regkb show …`）",
                        ),
                    }
                }
                CitationOut {
                    law: title,
                    article: Some(article.number),
                    paragraph: *paragraph,
                    item: *item,
                    clause: (article.sub > 0).then(|| {
                        format!(
                            "之{}",
                            crate::statute::numeral::to_chinese_numeral(article.sub)
                        )
                    }),
                }
            }
        }
    }

    fn template(&mut self, t: &Template, scope: &mut Scope) -> Option<Vec<CPart>> {
        let mut out = Vec::new();
        let mut ok = true;
        for p in &t.parts {
            match p {
                TemplatePart::Text(s) => out.push(CPart::Text(s.clone())),
                TemplatePart::Hole(e) => {
                    match self.expr(e, scope) {
                        Some((ir, ty)) => {
                            if matches!(ty, Ty::Record(_) | Ty::Row(..))
                                || matches!(&ty, Ty::List(inner) if matches!(**inner, Ty::Record(_)))
                            {
                                self.err(e.span, format!("{}不能直接写进说明文字", ty.describe()), "写它的某个字段，如 `{w.name}`，或用 `{list w in … { w.name }}`");
                                ok = false;
                            } else {
                                out.push(CPart::Hole(ir, ty));
                            }
                        }
                        None => ok = false,
                    }
                }
            }
        }
        ok.then_some(out)
    }

    // ───────────── major hazards ─────────────

    fn check_hazards(&mut self, files: &[File]) -> Option<CHazards> {
        let mut found: Option<CHazards> = None;
        for file in files {
            for item in &file.items {
                let Item::Hazards(def) = item else { continue };
                self.enter(file, "重大危险源报告（`major_hazards`）".into());
                if found.is_some() {
                    self.err(
                        def.var.span,
                        "已经有一个 `major_hazards` 报告了",
                        "整个规则包只保留一个报告",
                    );
                    continue;
                }
                let mut scope = Scope::default();
                let Some((base, path, elem, ppath)) = self.quant_source(&def.source, &scope) else {
                    continue;
                };
                if base != Base::Root {
                    continue;
                }
                scope.push(&def.var.node, elem, ppath);
                let mut vals: HashMap<&str, Typed> = HashMap::new();
                for f in &def.fields {
                    let HazardField::Value { key, value } = f else {
                        continue;
                    };
                    if vals.contains_key(key.node.as_str()) {
                        self.err(
                            key.span,
                            format!("`{}` 写了两次", key.node),
                            "每个值只写一行",
                        );
                        continue;
                    }
                    let Some((ir, ty)) = self.expr(value, &mut scope) else {
                        continue;
                    };
                    let ok = match key.node.as_str() {
                        "unit" => ty.is_textual(),
                        "is_major" => ty == Ty::Bool,
                        _ => matches!(ty, Ty::Num { .. } | Ty::None),
                    };
                    if !ok {
                        self.err(
                            value.span,
                            format!(
                                "`{}` 应当是{}，但这里是{}",
                                key.node,
                                if key.node == "unit" {
                                    "文字"
                                } else if key.node == "is_major" {
                                    "是非值"
                                } else {
                                    "数值"
                                },
                                ty.describe()
                            ),
                            "参照 rules/examples/gb18218.rule",
                        );
                        continue;
                    }
                    let k: &str = match key.node.as_str() {
                        "unit" => "unit",
                        "s" => "s",
                        "is_major" => "is_major",
                        "r" => "r",
                        _ => "grade",
                    };
                    vals.insert(k, (ir, ty));
                }
                let mut take = |k: &str, this: &mut Self| {
                    let v = vals.remove(k).map(|(ir, _)| ir);
                    if v.is_none() && k != "is_major" {
                        this.err(def.var.span, format!("报告里没有 `{k} = …` 行"), "major_hazards 报告要写 unit、s、r 和 grade（is_major 不写时按 s ≥ 1 判断）");
                    }
                    v
                };
                let unit = take("unit", self);
                let s = take("s", self);
                let is_major = take("is_major", self);
                let r = take("r", self);
                let grade = take("grade", self);
                if let (Some(unit), Some(s), Some(r), Some(grade)) = (unit, s, r, grade) {
                    found = Some(CHazards {
                        source: path.into(),
                        unit,
                        s,
                        is_major,
                        r,
                        grade,
                        slots: scope.max,
                    });
                }
            }
        }
        found
    }

    // ───────────── examples ─────────────

    fn check_examples(&mut self, files: &[File], rules: &[CRule]) -> Vec<Example> {
        let mut out = Vec::new();
        for file in files {
            for item in &file.items {
                match item {
                    Item::Example(ex) => {
                        self.enter(file, format!("示例 \"{}\"", ex.name.node));
                        if let Some(e) = self.check_example(ex, None, None, file, rules) {
                            out.push(e);
                        }
                    }
                    Item::Rule(def) => {
                        let from = def.fields.iter().find_map(|f| match f {
                            RuleField::Effective(e) => Some(e.node.from),
                            _ => None,
                        });
                        for f in &def.fields {
                            if let RuleField::Example(ex) = f {
                                self.enter(
                                    file,
                                    format!("规则 `{1}` 的示例 \"{0}\"", ex.name.node, def.id.node),
                                );
                                if let Some(e) =
                                    self.check_example(ex, Some(&def.id.node), from, file, rules)
                                {
                                    out.push(e);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        out
    }

    fn check_example(
        &mut self,
        ex: &ExampleDef,
        rule: Option<&str>,
        from: Option<Date>,
        file: &File,
        rules: &[CRule],
    ) -> Option<Example> {
        let mut as_of = None;
        let mut record = None;
        let mut expects = Vec::new();
        let known = |id: &str| rules.iter().any(|r| r.meta.id == id);
        for f in &ex.fields {
            match f {
                ExampleField::Comment(_) => {}
                ExampleField::AsOf(d) => as_of = Some(d.node),
                ExampleField::Record(r) => {
                    self.example_record(r);
                    record = Some(r.node.value.clone());
                }
                ExampleField::Outcome {
                    rule: r,
                    outcome,
                    explanation,
                } => {
                    let id = match (r, rule) {
                        (Some(r), _) => {
                            if !known(&r.node) {
                                self.err(
                                    r.span,
                                    format!("没有编号为 `{}` 的规则", r.node),
                                    rule_id_help(&r.node, rules),
                                );
                            }
                            r.node.clone()
                        }
                        (None, Some(id)) => id.to_string(),
                        (None, None) => {
                            self.err(
                                outcome.span,
                                "这个 `expect` 没有写规则编号",
                                "在规则之外写 `expect 规则编号 fail \"…\"`",
                            );
                            continue;
                        }
                    };
                    expects.push(Expect::Outcome {
                        rule: id,
                        outcome: outcome.node,
                        explanation: explanation.as_ref().map(|e| e.node.clone()),
                    });
                }
                ExampleField::Fact(p) => match rule {
                    Some(id) => expects.push(Expect::Fact {
                        rule: id.to_string(),
                        path: p.node.clone(),
                    }),
                    None => self.err(
                        p.span,
                        "`expect fact` 只能写在规则内的示例里",
                        "把这个示例移到它所核对的规则里",
                    ),
                },
                ExampleField::Conflict(ids) => {
                    for id in ids {
                        if !known(&id.node) {
                            self.err(
                                id.span,
                                format!("没有编号为 `{}` 的规则", id.node),
                                rule_id_help(&id.node, rules),
                            );
                        }
                    }
                    let mut v: Vec<String> = ids.iter().map(|i| i.node.clone()).collect();
                    v.sort();
                    expects.push(Expect::Conflict(v));
                }
                ExampleField::Hazard { unit, s, r, grade } => {
                    let num = |x: &Option<Spanned<String>>, this: &mut Self| -> Option<f64> {
                        let x = x.as_ref()?;
                        match x.node.parse::<f64>() {
                            Ok(v) => Some(v),
                            Err(_) => {
                                this.err(
                                    x.span,
                                    format!("`{}` 不是数字", x.node),
                                    "写数字或 `none`",
                                );
                                None
                            }
                        }
                    };
                    let s = num(s, self);
                    let r = num(r, self);
                    let grade = num(grade, self);
                    expects.push(Expect::Hazard {
                        unit: unit.node.clone(),
                        s,
                        r,
                        grade,
                    });
                }
            }
        }
        let (line, _) = file.source.line_col(ex.name.span.start);
        let Some(as_of) = as_of.or(from) else {
            self.err(
                ex.name.span,
                "示例没有 `as_of` 日期",
                "加一行 `as_of 2026-11-28`（检查的日期）",
            );
            return None;
        };
        let Some(record) = record else {
            self.err(
                ex.name.span,
                "示例没有 `record`",
                "加上 `record { … }`，写出规则要读的字段",
            );
            return None;
        };
        if expects.is_empty() {
            self.err(
                ex.name.span,
                "示例没有写预期结果",
                "加一行 `expect fail \"…\"`（或 pass / unknown / not_applicable）",
            );
        }
        Some(Example {
            name: ex.name.node.clone(),
            rule: rule.map(str::to_string),
            as_of,
            record,
            expects,
            location: format!("{}:{line}", file.source.name),
        })
    }

    /// An example record is checked like a real one, except that it may be a
    /// fragment: required fields may be left out.
    fn example_record(&mut self, r: &Spanned<RecordLit>) {
        let Err(mut problems) = crate::record::validate_record(&r.node.value, self.schema) else {
            return;
        };
        problems.retain(|p| !p.message.starts_with("缺少"));
        crate::record::locate_problems(r.node.raw.as_bytes(), &mut problems);
        for p in problems {
            let span = match (p.line, p.column) {
                (Some(line), Some(col)) => value_span(&r.node.raw, line, col)
                    .map(|s| Span::new(r.span.start + s.start, r.span.start + s.end))
                    .unwrap_or(r.span),
                _ => r.span,
            };
            let at = if p.pointer.is_empty() {
                String::new()
            } else {
                format!("`{}`：", p.pointer)
            };
            self.err(
                span,
                format!("示例记录 {at}{}", p.message),
                format!("应为 {}；示例记录可以只写规则要读的字段，但写出的值须符合 rules/schema/ 的定义", p.expected),
            );
        }
    }

    // ───────────── expressions ─────────────

    fn bool_expr(&mut self, e: &Expr, scope: &mut Scope, what: &str) -> Option<Ir> {
        let (ir, ty) = self.expr(e, scope)?;
        if ty != Ty::Bool {
            self.err(
                e.span,
                format!(
                    "{what} 需要一个条件（成立或不成立），但这里是{}",
                    ty.describe()
                ),
                "写成比较，如 `employees > 100 人`",
            );
            return None;
        }
        Some(ir)
    }

    fn expr(&mut self, e: &Expr, scope: &mut Scope) -> Option<Typed> {
        match &e.node {
            ExprKind::Bool(b) => Some((Ir::Const(Lit::Bool(*b)), Ty::Bool)),
            ExprKind::None => Some((Ir::Const(Lit::None), Ty::None)),
            ExprKind::AsOf => Some((Ir::AsOf, Ty::Date)),
            ExprKind::Str(s) => Some((Ir::Const(Lit::Str(s.clone())), Ty::Str)),
            ExprKind::Date(d) => Some((Ir::Const(Lit::Date(*d)), Ty::Date)),
            ExprKind::Number { value, unit, text } => self.number(*value, *unit, text, e.span),
            ExprKind::Paren(inner) => self.expr(inner, scope),
            ExprKind::List(items) => {
                let mut irs = Vec::new();
                let mut ty: Option<Ty> = None;
                for it in items {
                    let (ir, t) = self.expr(it, scope)?;
                    if let Some(prev) = &ty {
                        if !same_kind(prev, &t) {
                            self.err(
                                it.span,
                                format!("列表里混有{}和{}", prev.describe(), t.describe()),
                                "一个列表里只放同一类的值",
                            );
                            return None;
                        }
                    } else {
                        ty = Some(t);
                    }
                    irs.push(ir);
                }
                Some((Ir::List(irs), Ty::List(Box::new(ty.unwrap_or(Ty::Str)))))
            }
            ExprKind::Path(segs) => self.path(segs, scope),
            ExprKind::Lookup { table, key, fields } => {
                let Some(&t) = self.table_index.get(&table.node) else {
                    let help = if self.table_index.is_empty() {
                        "先用 `table 表名 from \"file.csv\" { … }` 声明它".to_string()
                    } else {
                        self.table_help(&table.node)
                    };
                    self.err(table.span, format!("没有名为 `{}` 的表", table.node), help);
                    return None;
                };
                let (kir, kty) = self.expr(key, scope)?;
                let has_range = self.tables.get(t).is_some_and(|t| t.range.is_some());
                let has_keys = self.tables.get(t).is_some_and(|t| !t.keys.is_empty());
                match kty {
                    Ty::Str | Ty::Enum(_) if has_keys => {}
                    Ty::Num { .. } if has_range => {}
                    other => {
                        self.err(
                            key.span,
                            format!("表 `{}` 不能按{}查找", table.node, other.describe()),
                            if has_range {
                                "这张表按数值查找（见它的 `range`）"
                            } else {
                                "这张表按文字查找（见它的 `key` 列）"
                            },
                        );
                        return None;
                    }
                }
                let row = Ir::Lookup {
                    table: t,
                    key: Box::new(kir),
                };
                self.row_fields(row, t, fields)
            }
            ExprKind::Call { name, args, fields } => {
                let Some(&i) = self.let_index.get(&name.node) else {
                    self.err(
                        name.span,
                        format!("没有名为 `{}` 的派生值", name.node),
                        self.let_help(&name.node),
                    );
                    return None;
                };
                let params = self.param_types(i);
                if params.len() != args.len() {
                    self.err(
                        e.span,
                        format!(
                            "`{}` 需要 {} 个值，这里给了 {} 个",
                            name.node,
                            params.len(),
                            args.len()
                        ),
                        "每个参数传一项，如 `S(u)`",
                    );
                    return None;
                }
                let mut irs = Vec::new();
                for (a, p) in args.iter().zip(&params) {
                    let (ir, t) = self.expr(a, scope)?;
                    if &t != p {
                        self.err(
                            a.span,
                            format!(
                                "`{}` 在这里需要{}，但这里是{}",
                                name.node,
                                p.describe(),
                                t.describe()
                            ),
                            "传入派生值所定义的那个列表中的一项",
                        );
                        return None;
                    }
                    irs.push(ir);
                }
                let ty = self.let_type(i, name)?;
                let call = Ir::Call { func: i, args: irs };
                self.value_fields(call, ty, fields)
            }
            ExprKind::Not(inner) => {
                let ir = self.bool_expr(inner, scope, "`not`")?;
                Some((Ir::Not(Box::new(ir)), Ty::Bool))
            }
            ExprKind::Neg(inner) => {
                let (ir, ty) = self.expr(inner, scope)?;
                match ty {
                    Ty::Num { .. } | Ty::Dur(_) => Some((Ir::Neg(Box::new(ir)), ty)),
                    other => {
                        self.err(
                            e.span,
                            format!("{}不能取负", other.describe()),
                            "只有数值和时长可以加负号",
                        );
                        None
                    }
                }
            }
            ExprKind::If(c, t, f) => {
                let cir = self.bool_expr(c, scope, "`if`")?;
                let (tir, tty) = self.expr(t, scope)?;
                let (fir, fty) = self.expr(f, scope)?;
                let ty = match (tty, fty) {
                    (Ty::None, x) | (x, Ty::None) => x,
                    (a, b) if same_kind(&a, &b) => merge(a, b),
                    (a, b) => {
                        self.err(
                            e.span,
                            format!("两个分支分别是{}和{}", a.describe(), b.describe()),
                            "`if … then A else B` 里 A 和 B 必须是同一类值",
                        );
                        return None;
                    }
                };
                Some((Ir::If(Box::new(cir), Box::new(tir), Box::new(fir)), ty))
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r, e.span, scope),
            ExprKind::Quant {
                kind,
                var,
                source,
                filter,
                body,
            } => {
                let (base, path, elem, ppath) = self.quant_source(source, scope)?;
                if self.root.contains_key(&var.node) || self.let_index.contains_key(&var.node) {
                    self.err(
                        var.span,
                        format!("`{}` 已经是字段或派生值的名称", var.node),
                        "用一个短的项名，如 `w`、`u`、`c`",
                    );
                    return None;
                }
                let slot = scope.push(&var.node, elem, ppath);
                let f = match filter {
                    Some(f) => self.bool_expr(f, scope, "`where`").map(Some),
                    None => Some(None),
                };
                let b = match body {
                    Some(b) => self.expr(b, scope).map(Some),
                    None => Some(None),
                };
                scope.pop();
                let (f, b) = (f?, b?);
                let result = match (kind, &b) {
                    (QuantKind::Any | QuantKind::All, Some((_, Ty::Bool))) => Ty::Bool,
                    (QuantKind::Count, None | Some((_, Ty::Bool))) => Ty::Num {
                        dim: Dim::Free,
                        integer: true,
                    },
                    (QuantKind::Sum, Some((_, Ty::Num { dim, integer }))) => Ty::Num {
                        dim: *dim,
                        integer: *integer,
                    },
                    (QuantKind::Sum, Some((_, Ty::Dur(k)))) => Ty::Dur(*k),
                    (QuantKind::List, Some((_, t)))
                        if !matches!(t, Ty::Record(_) | Ty::List(_) | Ty::Row(..)) =>
                    {
                        Ty::List(Box::new(t.clone()))
                    }
                    (_, None) => {
                        self.err(
                            e.span,
                            format!("`{}` 后面要有花括号括起的内容", kind.word()),
                            format!(
                                "如 `{} {} in … {{ {}.… }}`",
                                kind.word(),
                                var.node,
                                var.node
                            ),
                        );
                        return None;
                    }
                    (_, Some((_, t))) => {
                        let need = match kind {
                            QuantKind::Any | QuantKind::All | QuantKind::Count => {
                                "条件（成立或不成立）"
                            }
                            QuantKind::Sum => "数值",
                            QuantKind::List => "单个值（文字、数值、日期）",
                        };
                        let span = body.as_ref().map(|b| b.span).unwrap_or(e.span);
                        self.err(
                            span,
                            format!(
                                "`{}` 的花括号里应当是{need}，但这里是{}",
                                kind.word(),
                                t.describe()
                            ),
                            "如 `sum c in u.chemicals { c.max_quantity_t }`、`any w in special_workers { w.certificate = none }`；详见 rules/README.md 的 Collections",
                        );
                        return None;
                    }
                };
                Some((
                    Ir::Quant {
                        kind: *kind,
                        slot,
                        base,
                        path: path.into(),
                        filter: f.map(Box::new),
                        body: b.map(|(ir, _)| Box::new(ir)),
                    },
                    result,
                ))
            }
        }
    }

    /// Help for an unknown table name: the nearest name, then the known ones.
    fn table_help(&self, word: &str) -> String {
        let mut v: Vec<&str> = self.table_index.keys().map(String::as_str).collect();
        v.sort();
        match closest(word, &v) {
            Some(n) => format!("是不是想写 `{n}`？已有的表：{}", v.join("、")),
            None => format!("已有的表：{}", v.join("、")),
        }
    }

    /// Help for an unknown derived value: the nearest name, or how to define one.
    fn let_help(&self, word: &str) -> String {
        let v: Vec<&str> = self.let_index.keys().map(String::as_str).collect();
        match closest(word, &v) {
            Some(n) => format!("是不是想写 `{n}`？"),
            None => "先用 `let 名称(x in 列表) = …` 定义它".to_string(),
        }
    }

    /// `（从业人员数）` after a suggested field name, from the schema's description.
    fn field_gloss(&self, parent: &str, name: &str) -> String {
        let path = if parent.is_empty() {
            name.to_string()
        } else {
            format!("{parent}.{name}")
        };
        self.schema
            .descriptions
            .get(&path)
            .or_else(|| self.schema.descriptions.get(&path.replace("[]", "")))
            .map(|d| short_label(d))
            .filter(|d| !d.is_empty())
            .map(|d| format!("（{d}）"))
            .unwrap_or_default()
    }

    fn let_type(&mut self, i: usize, name: &Spanned<String>) -> Option<Ty> {
        if self.let_state.get(i) == Some(&LetState::Busy) {
            self.err(
                name.span,
                format!("`{}` 依赖它自己", name.node),
                "派生值不能递归；请从记录字段和其他派生值计算",
            );
            return None;
        }
        self.ensure_let(i)
    }

    fn number(
        &mut self,
        value: f64,
        unit: Option<UnitLit>,
        text: &str,
        span: Span,
    ) -> Option<Typed> {
        let Some(u) = unit else {
            let integer = value.fract() == 0.0;
            return Some((
                Ir::Const(Lit::Num(value)),
                Ty::Num {
                    dim: Dim::Free,
                    integer,
                },
            ));
        };
        match unit_of(u) {
            Ok(UnitKind::Dim(dim, scale)) => Some((
                Ir::Const(Lit::Num(value * scale)),
                Ty::Num {
                    dim,
                    integer: value.fract() == 0.0 && scale == 1.0,
                },
            )),
            Ok(UnitKind::Dur(kind, factor)) => {
                if value.fract() != 0.0 || value > 1.0e6 {
                    self.err(
                        span,
                        format!("`{text} {}` 不是整数个 {}", u.word(), u.word()),
                        "时长写成整数的天、月或年（如 18 months，不写 1.5 years）",
                    );
                    return None;
                }
                Some((
                    Ir::Const(Lit::Dur(value as i64 * factor, kind)),
                    Ty::Dur(kind),
                ))
            }
            Err(()) => None,
        }
    }

    fn row_fields(&mut self, row: Ir, table: usize, fields: &[Spanned<String>]) -> Option<Typed> {
        let tname: Arc<str> = self.tables.get(table).map(|t| Arc::from(t.name.as_str()))?;
        match fields {
            [] => Some((row, Ty::Row(table, tname))),
            [f] => {
                let t = self.tables.get(table)?;
                let Some(ci) = t.column(&f.node) else {
                    let cols: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                    let help = column_help(&f.node, &cols);
                    self.err(f.span, format!("表 `{tname}` 没有 `{}` 列", f.node), help);
                    return None;
                };
                let c = t.columns.get(ci)?;
                let ty = match c.ty {
                    ColumnType::Text => Ty::Str,
                    ColumnType::Names => Ty::List(Box::new(Ty::Str)),
                    ColumnType::Number => Ty::Num {
                        dim: c.dim,
                        integer: false,
                    },
                    ColumnType::Integer => Ty::Num {
                        dim: c.dim,
                        integer: true,
                    },
                };
                Some((
                    Ir::Column {
                        row: Box::new(row),
                        column: ci,
                    },
                    ty,
                ))
            }
            [_, extra, ..] => {
                self.err(extra.span, "表格单元格没有字段", "写成 `表名[键].列名`");
                None
            }
        }
    }

    fn value_fields(&mut self, ir: Ir, ty: Ty, fields: &[Spanned<String>]) -> Option<Typed> {
        if fields.is_empty() {
            return Some((ir, ty));
        }
        match ty {
            Ty::Row(t, _) => self.row_fields(ir, t, fields),
            other => {
                let span = fields.first().map(|f| f.span).unwrap_or_default();
                self.err(
                    span,
                    format!("{}没有字段", other.describe()),
                    "这里只有表的行才能用 `.列名`",
                );
                None
            }
        }
    }

    /// A path used as a value: must not pass through a list.
    fn path(&mut self, segs: &[Spanned<String>], scope: &Scope) -> Option<Typed> {
        let first = segs.first()?;
        if let Some(&i) = self.let_index.get(&first.node) {
            if !self.param_types(i).is_empty() {
                self.err(
                    first.span,
                    format!("`{}` 需要传入一项，如 `{}(u)`", first.node, first.node),
                    "传入要计算这个派生值的那一项",
                );
                return None;
            }
            let ty = self.let_type(i, first)?;
            let rest = segs.get(1..).unwrap_or(&[]);
            return self.value_fields(
                Ir::Call {
                    func: i,
                    args: Vec::new(),
                },
                ty,
                rest,
            );
        }
        if self.table_index.contains_key(&first.node) {
            self.err(
                first.span,
                format!("`{}` 是一张表", first.node),
                format!("用 `{}[键].列名` 查一行", first.node),
            );
            return None;
        }
        let walk = self.walk(segs, scope, false)?;
        let leaf = match &walk.ty {
            Ty::Num { .. } => Leaf::Num,
            Ty::Str | Ty::Enum(_) => Leaf::Str,
            Ty::Date => Leaf::Date,
            Ty::Bool => Leaf::Bool,
            Ty::List(inner) if !matches!(**inner, Ty::Record(_)) => Leaf::Scalars,
            _ => Leaf::Node,
        };
        Some((
            Ir::Field {
                base: walk.base,
                path: walk.path.into(),
                scale: walk.scale,
                leaf,
            },
            walk.ty,
        ))
    }

    /// The list a quantifier or parameter goes through. Returns base, path,
    /// item type and the item's schema path. Lists along the way are flattened.
    fn quant_source(&mut self, e: &Expr, scope: &Scope) -> Option<(Base, Vec<String>, Ty, String)> {
        let ExprKind::Path(segs) = &e.node else {
            self.err(
                e.span,
                "这里只能遍历记录中的列表字段",
                "写成如 `any w in special_workers { … }`",
            );
            return None;
        };
        let walk = self.walk(segs, scope, true)?;
        match walk.ty {
            Ty::List(inner) => Some((
                walk.base,
                walk.path,
                *inner,
                format!("{}[]", walk.schema_path),
            )),
            other if walk.crossed => Some((walk.base, walk.path, other, walk.schema_path)),
            other => {
                self.err(
                    e.span,
                    format!(
                        "{} 是{}，不是列表",
                        self.describe_path(&walk.schema_path),
                        other.describe()
                    ),
                    "any/all/count/sum/list 只能遍历列表，如 `special_workers` 或 `u.chemicals`",
                );
                None
            }
        }
    }

    fn walk(
        &mut self,
        segs: &[Spanned<String>],
        scope: &Scope,
        through_lists: bool,
    ) -> Option<Walk> {
        let first = segs.first()?;
        let (base, mut ty, mut schema_path, rest) = match scope.get(&first.node) {
            Some(v) => (
                Base::Var(v.slot),
                v.ty.clone(),
                v.path.clone(),
                segs.get(1..).unwrap_or(&[]),
            ),
            None => (
                Base::Root,
                Ty::Record(Arc::clone(&self.root)),
                String::new(),
                segs,
            ),
        };
        let mut path = Vec::new();
        let mut scale = 1.0;
        let mut crossed = false;
        for seg in rest {
            if let Ty::List(inner) = &ty {
                if !through_lists {
                    let desc = self.describe_path(&schema_path);
                    self.err(
                        seg.span,
                        format!("{desc} 是列表，`.{}` 指不到单个值", seg.node),
                        format!(
                            "用 any/all/count/sum 逐项查看，如 `any x in {} {{ x.{} … }}`",
                            schema_path.replace("[]", ""),
                            seg.node
                        ),
                    );
                    return None;
                }
                crossed = true;
                schema_path.push_str("[]");
                ty = (**inner).clone();
            }
            let fields = match &ty {
                Ty::Record(f) => Arc::clone(f),
                other => {
                    let desc = if schema_path.is_empty() {
                        "这个值".to_string()
                    } else {
                        self.describe_path(&schema_path)
                    };
                    self.err(
                        seg.span,
                        format!("{desc} 是{}，没有 `{}` 字段", other.describe(), seg.node),
                        "对照 rules/schema/ 核对字段路径",
                    );
                    return None;
                }
            };
            let Some(ft) = fields.get(&seg.node) else {
                let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
                names.sort();
                let whose = if schema_path.is_empty() {
                    "记录".to_string()
                } else {
                    self.describe_path(&schema_path)
                };
                // At the top, a misspelt derived value or item name is as likely
                // as a field: offer whichever name is nearest.
                let mut candidates = names.clone();
                if schema_path.is_empty() {
                    candidates.extend(self.let_index.keys().map(String::as_str));
                    candidates.extend(scope.vars.iter().map(|v| v.name.as_str()));
                }
                let help = match closest(&seg.node, &candidates) {
                    Some(n) if fields.contains_key(n) => {
                        format!("是不是想写 `{n}`{}？", self.field_gloss(&schema_path, n))
                    }
                    Some(n) => format!("是不是想写 `{n}`？"),
                    None => format!("{whose}的字段有：{}", names.join("、")),
                };
                let full = if schema_path.is_empty() {
                    seg.node.clone()
                } else {
                    format!("{}.{}", schema_path.replace("[]", ""), seg.node)
                };
                self.err(
                    seg.span,
                    format!("未知字段 `{full}`：{whose}中没有这个字段"),
                    help,
                );
                return None;
            };
            if !schema_path.is_empty() {
                schema_path.push('.');
            }
            schema_path.push_str(&seg.node);
            let (t, s) = Ty::from_field(ft);
            ty = t;
            scale = s;
            path.push(seg.node.clone());
        }
        Some(Walk {
            base,
            path,
            ty,
            scale,
            schema_path,
            crossed,
        })
    }

    fn binary(
        &mut self,
        op: BinOp,
        l: &Expr,
        r: &Expr,
        span: Span,
        scope: &mut Scope,
    ) -> Option<Typed> {
        if matches!(op, BinOp::And | BinOp::Or) {
            let a = self.bool_expr(l, scope, &format!("`{}`", op.word()));
            let b = self.bool_expr(r, scope, &format!("`{}`", op.word()));
            let (a, b) = (Box::new(a?), Box::new(b?));
            return Some((
                if op == BinOp::And {
                    Ir::And(a, b)
                } else {
                    Ir::Or(a, b)
                },
                Ty::Bool,
            ));
        }
        let (lir, lty) = self.expr(l, scope)?;
        let (rir, rty) = self.expr(r, scope)?;
        let (a, b) = (Box::new(lir), Box::new(rir));
        let mismatch = |this: &mut Self, what: &str| {
            let (a, b) = (this.snippet(l), this.snippet(r));
            this.err(
                span,
                format!(
                    "{a} 是{}，{b} 是{}，两者不能{what}",
                    lty.describe(),
                    rty.describe()
                ),
                unit_help(&lty, &rty),
            );
            None
        };
        match op {
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let ordered = !matches!(op, BinOp::Eq | BinOp::Ne);
                let ok = match (&lty, &rty) {
                    (Ty::None, _) | (_, Ty::None) => !ordered,
                    (Ty::Num { dim: x, .. }, Ty::Num { dim: y, .. }) => x.compatible(*y),
                    (Ty::Date, Ty::Date) => true,
                    (Ty::Dur(x), Ty::Dur(y)) => {
                        if x != y {
                            self.err(span, "天数和月数不能比较：一个月有 28 到 31 天", "改为比较日期（如 `expires < as_of + 30 days`），或两边用同一种单位");
                            return None;
                        }
                        true
                    }
                    (x, y) if x.is_textual() && y.is_textual() => {
                        if !ordered {
                            self.enum_literal(&lty, r);
                            self.enum_literal(&rty, l);
                        }
                        !ordered
                    }
                    (Ty::Bool, Ty::Bool) => !ordered,
                    _ => false,
                };
                if !ok {
                    return mismatch(self, if ordered { "比较大小" } else { "比较" });
                }
                let cmp = match op {
                    BinOp::Eq => CmpOp::Eq,
                    BinOp::Ne => CmpOp::Ne,
                    BinOp::Lt => CmpOp::Lt,
                    BinOp::Le => CmpOp::Le,
                    BinOp::Gt => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                Some((Ir::Cmp(cmp, a, b), Ty::Bool))
            }
            BinOp::Contains | BinOp::In => {
                let (list_ty, item_ty, item_expr) = if op == BinOp::Contains {
                    (&lty, &rty, r)
                } else {
                    (&rty, &lty, l)
                };
                let ok = match list_ty {
                    Ty::List(inner) if same_kind(inner, item_ty) => {
                        self.enum_literal(inner, item_expr);
                        true
                    }
                    Ty::Str | Ty::Enum(_) => item_ty.is_textual() && op == BinOp::Contains,
                    _ => false,
                };
                if !ok {
                    return mismatch(
                        self,
                        if op == BinOp::Contains {
                            "用 `contains` 判断"
                        } else {
                            "用 `in` 判断"
                        },
                    );
                }
                let (list, item) = if op == BinOp::Contains {
                    (a, b)
                } else {
                    (b, a)
                };
                Some((Ir::Contains(list, item), Ty::Bool))
            }
            BinOp::Otherwise => {
                let ty = match (lty.clone(), rty.clone()) {
                    (Ty::None, x) | (x, Ty::None) => x,
                    (x, y) if same_kind(&x, &y) => merge(x, y),
                    _ => return mismatch(self, "用 `otherwise` 互为替代"),
                };
                Some((Ir::Otherwise(a, b), ty))
            }
            BinOp::Before | BinOp::After => match (&lty, &rty) {
                (Ty::Dur(_), Ty::Date) => Some((
                    Ir::Shift {
                        date: b,
                        dur: a,
                        sign: if op == BinOp::Before { -1 } else { 1 },
                    },
                    Ty::Date,
                )),
                _ => {
                    self.err(
                        span,
                        format!(
                            "`{}` 左边应是时长、右边应是日期，这里是{}和{}",
                            op.word(),
                            lty.describe(),
                            rty.describe()
                        ),
                        "如 `3 years before as_of`",
                    );
                    None
                }
            },
            BinOp::Add | BinOp::Sub => match (&lty, &rty) {
                (Ty::Date, Ty::Dur(_)) => Some((
                    Ir::Shift {
                        date: a,
                        dur: b,
                        sign: if op == BinOp::Add { 1 } else { -1 },
                    },
                    Ty::Date,
                )),
                (Ty::Dur(_), Ty::Date) if op == BinOp::Add => Some((
                    Ir::Shift {
                        date: b,
                        dur: a,
                        sign: 1,
                    },
                    Ty::Date,
                )),
                (Ty::Date, Ty::Date) if op == BinOp::Sub => {
                    Some((Ir::DaysBetween(a, b), Ty::Dur(DurKind::Days)))
                }
                (Ty::Num { dim: x, integer: i }, Ty::Num { dim: y, integer: j })
                    if x.compatible(*y) =>
                {
                    Some((
                        Ir::Arith(
                            if op == BinOp::Add {
                                ArithOp::Add
                            } else {
                                ArithOp::Sub
                            },
                            a,
                            b,
                        ),
                        Ty::Num {
                            dim: x.meet(*y),
                            integer: *i && *j,
                        },
                    ))
                }
                (Ty::Dur(x), Ty::Dur(y)) if x == y => Some((
                    Ir::Arith(
                        if op == BinOp::Add {
                            ArithOp::Add
                        } else {
                            ArithOp::Sub
                        },
                        a,
                        b,
                    ),
                    Ty::Dur(*x),
                )),
                (Ty::Dur(_), Ty::Dur(_)) => {
                    self.err(
                        span,
                        "天数和月数不能相加：一个月有 28 到 31 天",
                        "分别加到日期上：`as_of + 1 months + 10 days`",
                    );
                    None
                }
                _ => mismatch(self, if op == BinOp::Add { "相加" } else { "相减" }),
            },
            BinOp::Mul => match (&lty, &rty) {
                (Ty::Num { dim: x, integer: i }, Ty::Num { dim: y, integer: j })
                    if *x == Dim::Free || *y == Dim::Free =>
                {
                    Some((
                        Ir::Arith(ArithOp::Mul, a, b),
                        Ty::Num {
                            dim: x.meet(*y),
                            integer: *i && *j,
                        },
                    ))
                }
                (
                    Ty::Dur(k),
                    Ty::Num {
                        dim: Dim::Free,
                        integer: true,
                    },
                )
                | (
                    Ty::Num {
                        dim: Dim::Free,
                        integer: true,
                    },
                    Ty::Dur(k),
                ) => Some((Ir::Arith(ArithOp::Mul, a, b), Ty::Dur(*k))),
                _ => mismatch(self, "相乘"),
            },
            BinOp::Div => match (&lty, &rty) {
                (Ty::Num { dim: x, .. }, Ty::Num { dim: y, .. }) if x == y => {
                    Some((Ir::Arith(ArithOp::Div, a, b), Ty::num(Dim::Free)))
                }
                (Ty::Num { dim: x, .. }, Ty::Num { dim: Dim::Free, .. }) => {
                    Some((Ir::Arith(ArithOp::Div, a, b), Ty::num(*x)))
                }
                _ => mismatch(self, "相除"),
            },
            BinOp::And | BinOp::Or => None,
        }
    }

    /// The expression as written, in backticks, for messages.
    fn snippet(&self, e: &Expr) -> String {
        let text = self
            .source
            .as_ref()
            .and_then(|s| s.text.get(e.span.start..e.span.end))
            .unwrap_or("");
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() > 40 {
            format!("`{}…`", one_line.chars().take(40).collect::<String>())
        } else {
            format!("`{one_line}`")
        }
    }

    /// When text is compared with an enumerated field, the text must be one of its values.
    fn enum_literal(&mut self, ty: &Ty, other: &Expr) {
        let (Ty::Enum(values), ExprKind::Str(s)) = (ty, &other.node) else {
            return;
        };
        if !values.iter().any(|v| v == s) {
            let near = closest(s, &values.iter().map(String::as_str).collect::<Vec<_>>())
                .map(|n| format!("是不是想写 `{n}`？"))
                .unwrap_or_default();
            self.err(
                other.span,
                format!("`{s}` 不是允许的取值"),
                format!("{near}允许的取值：{}", values.join("、")),
            );
        }
    }
}

/// A rule version seen so far: dates, where its id is written, its file.
type Version = (Option<Effective>, Span, Arc<SourceFile>);

struct Walk {
    base: Base,
    path: Vec<String>,
    ty: Ty,
    scale: f64,
    schema_path: String,
    crossed: bool,
}

enum UnitKind {
    Dim(Dim, f64),
    /// kind and factor (years → 12 months)
    Dur(DurKind, i64),
}

fn unit_of(u: UnitLit) -> Result<UnitKind, ()> {
    Ok(match u {
        UnitLit::Tonne => UnitKind::Dim(Dim::Mass, 1.0),
        UnitLit::Kilogram => UnitKind::Dim(Dim::Mass, 0.001),
        UnitLit::Metre => UnitKind::Dim(Dim::Length, 1.0),
        UnitLit::CubicMetre => UnitKind::Dim(Dim::Volume, 1.0),
        UnitLit::Person => UnitKind::Dim(Dim::Persons, 1.0),
        UnitLit::Days => UnitKind::Dur(DurKind::Days, 1),
        UnitLit::Months => UnitKind::Dur(DurKind::Months, 1),
        UnitLit::Years => UnitKind::Dur(DurKind::Months, 12),
    })
}

fn unit_help(a: &Ty, b: &Ty) -> String {
    match (a, b) {
        (Ty::Num { dim: x, .. }, Ty::Num { dim: y, .. }) if !x.compatible(*y) => format!(
            "两边要用同一类单位（这里是 {} 和 {}）；t 与 kg 可以换算，其他单位之间不能",
            x.unit_word(),
            y.unit_word()
        ),
        (Ty::Num { .. }, Ty::Str) | (Ty::Str, Ty::Num { .. }) => {
            "数量写成不加引号的数字（可带单位），如 `100 人`".into()
        }
        (Ty::Date, Ty::Str) | (Ty::Str, Ty::Date) => "日期直接写 2026-05-01，不加引号".into(),
        (Ty::Date, Ty::Num { .. }) | (Ty::Num { .. }, Ty::Date) => {
            "日期要加减时长，如 `as_of + 30 days`".into()
        }
        _ => "两边必须是同一类值".into(),
    }
}

/// Whether two types can meet in a comparison, list or `otherwise`.
fn same_kind(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Num { dim: x, .. }, Ty::Num { dim: y, .. }) => x.compatible(*y),
        (x, y) if x.is_textual() && y.is_textual() => true,
        (Ty::List(x), Ty::List(y)) => same_kind(x, y),
        (Ty::Row(x, _), Ty::Row(y, _)) => x == y,
        (x, y) => x == y,
    }
}

fn merge(a: Ty, b: Ty) -> Ty {
    match (a, b) {
        (Ty::Num { dim: x, integer: i }, Ty::Num { dim: y, integer: j }) => Ty::Num {
            dim: x.meet(y),
            integer: i && j,
        },
        (Ty::Enum(_), Ty::Str) | (Ty::Str, Ty::Enum(_)) => Ty::Str,
        (a, _) => a,
    }
}

fn overlaps(a: Option<Effective>, b: Option<Effective>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            a.from < b.until.unwrap_or(Date::MAX) && b.from < a.until.unwrap_or(Date::MAX)
        }
        _ => true,
    }
}

fn line_span(text: &str, line: usize) -> Span {
    let mut start = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return Span::new(start, start + l.trim_end().len());
        }
        start += l.len();
    }
    Span::new(0, 0)
}

/// The most similar name (small edit distance), for "did you mean".
fn closest<'n>(word: &str, names: &[&'n str]) -> Option<&'n str> {
    if let Some(n) = names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(word) && **n != word)
    {
        return Some(n);
    }
    let dist = |a: &str, b: &str| {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
                let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
                let ins = cur.get(j).copied().unwrap_or(0) + 1;
                cur.push(sub.min(del).min(ins));
            }
            prev = cur;
        }
        prev.last().copied().unwrap_or(usize::MAX)
    };
    names
        .iter()
        .map(|n| (dist(word, n), *n))
        .filter(|(d, n)| *d <= 2.max(n.chars().count() / 4) && *d < word.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// The byte range of the JSON value starting at 1-based `line` and `col`
/// (characters) of `raw`: up to the next `,`, `}` , `]` or line end outside
/// strings, or the whole bracketed value.
fn value_span(raw: &str, line: usize, col: usize) -> Option<Span> {
    let line_start = if line <= 1 {
        0
    } else {
        raw.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)?
    };
    let rest = raw.get(line_start..)?;
    let start = line_start + rest.char_indices().nth(col.checked_sub(1)?)?.0;
    let tail = raw.get(start..)?;
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    for (i, c) in tail.char_indices() {
        if in_str {
            match c {
                _ if esc => esc = false,
                '\\' => esc = true,
                '"' => {
                    in_str = false;
                    if depth == 0 {
                        return Some(Span::new(start, start + i + 1));
                    }
                }
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '{' | '[' => depth += 1,
            '}' | ']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return Some(Span::new(start, start + i + 1));
                }
            }
            ',' | '}' | ']' | '\n' if depth == 0 => {
                return Some(Span::new(start, start + i));
            }
            _ => {}
        }
    }
    Some(Span::new(start, raw.len()))
}

/// Help for an unknown department: the nearest one, then all of them.
fn department_help(word: &str) -> String {
    match closest(word, &DEPARTMENTS) {
        Some(n) => format!("是不是想写 `{n}`？可用的部门：{}", DEPARTMENTS.join("、")),
        None => format!("可用的部门：{}", DEPARTMENTS.join("、")),
    }
}

/// Help for an unknown rule id: the nearest id in the pack.
fn rule_id_help(word: &str, rules: &[CRule]) -> String {
    let ids: Vec<&str> = rules.iter().map(|r| r.meta.id.as_str()).collect();
    match closest(word, &ids) {
        Some(n) => format!("是不是想写 `{n}`？"),
        None => "写规则包里某条规则的编号（`regkb rules list` 列出全部）".to_string(),
    }
}

/// Help for an unknown table column: the nearest one, then all of them.
fn column_help(word: &str, cols: &[&str]) -> String {
    match closest(word, cols) {
        Some(n) => format!("是不是想写 `{n}`？这张表的列有：{}", cols.join("、")),
        None => format!("这张表的列有：{}", cols.join("、")),
    }
}

/// The start of a schema description, up to its first clause break
/// (`特种作业操作证；null 表示没有…` → `特种作业操作证`).
fn short_label(description: &str) -> String {
    let cut = description
        .find(['，', '；', '（', '(', ','])
        .unwrap_or(description.len());
    description
        .get(..cut)
        .unwrap_or(description)
        .trim()
        .to_string()
}
