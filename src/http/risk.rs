//! `GET /api/v1/risk?township=&county=&limit=&as_of=`: the enterprises the
//! caller may see (region scope applied), ranked by risk with colour, score
//! and components (see [`crate::risk`]); overdue hidden dangers are counted
//! on `as_of` (default today) from the ledger and the records. Inspectors
//! and admins only.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::enterprises::blocking;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::handlers::date_param;
use super::state::AppState;
use crate::risk::{Assessment, ranking};
use crate::store::{ListFilter, Role};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskQuery {
    pub township: Option<String>,
    pub county: Option<String>,
    pub limit: Option<usize>,
    pub as_of: Option<String>,
}

#[derive(Serialize)]
struct RiskOut {
    /// Enterprises matched before `limit`.
    total: usize,
    as_of: String,
    enterprises: Vec<Assessment>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RiskQuery>,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Inspector)?;
    let day = date_param("as_of", q.as_of.as_deref())?;
    let filter = ListFilter {
        township: q.township,
        county: q.county,
        category: None,
        scope: who.scope().cloned(),
    };
    let store = state.0.store.clone();
    let weights = state.0.weights.clone();
    let limit = q.limit;
    let (enterprises, total) =
        blocking(move || ranking(&store, &weights, &filter, day, limit)).await?;
    Ok(Json(RiskOut {
        total,
        as_of: day.to_string(),
        enterprises,
    })
    .into_response())
}
