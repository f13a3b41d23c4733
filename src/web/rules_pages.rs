//! The rule pages for experts: browse and filter the loaded rules
//! (`/rules`), read one rule with its metadata, linked citations and
//! highlighted source (`/rules/{id}`), check an edited version of it against
//! the rest of the loaded pack with the diagnostics shown inline
//! (POST `/rules/validate`) and run its embedded examples (POST
//! `/rules/{id}/examples`, on the loaded or the edited text). Nothing is
//! published from here: publishing stays in the API (`POST /api/v1/rules/publish`).
//!
//! Browsing needs any signed-in role; validating and running examples need
//! the author or admin role and a valid CSRF field.
//!
//! ```ignore
//! let app = axum::Router::new().merge(rules_pages::routes()).with_state(state);
//! // GET /rules?q=培训&severity=一般隐患  → the filtered table
//! // GET /rules/AQ-024-2                   → the rule with its source
//! ```

use std::ops::Range;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Form, Path, Query, State};
use axum::response::{Html, Redirect};
use axum::routing::get;
use serde::Deserialize;

use super::error_page::{PageError, render};
use super::highlight;
use super::layout::{Chrome, Nav};
use super::paths;
use super::session::Visitor;
use crate::check::{CitationOut, Outcome, Severity, cite_label};
use crate::dsl::{self, CheckedProgram, Diagnostic, Example, Expect, RuleMeta};
use crate::http::AppState;
use crate::pack;
use crate::statute::ArticleNo;
use crate::store::Role;

/// The rule routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/rules", get(list))
        .route("/rules/validate", get(back_to_list).post(validate))
        .route("/rules/{id}", get(show))
        .route("/rules/{id}/examples", get(back_to_rule).post(examples))
}

/// A result page's address opened again (a bookmark, a reload): back to
/// the list.
async fn back_to_list() -> Redirect {
    Redirect::to("/rules")
}

/// Likewise, back to the rule.
async fn back_to_rule(path: Result<Path<String>, PathRejection>) -> Result<Redirect, PageError> {
    let Path(id) = path?;
    Ok(Redirect::to(&rule_href(&id)))
}

// ───────────── shared views ─────────────

/// A citation as a link to the article page (standards have no page).
#[derive(Debug, Clone)]
struct CiteView {
    label: String,
    href: Option<String>,
}

fn cite_view(c: &CitationOut) -> CiteView {
    let href = c.article.map(|number| {
        let sub = c
            .clause
            .as_deref()
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(0);
        paths::article_href(&c.law, ArticleNo { number, sub })
    });
    CiteView {
        label: cite_label(c),
        href,
    }
}

fn rule_href(id: &str) -> String {
    format!("/rules/{}", paths::segment(id))
}

fn severity_text(s: Severity) -> &'static str {
    s.label()
}

fn effective_text(m: &RuleMeta) -> String {
    match (m.effective_from, m.effective_until) {
        (Some(f), Some(u)) => format!("{f} 起，{u} 止"),
        (Some(f), None) => format!("{f} 起"),
        (None, Some(u)) => format!("{u} 止"),
        (None, None) => "长期".to_string(),
    }
}

/// `rules/安全生产法/a.rule:12` → (`rules/安全生产法/a.rule`, 12).
fn split_location(location: &str) -> (&str, usize) {
    match location.rsplit_once(':') {
        Some((file, line)) => (file, line.parse().unwrap_or(1)),
        None => (location, 1),
    }
}

fn pack_text(version: Option<u64>) -> String {
    match version {
        Some(n) => format!("已发布的第 {n} 版规则"),
        None => "随服务提供的规则文件夹".to_string(),
    }
}

// ───────────── the list ─────────────

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    page: Option<String>,
}

/// Rules per list page (keeps the page well under 150 KB).
const PAGE_SIZE: usize = 100;

struct RuleRow {
    id: String,
    href: String,
    title: String,
    severity: &'static str,
    major: bool,
    departments: String,
    citations: Vec<CiteView>,
    effective: String,
    source: String,
}

struct SourceCount {
    source: String,
    href: String,
    count: usize,
    current: bool,
}

