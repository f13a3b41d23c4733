//! `GET /api/v1/risk?township=&county=&limit=`: the enterprises the caller
//! may see (region scope applied), ranked by risk with colour, score and
//! components (see [`crate::risk`]). Inspectors and admins only.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::enterprises::blocking;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::state::AppState;
use crate::record::Uscc;
use crate::risk::{Assessment, Weights, assess, rank};
use crate::store::{ListFilter, Role};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskQuery {
    pub township: Option<String>,
    pub county: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Serialize)]
struct RiskOut {
    /// Enterprises matched before `limit`.
    total: usize,
    enterprises: Vec<Assessment>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RiskQuery>,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Inspector)?;
    let weights = load_weights(&state)?;
    let filter = ListFilter {
        township: q.township,
        county: q.county,
        category: None,
        scope: who.scope().cloned(),
    };
    let store = state.0.store.clone();
    let mut ranked = blocking(move || {
        let mut records = Vec::new();
        store.export(&filter, |stored| records.push(stored))?;
        let mut out = Vec::with_capacity(records.len());
        for stored in records {
            let latest = match stored.uscc.parse::<Uscc>() {
                Ok(key) => store.latest_check(&key)?,
                Err(_) => None,
            };
            let result = latest.as_ref().map(|c| &c.result);
            out.push(assess(&weights, &stored.record, result, 0));
        }
        Ok(out)
    })
    .await?;
    let total = ranked.len();
    rank(&mut ranked, q.limit);
    Ok(Json(RiskOut {
        total,
        enterprises: ranked,
    })
    .into_response())
}

/// `rules/risk/weights.toml` of the service's rules folder, else the
/// compiled-in copy.
fn load_weights(state: &AppState) -> Result<Weights, ApiError> {
    let path = state
        .0
        .ctx
        .content
        .rules_dir
        .join("risk")
        .join("weights.toml");
    let parsed = match std::fs::read_to_string(&path) {
        Ok(text) => Weights::parse(&text, "rules/risk/weights.toml"),
        Err(_) => Weights::shipped(),
    };
    parsed.map_err(ApiError::internal)
}
