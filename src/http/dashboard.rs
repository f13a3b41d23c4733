//! `GET /api/v1/dashboard?township=&from=&to=`: the township dashboard (see
//! [`crate::dashboard`]) over the enterprises the caller may see: open
//! hidden dangers by level and age, overdue 重大隐患, high-risk enterprises
//! visited in the period, repeat findings. The period defaults to the
//! current year. Inspectors and admins only.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::Caller;
use super::enterprises::blocking;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::state::AppState;
use crate::dashboard::{DashboardError, gather, period_of};
use crate::store::Role;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardQuery {
    pub township: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<DashboardQuery>,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Inspector)?;
    let period = period_of(
        q.from.as_deref(),
        q.to.as_deref(),
        jiff::Zoned::now().date(),
    )
    .map_err(|e| match &e {
        DashboardError::BadDate { field, .. } => ApiError::field(*field, e.to_string()),
        _ => ApiError::field("from", e.to_string()),
    })?;
    let store = state.0.store.clone();
    let weights = state.0.weights.clone();
    let scope = who.scope().cloned();
    let township = q.township.filter(|t| !t.trim().is_empty());
    let board = blocking(move || gather(&store, &weights, scope, township, period)).await?;
    Ok(Json(board).into_response())
}
