//! `/dashboard`: the township dashboard for inspectors (see
//! [`crate::dashboard`]) — open hidden dangers by level and age, overdue
//! 重大隐患 with owner and days overdue, high-risk enterprises and whether
//! each was visited in the period, repeat findings. Filtered by township
//! (within the token's region) and period (default: the current year).
//!
//! ```ignore
//! // GET /dashboard?township=袁花镇&from=2026-01-01&to=2026-06-30
//! ```

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use serde::Deserialize;

use super::danger_pages::visible_enterprises;
use super::enterprise_pages::{blocking, filters};
use super::findings_view::Risk;
use super::{Chrome, Nav, PageError, Visitor, render};
use crate::dashboard::{Dashboard, gather, period_of};
use crate::http::AppState;
use crate::risk::Colour;
use crate::store::Role;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/dashboard", get(page))
}

#[derive(Debug, Default, Deserialize)]
struct DashQuery {
    township: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    d: Dashboard,
    townships: Vec<String>,
    township: String,
    from: String,
    to: String,
    /// Enterprises in view (before any danger exists).
    enterprises: usize,
    share: String,
}

impl DashboardPage {
    /// The badge class of a risk colour.
    fn risk_class(&self, c: &Colour) -> &'static str {
        Risk::from(*c).class()
    }
}

async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    query: Result<Query<DashQuery>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let who = visitor.require(Role::Inspector)?;
    let q = filters(query)?;
    let period = period_of(q.from.as_deref(), q.to.as_deref(), crate::search::today())
        .map_err(|e| PageError::BadRequest(format!("时段有误：{e}")))?;
    let township = q
        .township
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let scope = who.region.clone();
    let store = state.inner().store.clone();
    let weights = state.inner().weights.clone();
    let t = township.clone();
    let (d, townships, enterprises) = blocking(move || {
        let seen = visible_enterprises(&store, scope.clone())?;
        let mut townships: Vec<String> = seen
            .values()
            .map(|(_, t)| t.clone())
            .filter(|t| !t.is_empty())
            .collect();
        townships.sort();
        townships.dedup();
        let enterprises = seen
            .values()
            .filter(|(_, town)| t.as_ref().is_none_or(|t| t == town))
            .count();
        let d = gather(&store, &weights, scope, t, period)?;
        Ok((d, townships, enterprises))
    })
    .await?;
    let share = d
        .high_risk_share
        .map(|s| format!("{s}%"))
        .unwrap_or_default();
    render(&DashboardPage {
        chrome: Chrome::new(&visitor, "工作台", Nav::Dashboard),
        from: d.from.to_string(),
        to: d.to.to_string(),
        d,
        townships,
        township: township.unwrap_or_default(),
        enterprises,
        share,
    })
}