struct Choice {
    value: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    chrome: Chrome,
    q: String,
    rows: Vec<RuleRow>,
    total: usize,
    filtered: bool,
    sources: Vec<SourceCount>,
    source_choices: Vec<Choice>,
    departments: Vec<Choice>,
    severities: Vec<Choice>,
    pack: String,
    matched: usize,
    page: usize,
    pages: usize,
    prev_href: Option<String>,
    next_href: Option<String>,
}

/// Whether a rule matches the free-text filter: id, title or a citation label
/// (case-insensitive, every blank-separated word must match).
fn matches_text(m: &RuleMeta, q: &str) -> bool {
    let hay = {
        let mut h = format!("{} {}", m.id, m.title);
        for c in &m.citations {
            h.push(' ');
            h.push_str(&cite_label(c));
            h.push(' ');
            h.push_str(&c.law);
        }
        h.to_lowercase()
    };
    q.split_whitespace()
        .all(|w| hay.contains(&w.to_lowercase()) || cite_word_matches(m, w))
}

/// `第24条`, `二十四条`, `24`: a word naming an article number matches the
/// rules citing that article.
fn cite_word_matches(m: &RuleMeta, word: &str) -> bool {
    let Ok(no) = word.parse::<crate::statute::ArticleNo>() else {
        return false;
    };
    m.citations.iter().any(|c| c.article == Some(no.number))
}

async fn list(
    visitor: Visitor,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    visitor.require(Role::Viewer)?;
    let loaded = state.inner().rules.load();
    let all: Vec<&RuleMeta> = loaded.program.rules().collect();
    let q = query.q.trim();
    let mut sources: Vec<SourceCount> = Vec::new();
    for m in &all {
        let (file, _) = split_location(&m.location);
        match sources.iter_mut().find(|s| s.source == file) {
            Some(s) => s.count += 1,
            None => sources.push(SourceCount {
                source: file.to_string(),
                href: paths::query_href("/rules", &[("source", file)]),
                count: 1,
                current: file == query.source,
            }),
        }
    }
    sources.sort_by(|a, b| a.source.cmp(&b.source));
    let rows: Vec<RuleRow> = all
        .iter()
        .filter(|m| query.source.is_empty() || split_location(&m.location).0 == query.source)
        .filter(|m| query.department.is_empty() || m.departments.contains(&query.department))
        .filter(|m| query.severity.is_empty() || m.severity.label() == query.severity)
        .filter(|m| q.is_empty() || matches_text(m, q))
        .map(|m| RuleRow {
            id: m.id.clone(),
            href: rule_href(&m.id),
            title: m.title.clone(),
            severity: severity_text(m.severity),
            major: m.severity == Severity::Major,
            departments: m.departments.join("、"),
            citations: m.citations.iter().map(cite_view).collect(),
            effective: effective_text(m),
            source: split_location(&m.location).0.to_string(),
        })
        .collect();
    let matched = rows.len();
    let pages = matched.div_ceil(PAGE_SIZE).max(1);
    let page = query
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let rows: Vec<RuleRow> = rows
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    let page_href = |n: usize| {
        let n = n.to_string();
        paths::query_href(
            "/rules",
            &[
                ("q", q),
                ("source", &query.source),
                ("department", &query.department),
                ("severity", &query.severity),
                ("page", if n == "1" { "" } else { &n }),
            ],
        )
    };
    let prev_href = (page > 1).then(|| page_href(page - 1));
    let next_href = (page < pages).then(|| page_href(page + 1));
    let source_choices = sources
        .iter()
        .map(|s| Choice {
            value: s.source.clone(),
            selected: s.current,
        })
        .collect();
    let page = RulesPage {
        chrome: Chrome::new(&visitor, "规则", Nav::Rules),
        q: q.to_string(),
        total: all.len(),
        filtered: !(q.is_empty()
            && query.source.is_empty()
            && query.department.is_empty()
            && query.severity.is_empty()),
        rows,
        sources,
        source_choices,
        departments: dsl::DEPARTMENTS
            .iter()
            .map(|d| Choice {
                value: (*d).to_string(),
                selected: *d == query.department,
            })
            .collect(),
        severities: [Severity::General, Severity::Major]
            .iter()
            .map(|s| Choice {
                value: s.label().to_string(),
                selected: s.label() == query.severity,
            })
            .collect(),
        pack: pack_text(loaded.version),
        matched,
        page,
        pages,
        prev_href,
        next_href,
    };
    render(&page)
}

