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
        Err(format!("no table files are available (asked for `{path}`)"))
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
    Ok(Checked {
        program: CheckedProgram {
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
        },
        warnings,
    })
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
                format!("{}: {msg}", self.ctx)
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
                format!("{}: {msg}", self.ctx)
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
            Some(d) => format!("`{plain}` ({d})"),
            None => format!("`{plain}`"),
        }
    }

    // ───────────── tables ─────────────

    fn collect_tables(&mut self, files: &[File], reader: &dyn TableReader) {
        for file in files {
            for item in &file.items {
                let Item::Table(def) = item else { continue };
                self.enter(file, format!("table `{}`", def.name.node));
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
                                        "a table column cannot hold a duration",
                                        "give columns a unit of mass (t, kg), length (m), volume (m³) or people (人)",
                                    );
                                }
                                (Dim::Free, 1.0)
                            }
                        },
                    };
                    if matches!(ty.node, ColumnType::Text | ColumnType::Names) && unit.is_some() {
                        self.err(
                            ty.span,
                            "a text column cannot have a unit",
                            "put units on number or integer columns",
                        );
                    }
                    if columns.iter().any(|c: &Column| c.name == name.node) {
                        self.err(
                            name.span,
                            format!("column `{}` is declared twice", name.node),
                            "remove one of the declarations",
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
                    format!("key column `{}` is not a text or names column", k.node),
                    "look up numbers with `range min .. max`",
                ),
                None => self.err(
                    k.span,
                    format!("`{}` is not a declared column", k.node),
                    "declare it with `column NAME: text`",
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
                    "a range needs two declared number columns",
                    "declare `column min_x: number` and `column max_x: number` first",
                ),
            }
        }
        if key_ix.is_empty() && range_ix.is_none() {
            self.err(
                def.name.span,
                "the table has neither `key` nor `range`, so nothing can be looked up in it",
                "add `key name` (text lookups) or `range min .. max` (number lookups)",
            );
        }
        let path = def.path.node.clone();
        if path.contains("..") || path.starts_with('/') {
            self.err(def.path.span, format!("`{path}` must be a path inside the tables folder"), "write it relative to rules/tables/, e.g. \"gb18218-2018/table5-alpha-exposed-population.csv\"");
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
                                format!("table `{}`: {}", def.name.node, p.message),
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
                    format!("the table file `{path}` cannot be read: {e}"),
                    "table files live in rules/tables/; copy the CSV there",
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
                    "this version of the table declares different columns from the earlier one",
                    "every version of a table must declare the same columns, keys and units",
                );
            } else if overlap {
                self.err(
                    def.name.span,
                    "this version's effective dates overlap another version's",
                    "give each version `effective from … until …` dates that do not overlap",
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
                        format!("the name `{}` is already used", def.name.node),
                        "give each derived value and table its own name",
                    );
                    continue;
                }
                if self.root.contains_key(&def.name.node) {
                    self.enter(file, String::new());
                    self.err(
                        def.name.span,
                        format!(
                            "`{}` is a field of the record and cannot be a derived value's name",
                            def.name.node
                        ),
                        "choose another name",
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
                format!("derived value `{}` is built on more than {MAX_LET_DEPTH} other derived values in a chain", name.node),
                "compute it more directly from record fields",
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
        self.ctx = format!("derived value `{}`", def.name.node);
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
                self.enter(file, format!("rule `{}`", def.id.node));
                if let Some(r) = self.check_rule(def, file, citations) {
                    let eff = r.meta.effective_from.map(|from| Effective {
                        from,
                        until: r.meta.effective_until,
                    });
                    let versions = spans.entry(r.meta.id.clone()).or_default();
                    if versions.iter().any(|(e, _, _)| overlaps(*e, eff)) {
                        self.err(def.id.span, format!("another rule with id `{}` is in force on some of the same days", def.id.node), "give the versions of a rule `effective from … until …` dates that do not overlap, or a new id");
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
                self.ctx = format!("rule `{id}`");
                self.err(
                    base.span,
                    format!(
                        "it is marked as an exception to `{}`, but no rule has that id",
                        base.node
                    ),
                    "write the id of the national (or general) rule this rule tightens or relaxes",
                );
            } else if base.node == id {
                self.source = Some(src);
                self.ctx = format!("rule `{id}`");
                self.err(
                    base.span,
                    "a rule cannot be an exception to itself",
                    "name the general rule this one departs from",
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
                self.err(span, format!("`{key}` is written twice"), "a rule has one of each; merge the two lines (use `and` / `or` to combine conditions)");
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
            self.err(head, "the rule cites no clause", "every rule needs at least one `cite 安全生产法 第二十四条` (or `cite standard \"GB 18218-2018\" clause \"4.2\"`) line");
        }
        if severity.is_none() {
            self.err(
                head,
                "the rule has no severity",
                "add `severity 一般隐患` or `severity 重大隐患`",
            );
        }
        if departments.is_empty() {
            self.err(
                head,
                "the rule names no responsible department",
                format!(
                    "add e.g. `departments 应急管理`; known departments: {}",
                    DEPARTMENTS.join("、")
                ),
            );
        }
        for d in &departments {
            if !DEPARTMENTS.contains(&d.node.as_str()) {
                self.err(
                    d.span,
                    format!("`{}` is not a known department", d.node),
                    format!("use one of: {}", DEPARTMENTS.join("、")),
                );
            }
        }
        if require.is_none() {
            self.err(
                head,
                "the rule has no `require` line",
                "say what must hold, e.g. `require safety_assessment.last_date >= as_of - 3 years`",
            );
        }
        if explain.is_none() {
            self.err(head, "the rule has no `explain` line", "write the explanation shown when the rule fails, e.g. `explain \"上次安全评价为{safety_assessment.last_date}\"`");
        }
        if remedy.is_none() {
            self.err(
                head,
                "the rule has no `remedy` line",
                "say what the enterprise must do, e.g. `remedy \"委托有资质的机构进行安全评价\"`",
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
                                let day = on.map(|d| d.to_string()).unwrap_or_else(|| "today".into());
                                self.warn(c.span, format!("{title} {article_text} is not in force on {day}, the rule's start date"), "check the rule's `effective from` date against the law's, or cite the version in force");
                            }
                        }
                        Resolution::NoSuchLaw => self.warn(
                            c.span,
                            format!("the law `{law}` is not in the loaded corpus, so this citation cannot be verified"),
                            "check the name, or import the law (`regkb import …`)",
                        ),
                        Resolution::NoSuchArticle { full_title } => self.err(
                            c.span,
                            format!("{full_title} has no {article_text}{}{}", paragraph.map(|p| format!("第{}款", crate::statute::numeral::to_chinese_numeral(p))).unwrap_or_default(), item.map(|i| format!("第{}项", crate::statute::numeral::to_chinese_numeral(i))).unwrap_or_default()),
                            "check the article number against the statute text (`regkb show …`)",
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
                TemplatePart::Hole(e) => match self.expr(e, scope) {
                    Some((ir, ty)) => {
                        if matches!(ty, Ty::Record(_) | Ty::Row(..))
                            || matches!(&ty, Ty::List(inner) if matches!(**inner, Ty::Record(_)))
                        {
                            self.err(e.span, format!("{} cannot be written into an explanation", ty.describe()), "name one of its fields, e.g. `{w.name}`, or use `{list w in … { w.name }}`");
                            ok = false;
                        } else {
                            out.push(CPart::Hole(ir, ty));
                        }
                    }
                    None => ok = false,
                },
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
                self.enter(file, "the `major_hazards` report".into());
                if found.is_some() {
                    self.err(
                        def.var.span,
                        "there is already a `major_hazards` report",
                        "keep one report for the whole rule pack",
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
                            format!("`{}` is written twice", key.node),
                            "keep one line per value",
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
                                "`{}` must be {}, but this is {}",
                                key.node,
                                if key.node == "unit" {
                                    "text"
                                } else if key.node == "is_major" {
                                    "yes/no"
                                } else {
                                    "a number"
                                },
                                ty.describe()
                            ),
                            "see rules/examples/gb18218.rule",
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
                        this.err(def.var.span, format!("the report has no `{k} = …` line"), "a major_hazards report sets unit, s, r and grade (is_major defaults to s ≥ 1)");
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
                        source: path,
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
                        self.enter(file, format!("example \"{}\"", ex.name.node));
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
                                    format!(
                                        "example \"{}\" of rule `{}`",
                                        ex.name.node, def.id.node
                                    ),
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
                ExampleField::Record(r) => record = Some(r.node.value.clone()),
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
                                    format!("no rule has the id `{}`", r.node),
                                    "write the id of a rule in the pack",
                                );
                            }
                            r.node.clone()
                        }
                        (None, Some(id)) => id.to_string(),
                        (None, None) => {
                            self.err(
                                outcome.span,
                                "this `expect` names no rule",
                                "outside a rule write `expect RULE-ID fail \"…\"`",
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
                        "`expect fact` belongs in an example inside a rule",
                        "move the example into the rule whose facts it checks",
                    ),
                },
                ExampleField::Conflict(ids) => {
                    for id in ids {
                        if !known(&id.node) {
                            self.err(
                                id.span,
                                format!("no rule has the id `{}`", id.node),
                                "write the ids of the two conflicting rules",
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
                                    format!("`{}` is not a number", x.node),
                                    "write a number or `none`",
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
                "the example has no `as_of` date",
                "add `as_of 2026-11-28` (the day the check is run)",
            );
            return None;
        };
        let Some(record) = record else {
            self.err(
                ex.name.span,
                "the example has no `record`",
                "add `record { … }` with the fields the rule reads",
            );
            return None;
        };
        if expects.is_empty() {
            self.err(
                ex.name.span,
                "the example expects nothing",
                "add `expect fail \"…\"` (or pass / unknown / not_applicable)",
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

    // ───────────── expressions ─────────────

    fn bool_expr(&mut self, e: &Expr, scope: &mut Scope, what: &str) -> Option<Ir> {
        let (ir, ty) = self.expr(e, scope)?;
        if ty != Ty::Bool {
            self.err(
                e.span,
                format!(
                    "{what} needs a condition (true or false), but this is {}",
                    ty.describe()
                ),
                "compare it with something, e.g. `employees > 100 人`",
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
                                format!("a list mixes {} and {}", prev.describe(), t.describe()),
                                "put values of one kind in a list",
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
                        "declare it with `table NAME from \"file.csv\" { … }`".to_string()
                    } else {
                        format!("known tables: {}", self.table_names())
                    };
                    self.err(
                        table.span,
                        format!("there is no table `{}`", table.node),
                        help,
                    );
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
                            format!(
                                "table `{}` cannot be looked up by {}",
                                table.node,
                                other.describe()
                            ),
                            if has_range {
                                "this table is looked up by a number (its `range`)"
                            } else {
                                "this table is looked up by text (its `key` columns)"
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
                        format!("there is no derived value `{}`", name.node),
                        "define it with `let NAME(x in list) = …`",
                    );
                    return None;
                };
                let params = self.param_types(i);
                if params.len() != args.len() {
                    self.err(
                        e.span,
                        format!(
                            "`{}` takes {} value(s), but {} are given",
                            name.node,
                            params.len(),
                            args.len()
                        ),
                        "pass one item per parameter, e.g. `S(u)`",
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
                                "`{}` expects {} here, but this is {}",
                                name.node,
                                p.describe(),
                                t.describe()
                            ),
                            "pass an item of the list the derived value is defined over",
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
                            format!("{} cannot be made negative", other.describe()),
                            "only numbers and durations have a minus sign",
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
                            format!(
                                "the two branches give {} and {}",
                                a.describe(),
                                b.describe()
                            ),
                            "`if … then A else B` needs A and B of the same kind",
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
                        format!(
                            "`{}` is already the name of a field or derived value",
                            var.node
                        ),
                        "use a short item name such as `w`, `u`, `c`",
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
                            format!("`{}` needs a body in braces", kind.word()),
                            format!(
                                "e.g. `{} {} in … {{ {}.… }}`",
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
                                "a condition (true or false)"
                            }
                            QuantKind::Sum => "a number",
                            QuantKind::List => "a single value (text, number, date)",
                        };
                        let span = body.as_ref().map(|b| b.span).unwrap_or(e.span);
                        self.err(
                            span,
                            format!(
                                "the body of `{}` must be {need}, but it is {}",
                                kind.word(),
                                t.describe()
                            ),
                            "see “Collections” in the README section on rules",
                        );
                        return None;
                    }
                };
                Some((
                    Ir::Quant {
                        kind: *kind,
                        slot,
                        base,
                        path,
                        filter: f.map(Box::new),
                        body: b.map(|(ir, _)| Box::new(ir)),
                    },
                    result,
                ))
            }
        }
    }

    fn table_names(&self) -> String {
        let mut v: Vec<&str> = self.table_index.keys().map(String::as_str).collect();
        v.sort();
        v.join(", ")
    }

    fn let_type(&mut self, i: usize, name: &Spanned<String>) -> Option<Ty> {
        if self.let_state.get(i) == Some(&LetState::Busy) {
            self.err(name.span, format!("`{}` depends on itself", name.node), "derived values cannot be recursive; compute the value from record fields and earlier derived values");
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
                    self.err(span, format!("`{text} {}` is not a whole number of {}", u.word(), u.word()), "write durations as whole days, months or years (e.g. 18 months, not 1.5 years)");
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
                    let help = format!("its columns are: {}", cols.join(", "));
                    self.err(
                        f.span,
                        format!("table `{tname}` has no column `{}`", f.node),
                        help,
                    );
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
                self.err(
                    extra.span,
                    "a table cell has no fields",
                    "write `table[key].column`",
                );
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
                    format!("{} has no fields", other.describe()),
                    "only table rows have `.column` fields here",
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
                    format!("`{}` needs its item, e.g. `{}(u)`", first.node, first.node),
                    "pass the list item the derived value is computed for",
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
                format!("`{}` is a table", first.node),
                format!("look a row up with `{}[key].column`", first.node),
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
                path: walk.path,
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
                "only a list field of the record can be gone through here",
                "write e.g. `any w in special_workers { … }`",
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
                self.err(e.span, format!("{} is {}, not a list", self.describe_path(&walk.schema_path), other.describe()), "any/all/count/sum/list go through a list such as `special_workers` or `u.chemicals`");
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
                    self.err(seg.span, format!("{desc} is a list, so `.{}` does not name one value", seg.node), format!("go through its items with any/all/count/sum, e.g. `any x in {} {{ x.{} … }}`", schema_path.replace("[]", ""), seg.node));
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
                        "this".to_string()
                    } else {
                        self.describe_path(&schema_path)
                    };
                    self.err(
                        seg.span,
                        format!(
                            "{desc} is {}, which has no field `{}`",
                            other.describe(),
                            seg.node
                        ),
                        "check the field path against rules/schema/",
                    );
                    return None;
                }
            };
            let Some(ft) = fields.get(&seg.node) else {
                let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
                names.sort();
                let whose = if schema_path.is_empty() {
                    "the record".to_string()
                } else {
                    self.describe_path(&schema_path)
                };
                let near = closest(&seg.node, &names);
                let help = match near {
                    Some(n) => format!(
                        "did you mean `{n}`? fields of {whose}: {}",
                        names.join(", ")
                    ),
                    None => format!("fields of {whose}: {}", names.join(", ")),
                };
                let full = if schema_path.is_empty() {
                    seg.node.clone()
                } else {
                    format!("{}.{}", schema_path.replace("[]", ""), seg.node)
                };
                self.err(
                    seg.span,
                    format!("`{full}` is not a field of {whose}"),
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
                    "{a} is {} and {b} is {}: they cannot be {what}",
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
                            self.err(span, "a number of days and a number of months cannot be compared: a month has 28 to 31 days", "compare dates instead (e.g. `expires < as_of + 30 days`), or write both sides in the same unit");
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
                    return mismatch(
                        self,
                        if ordered {
                            "compared by size"
                        } else {
                            "compared"
                        },
                    );
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
                            "tested with `contains`"
                        } else {
                            "tested with `in`"
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
                    _ => return mismatch(self, "alternatives of each other with `otherwise`"),
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
                    self.err(span, format!("`{}` needs a duration on the left and a date on the right, not {} and {}", op.word(), lty.describe(), rty.describe()), "e.g. `3 years before as_of`");
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
                        "days and months cannot be added: a month has 28 to 31 days",
                        "add each to a date instead: `as_of + 1 months + 10 days`",
                    );
                    None
                }
                _ => mismatch(
                    self,
                    if op == BinOp::Add {
                        "added"
                    } else {
                        "subtracted"
                    },
                ),
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
                _ => mismatch(self, "multiplied"),
            },
            BinOp::Div => match (&lty, &rty) {
                (Ty::Num { dim: x, .. }, Ty::Num { dim: y, .. }) if x == y => {
                    Some((Ir::Arith(ArithOp::Div, a, b), Ty::num(Dim::Free)))
                }
                (Ty::Num { dim: x, .. }, Ty::Num { dim: Dim::Free, .. }) => {
                    Some((Ir::Arith(ArithOp::Div, a, b), Ty::num(*x)))
                }
                _ => mismatch(self, "divided"),
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
                .map(|n| format!("did you mean `{n}`? "))
                .unwrap_or_default();
            self.err(
                other.span,
                format!("`{s}` is not one of the allowed values"),
                format!("{near}allowed: {}", values.join("、")),
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
            "use the same kind of unit on both sides ({} vs {}); t and kg convert, other units do not",
            x.unit_word(),
            y.unit_word()
        ),
        (Ty::Date, Ty::Num { .. }) | (Ty::Num { .. }, Ty::Date) => {
            "to move a date, add a duration: `as_of + 30 days`".into()
        }
        _ => "both sides must be the same kind of value".into(),
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
