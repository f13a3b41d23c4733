//! Joint inspection plans (综合查一次, see [`crate::plan`]):
//! `POST /plans` makes and stores one for a township or a list of USCCs
//! (201 with the plan and its `id`), `GET /plans/{id}` reads one with its
//! `progress` (visits recorded under the plan, computed on read),
//! `GET /plans?township=` lists them (newest first, without their
//! checklists). Inspectors and admins only; a region-scoped token plans and
//! sees only enterprises in its region.
//!
//! With `usccs` the listed enterprises are planned (a `township` given as
//! well only labels the plan). Errors: a body without `township` or `usccs`, a bad date or `from` after
//! `to` are 422 naming the field; a township with no enterprise the caller
//! may see, or an unknown USCC, is 404 (an empty plan is never stored).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::enterprises::blocking;
use super::error::ApiError;
use super::extract::{ApiPath, ApiQuery, JsonBytes, decode};
use super::state::AppState;
use crate::plan::{Figures, Plan, PlanId, Request};
use crate::planning::{PlanningError, Progress, load_settings, plan_in_scope, progress};
use crate::store::Role;

/// `GET /plans/{id}`: the stored plan and, computed on read, which planned
/// enterprises have a visit recorded under it.
#[derive(Serialize)]
pub struct PlanOut {
    #[serde(flatten)]
    pub plan: Plan,
    pub progress: Progress,
}

/// `POST /plans` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanIn {
    pub township: Option<String>,
    pub usccs: Option<Vec<String>>,
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    /// Seed of the random draw; a random one when absent (the plan keeps it).
    pub seed: Option<u64>,
    /// Visits per department per enterprise per year; plan.toml when absent.
    pub cap: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub township: Option<String>,
}

/// A plan in a list.
#[derive(Serialize)]
struct PlanSummary {
    id: Option<PlanId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    township: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    usccs: Vec<String>,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    seed: u64,
    cap: u32,
    created_at: Option<jiff::Timestamp>,
    created_by: Option<String>,
    enterprises: usize,
    figures: Figures,
}

#[derive(Serialize)]
struct ListOut {
    plans: Vec<PlanSummary>,
}

fn planning_error(e: PlanningError) -> ApiError {
    match e {
        PlanningError::Store(s) => super::enterprises::store_error(s),
        PlanningError::Plan(p) => ApiError::field("to", p.to_string()),
        PlanningError::NoScope => ApiError::field("township", e.to_string()),
        PlanningError::UnknownTownship(_) | PlanningError::UnknownEnterprise(_) => {
            ApiError::not_found(e.to_string())
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBytes(body): JsonBytes,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Inspector)?;
    let input: PlanIn = decode(&body)?;
    let township = input.township.filter(|t| !t.trim().is_empty());
    let usccs = input.usccs.unwrap_or_default();
    if township.is_none() && usccs.is_empty() {
        return Err(ApiError::field(
            "township",
            "须给出 `township`（乡镇）或 `usccs`（企业统一社会信用代码列表）之一",
        ));
    }
    if let Some(bad) = usccs
        .iter()
        .find(|u| u.parse::<crate::record::Uscc>().is_err())
    {
        return Err(ApiError::field(
            "usccs",
            format!("`{bad}` 不是有效的统一社会信用代码"),
        ));
    }
    if input.from > input.to {
        return Err(ApiError::field(
            "to",
            format!("计划开始日期 `{}` 晚于结束日期 `{}`", input.from, input.to),
        ));
    }
    let rules_dir = state.0.ctx.content.rules_dir.clone();
    let settings = load_settings(&rules_dir).map_err(ApiError::internal)?;
    let req = Request {
        township,
        usccs,
        from: input.from,
        to: input.to,
        seed: input.seed.unwrap_or_else(crate::planning::random_seed),
        cap: input.cap.unwrap_or(settings.visits.cap),
    };
    let scope = who.scope().cloned();
    let actor = who.actor();
    let st = state.clone();
    let plan =
        tokio::task::spawn_blocking(move || st.make_plan(&settings, &req, scope.as_ref(), &actor))
            .await
            .map_err(ApiError::internal)?
            .map_err(planning_error)?;
    Ok((StatusCode::CREATED, Json(plan)).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Inspector)?;
    let missing = || ApiError::not_found(format!("找不到编号为 `{id}` 的检查计划"));
    let number: PlanId = id.parse().map_err(|_| missing())?;
    let store = state.0.store.clone();
    let scope = who.scope().cloned();
    let found = blocking(move || {
        let Some(plan) = store.plan(number)? else {
            return Ok(None);
        };
        let visible = match &scope {
            Some(s) => plan_in_scope(&store, &plan, s)?,
            None => true,
        };
        let progress = progress(&store, number, &plan)?;
        Ok(Some((PlanOut { plan, progress }, visible)))
    })
    .await?;
    match found {
        None => Err(missing()),
        Some((_, false)) => Err(ApiError::forbidden("该计划涉及令牌管辖范围以外的企业")),
        Some((out, true)) => Ok(Json(out).into_response()),
    }
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Inspector)?;
    let store = state.0.store.clone();
    let scope = who.scope().cloned();
    let plans = blocking(move || {
        let mut out = Vec::new();
        for p in store.plans(q.township.as_deref())? {
            if let Some(s) = &scope
                && !plan_in_scope(&store, &p, s)?
            {
                continue;
            }
            out.push(PlanSummary {
                id: p.id,
                township: p.township,
                usccs: p.usccs,
                from: p.from,
                to: p.to,
                seed: p.seed,
                cap: p.cap,
                created_at: p.created_at,
                created_by: p.created_by,
                enterprises: p.enterprises.len(),
                figures: p.figures,
            });
        }
        Ok(out)
    })
    .await?;
    Ok(Json(ListOut { plans }).into_response())
}