// ───────────── one rule ─────────────

struct MetaView {
    id: String,
    title: String,
    severity: &'static str,
    major: bool,
    departments: String,
    citations: Vec<CiteView>,
    effective: String,
    subject: Option<String>,
    exception_to: Option<(String, String)>,
    remedy: String,
    location: String,
}

fn meta_view(m: &RuleMeta) -> MetaView {
    MetaView {
        id: m.id.clone(),
        title: m.title.clone(),
        severity: severity_text(m.severity),
        major: m.severity == Severity::Major,
        departments: m.departments.join("、"),
        citations: m.citations.iter().map(cite_view).collect(),
        effective: effective_text(m),
        subject: m.subject.clone(),
        exception_to: m.exception_to.as_ref().map(|e| (e.clone(), rule_href(e))),
        remedy: m.remedy.clone(),
        location: m.location.clone(),
    }
}

struct SrcLine {
    no: usize,
    html: String,
}

struct VersionLink {
    label: String,
    href: String,
    current: bool,
}

/// A diagnostic as shown under the edit box.
struct DiagView {
    is_error: bool,
    /// `3:5` in the edit box, or `file:line:col` outside it.
    place: String,
    /// Where in the file, when `place` is in the edit box.
    file_place: Option<String>,
    in_edit: bool,
    message: Vec<Part>,
    help: Vec<Part>,
    line_no: usize,
    before: String,
    marked: String,
    after: String,
}

/// A piece of a diagnostic's message: text, or a `quoted` name shown as code.
struct Part {
    code: bool,
    text: String,
}

/// Splits a message at its backticks: `未知字段 \`x\`` → text, code.
fn parts(message: &str) -> Vec<Part> {
    message
        .split('`')
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| Part {
            code: i % 2 == 1,
            text: t.to_string(),
        })
        .collect()
}

/// At most this many characters of a source line before and after the
/// marked part (longer lines are cut with `…`, the caret still under the mark).
const CONTEXT_CHARS: usize = 40;

fn cut_before(s: &str) -> String {
    let n = s.chars().count();
    if n <= CONTEXT_CHARS + 8 {
        return s.to_string();
    }
    let tail: String = s.chars().skip(n - CONTEXT_CHARS).collect();
    format!("…{tail}")
}

fn cut_after(s: &str) -> String {
    if s.chars().count() <= CONTEXT_CHARS + 8 {
        return s.to_string();
    }
    let head: String = s.chars().take(CONTEXT_CHARS).collect();
    format!("{head}…")
}

struct ValidationView {
    ok: bool,
    errors: usize,
    warnings: usize,
    rules: usize,
    /// The edited rule's problems, and errors anywhere.
    diagnostics: Vec<DiagView>,
    /// Warnings about other rules (there before the edit).
    elsewhere: Vec<DiagView>,
    /// Said when the edited text no longer holds the rule.
    note: Option<String>,
}

struct ExampleRow {
    name: String,
    location: String,
    expected: Vec<String>,
    got: Vec<String>,
    passed: bool,
    diff: Vec<DiffLine>,
}

/// One line of an example's diff: `del` (expected), `ins` (actual) or plain.
struct DiffLine {
    kind: &'static str,
    text: String,
}

fn diff_lines(failures: &[String]) -> Vec<DiffLine> {
    failures
        .iter()
        .flat_map(|f| f.lines())
        .map(|l| {
            let t = l.trim_start();
            let kind = if t.starts_with("- ") {
                "del"
            } else if t.starts_with("+ ") {
                "ins"
            } else {
                ""
            };
            DiffLine {
                kind,
                text: l.to_string(),
            }
        })
        .collect()
}

struct ExamplesView {
    edited: bool,
    rows: Vec<ExampleRow>,
    passed: usize,
    failed: usize,
}

#[derive(Template)]
#[template(path = "rule.html")]
struct RulePage {
    chrome: Chrome,
    meta: MetaView,
    versions: Vec<VersionLink>,
    file: String,
    first_line: usize,
    last_line: usize,
    lines: Vec<SrcLine>,
    can_edit: bool,
    edit_text: String,
    validation: Option<ValidationView>,
    examples: Option<ExamplesView>,
    example_count: usize,
    pack: String,
}

