//! The on-site visit routes: record a visit of an enterprise (observed facts
//! into the profile, hidden dangers from its items, a re-check — all or
//! nothing; problems are 422 naming the item and field, e.g.
//! `/items/2/danger/owner`), list an enterprise's visits or those of a
//! township and period, and read one. Inspectors and admins; a token scoped
//! to a region sees only visits of enterprises in it.
//!
//! ```ignore
//! // POST /api/v1/enterprises/{uscc}/visits  {"date": "2026-11-20", "departments": ["应急管理"],
//! //   "inspectors": ["王五"], "items": [{"rules": ["AQ-024-1"], "outcome": "compliant"}]}
//! ```

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{Caller, Identity};
use super::dangers::danger_out;
use super::enterprises::{
    blocking, existing, may_see_enterprise, store_error, uscc_of, visible_only,
};
use super::error::{ApiError, PointerProblem};
use super::extract::{ApiPath, ApiQuery, JsonBytes, decode};
use super::state::AppState;
use crate::store::{Role, StoreError};
use crate::visit::{NewVisit, Visit, VisitError, VisitId, VisitItem};

/// `POST /enterprises/{uscc}/visits` body (the enterprise is the path's).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitIn {
    pub date: jiff::civil::Date,
    pub departments: Vec<String>,
    pub inspectors: Vec<String>,
    /// The joint inspection plan the visit carries out, if any.
    pub plan: Option<crate::plan::PlanId>,
    pub items: Vec<VisitItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub township: Option<String>,
    pub uscc: Option<String>,
    /// First and last day (YYYY-MM-DD), either optional.
    pub from: Option<jiff::civil::Date>,
    pub to: Option<jiff::civil::Date>,
}

/// Refusals: problems by pointer 422, an unknown enterprise 404.
fn visit_error(e: VisitError) -> ApiError {
    match e {
        VisitError::Invalid(problems) => {
            let list: Vec<PointerProblem> = problems
                .into_iter()
                .map(|p| PointerProblem {
                    pointer: p.pointer,
                    message: p.message,
                })
                .collect();
            ApiError::problems(
                format!("现场检查记录未通过校验：共 {} 处问题", list.len()),
                list,
            )
        }
        VisitError::UnknownEnterprise(u) => {
            ApiError::not_found(format!("找不到统一社会信用代码为 `{u}` 的企业档案"))
        }
        VisitError::Store(StoreError::Danger(d)) => ApiError::field("items", d.to_string()),
        VisitError::Store(other) => store_error(other),
    }
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(uscc): ApiPath<String>,
    JsonBytes(body): JsonBytes,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Inspector)?;
    let key = uscc_of(&uscc)?;
    let input: VisitIn = decode(&body)?;
    existing(&state, &who, &key, &uscc).await?;
    let new = NewVisit {
        uscc: key,
        date: input.date,
        departments: input.departments,
        inspectors: input.inspectors,
        plan: input.plan,
        items: input.items,
    };
    let actor = who.actor();
    let st = state.clone();
    let written = tokio::task::spawn_blocking(move || st.record_visit(&new, &actor))
        .await
        .map_err(ApiError::internal)?
        .map_err(visit_error)?;
    let body = json!({
        "visit": written.visit,
        "dangers": written.dangers.iter().map(danger_out).collect::<Vec<_>>(),
        "record_version": written.record_version,
        "check": {
            "seq": written.check.seq,
            "as_of": written.check.result.as_of,
            "summary": written.check.result.summary,
        },
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Visits the caller may see, with their dangers' current states.
async fn answer(
    state: &AppState,
    who: &Identity<'_>,
    found: Vec<Visit>,
) -> Result<Response, ApiError> {
    let visits = visible_only(state, who, found, |v| &v.visit.uscc).await?;
    Ok(Json(json!({"total": visits.len(), "visits": visits})).into_response())
}

/// `GET /enterprises/{uscc}/visits`: the enterprise's visits, oldest first.
pub async fn list_for(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(uscc): ApiPath<String>,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Inspector)?;
    let key = uscc_of(&uscc)?;
    existing(&state, &who, &key, &uscc).await?;
    let store = state.0.store.clone();
    let found = blocking(move || store.visits(Some(&key), None, None, None)).await?;
    answer(&state, &who, found).await
}

/// `GET /visits?township=&uscc=&from=&to=`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Inspector)?;
    let uscc = match q.uscc.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(uscc_of(s)?),
        None => None,
    };
    if let (Some(f), Some(t)) = (q.from, q.to)
        && f > t
    {
        return Err(ApiError::field(
            "from",
            format!("起始日期 `{f}` 晚于截止日期 `{t}`"),
        ));
    }
    let township = q.township.filter(|t| !t.is_empty());
    let store = state.0.store.clone();
    let found =
        blocking(move || store.visits(uscc.as_ref(), township.as_deref(), q.from, q.to)).await?;
    answer(&state, &who, found).await
}

/// `GET /visits/{id}`: one visit with its hidden dangers as they are now.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Inspector)?;
    let missing = || ApiError::not_found(format!("找不到编号为 `{id}` 的现场检查记录"));
    let n: VisitId = id.parse().map_err(|_| missing())?;
    let store = state.0.store.clone();
    let (visit, dangers) = blocking(move || {
        let Some(v) = store.visit(n)? else {
            return Ok((None, Vec::new()));
        };
        let mut dangers = Vec::new();
        for d in &v.dangers {
            if let Some(found) = store.danger(*d)? {
                dangers.push(found);
            }
        }
        Ok((Some(v), dangers))
    })
    .await?;
    let visit = visit.ok_or_else(missing)?;
    may_see_enterprise(&state, &who, &visit.visit.uscc).await?;
    let dangers: Vec<Value> = dangers.iter().map(danger_out).collect();
    Ok(Json(json!({"visit": visit, "dangers": dangers})).into_response())
}
