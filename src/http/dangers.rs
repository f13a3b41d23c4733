//! The hidden-danger routes: register a danger for an enterprise (from a
//! failed rule of its latest stored check, or from an inspector's own
//! words), list and read dangers, and move one through its closed loop
//! (illegal transitions are 409, missing fields 422). A token scoped to a
//! region sees only dangers of enterprises in it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::{Caller, Identity};
use super::enterprises::{
    blocking, existing, may_see_enterprise, store_error, uscc_of, visible_only,
};
use super::error::ApiError;
use super::extract::{ApiPath, ApiQuery, JsonBytes, decode};
use super::state::AppState;
use crate::check::{CitationOut, Outcome};
use crate::danger::{
    Action, DangerError, DangerId, HiddenDanger, Level, NewDanger, Source, State as DangerState,
    TransitionRequest,
};
use crate::store::{DangerFilter, Role, StoreError};

/// `POST /enterprises/{uscc}/dangers` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateIn {
    pub level: Level,
    /// A rule of the enterprise's latest stored check (its finding becomes
    /// the source) …
    pub rule_id: Option<String>,
    /// … or what the inspector saw.
    pub description: Option<String>,
    /// Defaults to the rule's title.
    pub title: Option<String>,
    pub found_by: String,
    pub owner: String,
    pub deadline: jiff::civil::Date,
    pub measures: Option<String>,
    pub funds: Option<f64>,
    pub rectification_plan: Option<String>,
}

/// `POST /dangers/{id}/transitions` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionIn {
    pub action: Action,
    /// The person acting (整改责任人, 验收人).
    pub by: String,
    pub note: Option<String>,
    pub rectification_plan: Option<String>,
    pub measures: Option<String>,
    pub funds: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub township: Option<String>,
    pub uscc: Option<String>,
    /// 待整改, 整改中, 待验收 or 已销号.
    pub state: Option<String>,
    /// `true`: only dangers past their deadline today.
    pub overdue: Option<bool>,
}

/// Danger refusals: illegal transitions 409, missing fields 422.
fn danger_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Danger(d) => match &d {
            DangerError::Illegal { .. } => ApiError::Conflict(d.to_string()),
            DangerError::Missing { fields, .. } | DangerError::Incomplete { fields } => {
                ApiError::field(fields.join(","), d.to_string())
            }
            _ => ApiError::field("by", d.to_string()),
        },
        other => store_error(other),
    }
}

async fn run<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
        .map_err(danger_error)
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(uscc): ApiPath<String>,
    JsonBytes(body): JsonBytes,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Inspector)?;
    let key = uscc_of(&uscc)?;
    let input: CreateIn = decode(&body)?;
    let record = existing(&state, &who, &key, &uscc).await?;
    let township = record
        .record
        .pointer("/region/township")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let (source, rule_title) = match (&input.rule_id, &input.description) {
        (Some(rule), None) => {
            let store = state.0.store.clone();
            let k = key.clone();
            let check = blocking(move || store.latest_check(&k))
                .await?
                .ok_or_else(|| {
                    ApiError::field(
                        "rule_id",
                        format!("企业 `{uscc}` 还没有保存的检查结果，无法按规则登记隐患"),
                    )
                })?;
            let finding = check
                .result
                .findings
                .iter()
                .find(|f| f.rule.as_ref() == rule.as_str())
                .ok_or_else(|| {
                    ApiError::field("rule_id", format!("最近一次检查中没有规则 `{rule}`"))
                })?;
            if finding.outcome != Outcome::Fail {
                return Err(ApiError::field(
                    "rule_id",
                    format!("规则 `{rule}` 在最近一次检查中没有不合格，不能据此登记隐患"),
                ));
            }
            let citations = finding
                .citations
                .iter()
                .map(CitationOut::short_text)
                .collect();
            (
                Source::Rule {
                    rule_id: rule.clone(),
                    explanation: finding.explanation.to_string(),
                    citations,
                },
                Some(finding.title.to_string()),
            )
        }
        (None, Some(text)) => (Source::Inspector { text: text.clone() }, None),
        _ => {
            return Err(ApiError::field(
                "rule_id",
                "须给出 `rule_id`（最近一次检查中不合格的规则）或 `description`（现场发现）之一",
            ));
        }
    };
    let new = NewDanger {
        uscc: key,
        township,
        level: input.level,
        title: input.title.or(rule_title).unwrap_or_default(),
        source,
        found_by: input.found_by,
        owner: input.owner,
        deadline: input.deadline,
        measures: input.measures,
        funds: input.funds,
        rectification_plan: input.rectification_plan,
        visit: None,
    };
    let actor = who.actor();
    let store = state.0.store.clone();
    let danger = run(move || store.create_danger(&new, &actor)).await?;
    Ok((StatusCode::CREATED, Json(danger_out(&danger))).into_response())
}

/// A danger as answered: the stored form plus `overdue` today.
pub(super) fn danger_out(d: &HiddenDanger) -> serde_json::Value {
    let mut v = serde_json::to_value(d).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "overdue".into(),
            d.is_overdue(crate::search::today()).into(),
        );
    }
    v
}

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
    let st = match q.state.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            s.parse::<DangerState>()
                .map_err(|e| ApiError::field("state", e.to_string()))?,
        ),
        None => None,
    };
    let filter = DangerFilter {
        uscc,
        township: q.township.filter(|t| !t.is_empty()),
        state: st,
        overdue_on: q.overdue.filter(|o| *o).map(|_| crate::search::today()),
    };
    let store = state.0.store.clone();
    let found = run(move || store.dangers(&filter)).await?;
    let visible = visible_only(&state, &who, found, |d| &d.uscc).await?;
    let dangers: Vec<_> = visible.iter().map(danger_out).collect();
    Ok(Json(serde_json::json!({"total": dangers.len(), "dangers": dangers})).into_response())
}

async fn fetch(
    state: &AppState,
    who: &Identity<'_>,
    id: DangerId,
) -> Result<HiddenDanger, ApiError> {
    let store = state.0.store.clone();
    let d = run(move || store.danger(id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("找不到编号为 `{id}` 的隐患")))?;
    may_see_enterprise(state, who, &d.uscc).await?;
    Ok(d)
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<DangerId>,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Inspector)?;
    let d = fetch(&state, &who, id).await?;
    Ok(Json(danger_out(&d)).into_response())
}

pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<DangerId>,
    JsonBytes(body): JsonBytes,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Inspector)?;
    let d = fetch(&state, &who, id).await?;
    let input: TransitionIn = decode(&body)?;
    let req = TransitionRequest {
        action: input.action,
        by: input.by,
        at: jiff::Timestamp::now(),
        note: input.note,
        rectification_plan: input.rectification_plan,
        measures: input.measures,
        funds: input.funds,
    };
    let actor = who.actor();
    let store = state.0.store.clone();
    let moved = run(move || store.transition_danger(d.id, &req, &actor)).await?;
    Ok(Json(danger_out(&moved)).into_response())
}