/// Rule files as `(name, text)`.
type Files = Vec<(String, String)>;

/// The `(name, text)` files of the loaded pack: the published set it came
/// from, or the rules folder.
async fn pack_files(
    state: &AppState,
    version: Option<u64>,
) -> Result<Vec<(String, String)>, PageError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || match version {
        Some(n) => match state.inner().store.rule_set(n) {
            Ok(Some(set)) => Ok(set.files),
            Ok(None) => Err(PageError::Unavailable(format!(
                "找不到已发布的第 {n} 版规则的源文件"
            ))),
            Err(e) => {
                tracing::error!("reading rule set {n} failed: {e}");
                Err(PageError::Internal)
            }
        },
        None => pack::read_sources(&[], &state.inner().ctx)
            .map(|sources| {
                sources
                    .iter()
                    .map(|s| (s.name.clone(), s.text.clone()))
                    .collect()
            })
            .map_err(|e| PageError::Unavailable(e.to_string())),
    })
    .await
    .map_err(|_| PageError::Internal)?
}

/// Byte range of the rule whose id stands on 1-based `line` of `text`: from
/// the start of the line with `rule` to its closing brace.
fn rule_range(text: &str, line: usize) -> Option<Range<usize>> {
    let mut line_starts = vec![0];
    for (i, c) in text.char_indices() {
        if c == '\n' {
            line_starts.push(i + 1);
        }
    }
    // the `rule` keyword is on the id's line or shortly before it
    let start = (1..=line).rev().take(5).find_map(|no| {
        let at = *line_starts.get(no.checked_sub(1)?)?;
        let words = text.get(at..)?.trim_start();
        let is_rule = words
            .strip_prefix("rule")?
            .starts_with([' ', '\t', '\n', '\r']);
        is_rule.then_some(at)
    })?;
    let mut depth = 0usize;
    let mut offset = start;
    for t in highlight::tokens(text.get(start..)?) {
        if t.class == highlight::Class::Plain {
            if t.text == "{" {
                depth += 1;
            } else if t.text == "}" {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(start..offset + 1);
                }
            }
        }
        offset += t.text.len();
    }
    None
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |t| t.matches('\n').count() + 1)
}

/// The rule version a request is about: by `location` (`file:line`) when
/// given, else the `v`-th (1-based) version with the id.
fn find_rule<'a>(
    program: &'a CheckedProgram,
    id: &str,
    location: Option<&str>,
    v: Option<usize>,
) -> Result<(&'a RuleMeta, Vec<&'a RuleMeta>), PageError> {
    let versions: Vec<&RuleMeta> = program.rules().filter(|r| r.id == id).collect();
    let chosen = match location.filter(|l| !l.is_empty()) {
        Some(loc) => versions.iter().find(|r| r.location == loc).copied(),
        None => versions
            .get(v.unwrap_or(1).saturating_sub(1))
            .or(versions.first())
            .copied(),
    };
    match chosen {
        Some(m) => Ok((m, versions)),
        None => Err(PageError::NotFound(format!(
            "当前加载的规则中没有编号为“{id}”的规则"
        ))),
    }
}

/// The rule's text in its file, with the range it occupies.
fn rule_text<'f>(
    files: &'f [(String, String)],
    meta: &RuleMeta,
) -> Result<(&'f str, Range<usize>), PageError> {
    let (file, line) = split_location(&meta.location);
    let gone = || {
        PageError::Unavailable(format!(
            "规则“{}”的源文件 {file} 已变化，请刷新页面后重试",
            meta.id
        ))
    };
    let text = files
        .iter()
        .find(|(name, _)| name == file)
        .map(|(_, t)| t.as_str())
        .ok_or_else(gone)?;
    let range = rule_range(text, line).ok_or_else(gone)?;
    Ok((text, range))
}

struct PageInput<'a> {
    meta: &'a RuleMeta,
    versions: &'a [&'a RuleMeta],
    text: &'a str,
    range: Range<usize>,
    edit_text: Option<String>,
    validation: Option<ValidationView>,
    examples: Option<ExamplesView>,
    example_count: usize,
    version: Option<u64>,
}

