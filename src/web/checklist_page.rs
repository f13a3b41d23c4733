//! The printable inspection checklist of one enterprise
//! (`/enterprises/{uscc}/checklist`): what the latest stored check found
//! failing (核实并督促整改) or could not decide (现场核查), grouped by the
//! area of the record it concerns (see `findings_view` for how the topic is
//! chosen), each with the departments concerned, the citation and a box to
//! tick; a header with the enterprise and the date, and signature lines.
//! The page prints on A4 (`@page { size: A4; margin: 15mm }`).
//!
//! Without a stored check the checklist is built from a check run now (as
//! of today) and not stored; the page says so.
//!
//! ```ignore
//! // GET /enterprises/91330481MA2B000001/checklist → printable HTML
//! ```

use askama::Template;
use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::get;

use super::enterprise_pages::{blocking, path_uscc, region_text, visible_record};
use super::findings_view::{TopicGroup, ViewContext, actor_text, checklist, time_text};
use super::{Chrome, Nav, PageError, Visitor, render};
use crate::http::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/enterprises/{uscc}/checklist", get(page))
}

#[derive(Template)]
#[template(path = "checklist.html")]
struct ChecklistPage {
    chrome: Chrome,
    uscc: String,
    name: String,
    region: String,
    category: String,
    /// The check the list comes from, in words.
    basis: String,
    /// The list comes from a check run just now (nothing stored yet).
    unsaved: bool,
    topics: Vec<TopicGroup>,
    /// Items over all topics.
    total: usize,
    printed: String,
}

async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    path: Result<Path<String>, PathRejection>,
) -> Result<Html<String>, PageError> {
    let uscc = path_uscc(path)?;
    let (key, stored) = visible_record(&state, &visitor, &uscc).await?;
    let store = state.inner().store.clone();
    let latest = blocking(move || store.latest_check(&key)).await?;
    let inner = state.inner();
    let (result, basis, unsaved) = match latest {
        Some(c) => {
            let basis = format!(
                "依据 {} 的检查结果（检查日期 {}，由 {} 运行）",
                time_text(c.at),
                c.result.as_of,
                actor_text(&c.by)
            );
            (c.result, basis, false)
        }
        None => {
            let record =
                crate::record::validate_record(&stored.record, &inner.schema).map_err(|p| {
                    PageError::BadRequest(format!(
                        "该企业档案未通过校验（{} 处问题），无法生成检查清单；请先更正档案",
                        p.len()
                    ))
                })?;
            let today = crate::search::today();
            let rules = inner.rules.load();
            let report = crate::check::run_valid(&rules.program, &record, today);
            let basis = format!("依据按 {today} 现行规则即时检查的结果（尚未保存）");
            (report.result, basis, true)
        }
    };
    let ctx = ViewContext {
        schema: &inner.schema,
        provenance: Some(&stored.provenance),
    };
    let topics = checklist(&result, &ctx);
    let text = |k: &str| {
        stored
            .record
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let name = text("name");
    render(&ChecklistPage {
        chrome: Chrome::new(&visitor, format!("检查清单：{name}"), Nav::Enterprises),
        uscc: stored.uscc.clone(),
        region: stored
            .record
            .get("region")
            .map(region_text)
            .unwrap_or_default(),
        category: text("category"),
        name,
        basis,
        unsaved,
        total: topics.iter().map(|t| t.items.len()).sum(),
        topics,
        printed: crate::search::today().to_string(),
    })
}