fn rule_page(visitor: &Visitor, input: PageInput<'_>) -> Result<Html<String>, PageError> {
    let PageInput {
        meta,
        versions,
        text,
        range,
        edit_text,
        validation,
        examples,
        example_count,
        version,
    } = input;
    let source = text.get(range.clone()).unwrap_or_default();
    let first_line = line_of(text, range.start);
    let lines: Vec<SrcLine> = highlight::highlight(source)
        .into_iter()
        .enumerate()
        .map(|(i, html)| SrcLine {
            no: first_line + i,
            html,
        })
        .collect();
    let last_line = first_line + lines.len().saturating_sub(1);
    let versions = if versions.len() > 1 {
        versions
            .iter()
            .enumerate()
            .map(|(i, v)| VersionLink {
                label: effective_text(v),
                href: format!("{}?v={}", rule_href(&v.id), i + 1),
                current: v.location == meta.location,
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = RulePage {
        chrome: Chrome::new(visitor, format!("规则 {}", meta.id), Nav::Rules),
        meta: meta_view(meta),
        versions,
        file: split_location(&meta.location).0.to_string(),
        first_line,
        last_line,
        lines,
        can_edit: visitor.has(Role::Author),
        edit_text: edit_text.unwrap_or_else(|| source.to_string()),
        validation,
        examples,
        example_count,
        pack: pack_text(version),
    };
    render(&page)
}

fn examples_of<'p>(program: &'p CheckedProgram, id: &str) -> Vec<&'p Example> {
    program
        .examples()
        .iter()
        .filter(|ex| match &ex.rule {
            Some(r) => r == id,
            None => ex.expects.iter().any(|e| match e {
                Expect::Outcome { rule, .. } | Expect::Fact { rule, .. } => rule == id,
                Expect::Conflict(ids) => ids.iter().any(|i| i == id),
                Expect::Hazard { .. } => false,
            }),
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
struct ShowQuery {
    /// The version's number (from 1), as typed.
    v: Option<String>,
}

async fn show(
    visitor: Visitor,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    Query(query): Query<ShowQuery>,
) -> Result<Html<String>, PageError> {
    visitor.require(Role::Viewer)?;
    let Path(id) = path?;
    let v = match query.v.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Some(t.parse::<usize>().map_err(|_| {
            PageError::BadRequest(format!("参数 v 应为版本序号（正整数），收到 `{t}`"))
        })?),
        None => None,
    };
    let loaded = state.inner().rules.load_full();
    let (meta, versions) = find_rule(&loaded.program, &id, None, v)?;
    let files = pack_files(&state, loaded.version).await?;
    let (text, range) = rule_text(&files, meta)?;
    rule_page(
        &visitor,
        PageInput {
            meta,
            versions: &versions,
            text,
            range,
            edit_text: None,
            validation: None,
            examples: None,
            example_count: examples_of(&loaded.program, &meta.id).len(),
            version: loaded.version,
        },
    )
}

// ───────────── validate an edited rule ─────────────

#[derive(Debug, Default, Deserialize)]
struct EditForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    source: String,
}

/// The loaded files with the rule's text replaced by `edited` (browsers
/// send a textarea's line breaks as CR LF); returns the files, the file's
/// index and the byte range the edit occupies in it.
fn splice(
    mut files: Vec<(String, String)>,
    meta: &RuleMeta,
    edited: &str,
) -> Result<(Files, usize, Range<usize>), PageError> {
    let edited = edited.replace("\r\n", "\n");
    let (file, _) = split_location(&meta.location);
    let index = files
        .iter()
        .position(|(name, _)| name == file)
        .ok_or_else(|| PageError::Unavailable(format!("找不到规则的源文件 {file}")))?;
    let (_, range) = rule_text(&files, meta)?;
    let Some((_, text)) = files.get_mut(index) else {
        return Err(PageError::Internal);
    };
    text.replace_range(range.clone(), &edited);
    let edit = range.start..range.start + edited.len();
    Ok((files, index, edit))
}

async fn compile(
    state: &AppState,
    files: Vec<(String, String)>,
) -> Result<pack::CheckOutcome, PageError> {
    let ctx = state.inner().ctx.clone();
    tokio::task::spawn_blocking(move || pack::compile_files(&files, &ctx))
        .await
        .map_err(|_| PageError::Internal)?
        .map_err(|e| PageError::Unavailable(e.to_string()))
}

/// A diagnostic with its place in the edit box (when it lies there), the
/// source line and the marked part of it.
fn diag_view(d: &Diagnostic, edited_file: &str, edit: &Range<usize>) -> DiagView {
    let text = d.source.text.as_str();
    let at = d.span.start.min(text.len());
    let (line, col) = d.source.line_col(at);
    let line_start = text
        .get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = text
        .get(at..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| at + i);
    let mark_end = d.span.end.clamp(at, line_end);
    let piece = |r: Range<usize>| {
        text.get(r)
            .unwrap_or_default()
            .trim_end_matches('\r')
            .to_string()
    };
    let file_place = format!("{}:{line}:{col}", d.source.name);
    let in_edit = d.source.name == edited_file && edit.start <= at && at <= edit.end;
    let (place, file_place) = if in_edit {
        let first = line_of(text, edit.start);
        (format!("{}:{col}", line + 1 - first), Some(file_place))
    } else {
        (file_place, None)
    };
    DiagView {
        is_error: d.is_error(),
        place,
        file_place,
        in_edit,
        message: parts(&d.message),
        help: parts(&d.help),
        line_no: line,
        before: cut_before(&piece(line_start..at)),
        marked: cut_after(&piece(at..mark_end)),
        after: cut_after(&piece(mark_end..line_end)),
    }
}

/// Compiles the pack with the rule replaced by `edited`: the validation
/// view, and the program when there were no errors.
async fn validate_edit(
    state: &AppState,
    files: Vec<(String, String)>,
    meta: &RuleMeta,
    edited: &str,
) -> Result<(ValidationView, Option<dsl::Checked>), PageError> {
    let (files, index, edit) = splice(files, meta, edited)?;
    let edited_file = files.get(index).map(|(n, _)| n.clone()).unwrap_or_default();
    let outcome = compile(state, files).await?;
    let view = |diags: &[Diagnostic], rules: usize| {
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let mut diagnostics: Vec<DiagView> = diags
            .iter()
            .map(|d| diag_view(d, &edited_file, &edit))
            .collect();
        // the edited rule's problems first, errors before warnings
        diagnostics.sort_by_key(|d| (!d.in_edit, !d.is_error));
        let (diagnostics, elsewhere) = diagnostics
            .into_iter()
            .partition(|d| d.in_edit || d.is_error);
        ValidationView {
            ok: errors == 0,
            errors,
            warnings: diags.len() - errors,
            rules,
            diagnostics,
            elsewhere,
            note: None,
        }
    };
    Ok(match outcome {
        Ok(checked) => {
            let mut v = view(&checked.warnings, checked.program.rules().count());
            if !checked.program.rules().any(|r| r.id == meta.id) {
                v.note = Some(format!(
                    "编辑后的文本中已没有规则“{}”：发布后这条规则将被删除",
                    meta.id
                ));
            }
            (v, Some(checked))
        }
        Err(diags) => (view(&diags, 0), None),
    })
}

async fn read_form(form: Result<Form<EditForm>, FormRejection>) -> Result<EditForm, PageError> {
    form.map(|Form(f)| f)
        .map_err(|_| PageError::BadRequest("表单内容无法读取，请从规则页面提交".to_string()))
}

async fn validate(
    visitor: Visitor,
    State(state): State<AppState>,
    form: Result<Form<EditForm>, FormRejection>,
) -> Result<Html<String>, PageError> {
    visitor.require(Role::Author)?;
    let form = read_form(form).await?;
    visitor.check_csrf(&form.csrf)?;
    let loaded = state.inner().rules.load_full();
    let (meta, versions) = find_rule(&loaded.program, &form.rule, Some(&form.location), None)?;
    let files = pack_files(&state, loaded.version).await?;
    let (view, _) = validate_edit(&state, files.clone(), meta, &form.source).await?;
    let example_count = examples_of(&loaded.program, &meta.id).len();
    let (text, range) = rule_text(&files, meta)?;
    rule_page(
        &visitor,
        PageInput {
            meta,
            versions: &versions,
            text,
            range,
            edit_text: Some(form.source.replace("\r\n", "\n")),
            validation: Some(view),
            examples: None,
            example_count,
            version: loaded.version,
        },
    )
}

// ───────────── run the examples ─────────────

fn outcome_text(o: Outcome) -> String {
    let word = match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Unknown => "unknown",
        Outcome::NotApplicable => "not_applicable",
    };
    format!("{}（{word}）", o.label())
}

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "none".to_string(), |v| v.to_string())
}

/// What each expectation of an example asks for, and what came out.
fn expected_and_got(program: &CheckedProgram, ex: &Example) -> (Vec<String>, Vec<String>) {
    let eval = dsl::evaluate(program, &ex.record, ex.as_of);
    let own = ex.rule.as_deref();
    let mut expected = Vec::new();
    let mut got = Vec::new();
    let prefix = |rule: &str| {
        if Some(rule) == own {
            String::new()
        } else {
            format!("{rule} ")
        }
    };
    for e in &ex.expects {
        match e {
            Expect::Outcome {
                rule,
                outcome,
                explanation,
            } => {
                let mut want = format!("{}{}", prefix(rule), outcome_text(*outcome));
                if let Some(text) = explanation {
                    want.push_str(&format!("：{text}"));
                }
                expected.push(want);
                got.push(match eval.findings.iter().find(|f| f.rule == *rule) {
                    Some(f) => format!(
                        "{}{}：{}",
                        prefix(rule),
                        outcome_text(f.outcome),
                        &*f.explanation
                    ),
                    None => format!("{}在 {} 不在有效期内", prefix(rule), ex.as_of),
                });
            }
            Expect::Fact { rule, path } => {
                expected.push(format!("{}事实包含 {path}", prefix(rule)));
                let facts: Vec<&str> = eval
                    .findings
                    .iter()
                    .filter(|f| f.rule == *rule)
                    .flat_map(|f| f.facts.iter().map(|x| &*x.path))
                    .collect();
                got.push(format!(
                    "{}事实：{}",
                    prefix(rule),
                    if facts.is_empty() {
                        "（无）".to_string()
                    } else {
                        facts.join("、")
                    }
                ));
            }
            Expect::Conflict(ids) => {
                expected.push(format!("冲突：{}", ids.join("、")));
                let found: Vec<String> =
                    eval.conflicts.iter().map(|c| c.rules.join("、")).collect();
                got.push(if found.is_empty() {
                    "没有冲突".to_string()
                } else {
                    format!("冲突：{}", found.join("；"))
                });
            }
            Expect::Hazard { unit, s, r, grade } => {
                expected.push(format!(
                    "重大危险源 {unit}：s = {} r = {} grade = {}",
                    num(*s),
                    num(*r),
                    num(*grade)
                ));
                got.push(match eval.major_hazards.iter().find(|h| &h.unit == unit) {
                    Some(h) => format!(
                        "重大危险源 {unit}：s = {} r = {} grade = {}",
                        num(h.s),
                        num(h.r),
                        num(h.grade.map(f64::from))
                    ),
                    None => format!("报告里没有单元 {unit}"),
                });
            }
        }
    }
    (expected, got)
}

fn run_examples_of(program: &CheckedProgram, id: &str, edited: bool) -> ExamplesView {
    let rows: Vec<ExampleRow> = examples_of(program, id)
        .into_iter()
        .map(|ex| {
            let report = dsl::run_example(program, ex);
            let (expected, got) = expected_and_got(program, ex);
            ExampleRow {
                name: ex.name.clone(),
                location: ex.location.clone(),
                expected,
                got,
                passed: report.passed(),
                diff: diff_lines(&report.failures),
            }
        })
        .collect();
    let passed = rows.iter().filter(|r| r.passed).count();
    ExamplesView {
        edited,
        failed: rows.len() - passed,
        passed,
        rows,
    }
}

async fn examples(
    visitor: Visitor,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    form: Result<Form<EditForm>, FormRejection>,
) -> Result<Html<String>, PageError> {
    visitor.require(Role::Author)?;
    let Path(id) = path?;
    let form = read_form(form).await?;
    visitor.check_csrf(&form.csrf)?;
    let loaded = state.inner().rules.load_full();
    let (meta, versions) = find_rule(&loaded.program, &id, Some(&form.location), None)?;
    let files = pack_files(&state, loaded.version).await?;
    let edited = !form.source.trim().is_empty();
    let (validation, program): (Option<ValidationView>, Option<Arc<dsl::Checked>>) = if edited {
        let (view, checked) = validate_edit(&state, files.clone(), meta, &form.source).await?;
        (Some(view), checked.map(Arc::new))
    } else {
        (None, None)
    };
    let report = match (&program, edited) {
        (Some(checked), true) => {
            let checked = Arc::clone(checked);
            let id = meta.id.clone();
            Some(
                tokio::task::spawn_blocking(move || run_examples_of(&checked.program, &id, true))
                    .await
                    .map_err(|_| PageError::Internal)?,
            )
        }
        (None, true) => None,
        _ => {
            let loaded = Arc::clone(&loaded);
            let id = meta.id.clone();
            Some(
                tokio::task::spawn_blocking(move || run_examples_of(&loaded.program, &id, false))
                    .await
                    .map_err(|_| PageError::Internal)?,
            )
        }
    };
    let example_count = examples_of(&loaded.program, &meta.id).len();
    let (text, range) = rule_text(&files, meta)?;
    rule_page(
        &visitor,
        PageInput {
            meta,
            versions: &versions,
            text,
            range,
            edit_text: edited.then(|| form.source.replace("\r\n", "\n")),
            validation,
            examples: report,
            example_count,
            version: loaded.version,
        },
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const FILE: &str = "# 文件注释\n\nrule A-1 \"甲\" {\n  explain \"{x} }\"\n  example \"e\" {\n    record {\"a\": {\"b\": 1}}\n  }\n}\n# 下一条\nrule B-2 \"乙\" {\n}\n";

    #[test]
    fn rule_ranges_follow_braces_not_strings() {
        let r = rule_range(FILE, 3).unwrap();
        let text = &FILE[r];
        assert!(text.starts_with("rule A-1"));
        assert!(text.ends_with("  }\n}"));
        let r = rule_range(FILE, 10).unwrap();
        assert_eq!(&FILE[r], "rule B-2 \"乙\" {\n}");
        // no rule there
        assert_eq!(rule_range("rule X \"t\" {", 1), None);
        assert_eq!(rule_range("rules = 1\n", 1), None);
        assert_eq!(rule_range("a\nb\n", 2), None);
        assert_eq!(rule_range("a\n", 9), None);
        // the id on the line after the keyword
        assert_eq!(rule_range("rule\n  A-1 \"t\" {}\n", 2), Some(0..17));
    }

    #[test]
    fn citations_link_to_the_article_page() {
        let c = CitationOut {
            law: "中华人民共和国安全生产法".into(),
            article: Some(24),
            paragraph: Some(2),
            item: None,
            clause: None,
        };
        let v = cite_view(&c);
        assert!(v.href.unwrap().ends_with("/24"));
        assert!(v.label.contains("第二十四条第二款"));
        let std = CitationOut {
            law: "GB 18218-2018".into(),
            article: None,
            paragraph: None,
            item: None,
            clause: Some("4.2.1".into()),
        };
        assert_eq!(cite_view(&std).href, None);
        let sub = CitationOut {
            clause: Some("1".into()),
            ..c
        };
        assert_eq!(
            cite_view(&sub).href.unwrap(),
            "/law/中华人民共和国安全生产法/24-1"
        );
    }

    #[test]
    fn messages_split_at_backticks() {
        let got: Vec<(bool, String)> = parts("未知字段 `x.y`：见 `z`")
            .into_iter()
            .map(|p| (p.code, p.text))
            .collect();
        assert_eq!(
            got,
            [
                (false, "未知字段 ".to_string()),
                (true, "x.y".to_string()),
                (false, "：见 ".to_string()),
                (true, "z".to_string())
            ]
        );
        assert!(parts("").is_empty());
    }

    #[test]
    fn long_lines_are_cut_around_the_mark() {
        let short = "  require x > 1 ";
        assert_eq!(cut_before(short), short);
        assert_eq!(cut_after(short), short);
        let long = "甲".repeat(60);
        assert_eq!(
            cut_before(&long),
            format!("…{}", "甲".repeat(CONTEXT_CHARS))
        );
        assert_eq!(cut_after(&long), format!("{}…", "甲".repeat(CONTEXT_CHARS)));
    }

    #[test]
    fn locations_split_at_the_last_colon() {
        assert_eq!(split_location("rules/a.rule:12"), ("rules/a.rule", 12));
        assert_eq!(split_location("a.rule"), ("a.rule", 1));
    }
}
