//! Joint inspection plan pages (综合查一次, see [`crate::plan`]):
//! `/plans` lists the plans the visitor may see and has a form to make one
//! (township, period, seed, visit cap; CSRF), `POST /plans` makes and
//! stores it and goes to `/plans/{id}`, the printable plan: the
//! before/after figures at the top, then per enterprise its reason, colour,
//! lead and participating departments, the merged checklist by topic with
//! links to the cited articles, the deferred items, a link to record the
//! visit (`/enterprises/{uscc}/visit?plan={id}`) and a signature block. The
//! page prints on A4 like the checklist, one enterprise per sheet.
//!
//! ```ignore
//! // GET /plans/3 → printable HTML
//! ```

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::enterprise_pages::blocking;
use super::findings_view::{CiteView, cite_view, time_text};
use super::{Chrome, Nav, PageError, Visitor, render};
use crate::check::Severity;
use crate::http::AppState;
use crate::plan::{Action, Figures, Item, Plan, PlanId, Request};
use crate::planning::Progress;
use crate::planning::{PlanningError, load_settings, plan_in_scope};
use crate::store::{ListFilter, Role};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/plans", get(list).post(create))
        .route("/plans/{id}", get(show))
}

// ───────────── list and form ─────────────

/// One plan in the list.
struct PlanRow {
    href: String,
    id: PlanId,
    whom: String,
    period: String,
    seed: u64,
    cap: u32,
    enterprises: usize,
    visits: String,
    created: String,
}

/// What the form holds (echoed back after an error).
#[derive(Debug, Default, Deserialize)]
struct PlanForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    township: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    seed: String,
    #[serde(default)]
    cap: String,
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    chrome: Chrome,
    rows: Vec<PlanRow>,
    form: PlanForm,
    error: Option<String>,
    default_cap: u32,
    /// Townships of the enterprises the visitor may see (form suggestions).
    townships: Vec<String>,
}

async fn list(State(state): State<AppState>, visitor: Visitor) -> Result<Response, PageError> {
    visitor.require(Role::Inspector)?;
    let township = visitor
        .token
        .as_ref()
        .and_then(|t| t.region.as_ref())
        .and_then(|r| r.township.clone())
        .unwrap_or_default();
    let today = crate::search::today();
    let form = PlanForm {
        township,
        from: today.to_string(),
        to: today
            .checked_add(jiff::ToSpan::days(30))
            .unwrap_or(today)
            .to_string(),
        ..PlanForm::default()
    };
    list_page(&state, &visitor, form, None).await
}

async fn list_page(
    state: &AppState,
    visitor: &Visitor,
    form: PlanForm,
    error: Option<String>,
) -> Result<Response, PageError> {
    let scope = visitor.token.as_ref().and_then(|t| t.region.clone());
    let store = state.inner().store.clone();
    let filter = ListFilter {
        scope: scope.clone(),
        ..ListFilter::default()
    };
    let (plans, townships) = blocking(move || {
        let mut townships = std::collections::BTreeSet::new();
        for s in store.list(&filter)? {
            if let Some(t) = s.region.get("township").and_then(|v| v.as_str()) {
                townships.insert(t.to_string());
            }
        }
        let mut out = Vec::new();
        for p in store.plans(None)? {
            if let Some(s) = &scope
                && !plan_in_scope(&store, &p, s)?
            {
                continue;
            }
            out.push(p);
        }
        Ok((out, townships.into_iter().collect()))
    })
    .await?;
    let rows = plans
        .iter()
        .filter_map(|p| {
            let id = p.id?;
            Some(PlanRow {
                href: format!("/plans/{id}"),
                id,
                whom: whom(p),
                period: format!("{} 至 {}", p.from, p.to),
                seed: p.seed,
                cap: p.cap,
                enterprises: p.enterprises.len(),
                visits: format!("{} → {}", p.figures.visits_before, p.figures.visits_after),
                created: created(p),
            })
        })
        .collect();
    let default_cap = load_settings(&state.inner().ctx.content.rules_dir)
        .map(|s| s.visits.cap)
        .unwrap_or(2);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let html = render(&PlansPage {
        chrome: Chrome::new(visitor, "联合检查计划", Nav::Plans),
        rows,
        form,
        error,
        default_cap,
        townships,
    })?;
    Ok((status, html).into_response())
}

/// POST `/plans`: makes and stores a plan, then shows it (303). Bad input
/// shows the form again with the reason (422).
async fn create(
    State(state): State<AppState>,
    visitor: Visitor,
    form: Result<Form<PlanForm>, FormRejection>,
) -> Result<Response, PageError> {
    let who = visitor.require(Role::Inspector)?;
    let Form(form) = form.map_err(|_| {
        PageError::BadRequest("表单格式不对，请在“联合检查计划”页面上填写".to_string())
    })?;
    visitor.check_csrf(&form.csrf)?;
    let actor = who.actor();
    let scope = who.region.clone();
    let inner = state.inner();
    let rules_dir = inner.ctx.content.rules_dir.clone();
    let settings = load_settings(&rules_dir).map_err(|e| {
        tracing::error!("plan page: {e}");
        PageError::Internal
    })?;
    let req = match request_of(&form, settings.visits.cap) {
        Ok(r) => r,
        Err(why) => return list_page(&state, &visitor, form, Some(why)).await,
    };
    let st = state.clone();
    let made =
        tokio::task::spawn_blocking(move || st.make_plan(&settings, &req, scope.as_ref(), &actor))
            .await
            .map_err(|_| PageError::Internal)?;
    match made {
        Ok(plan) => {
            let id = plan.id.unwrap_or(0);
            Ok(Redirect::to(&format!("/plans/{id}")).into_response())
        }
        Err(PlanningError::Store(e)) => {
            tracing::error!("plan page: the store failed: {e}");
            Err(PageError::Internal)
        }
        Err(e) => list_page(&state, &visitor, form, Some(e.to_string())).await,
    }
}

/// The request a form asks for, or why it cannot be made (Chinese).
fn request_of(form: &PlanForm, default_cap: u32) -> Result<Request, String> {
    let township = form.township.trim();
    if township.is_empty() {
        return Err("请填写乡镇（街道）".to_string());
    }
    let date = |label: &str, text: &str| {
        crate::record::parse_date(text.trim())
            .map_err(|why| format!("{label} `{}` 无效：{why}", text.trim()))
    };
    let from = date("开始日期", &form.from)?;
    let to = date("结束日期", &form.to)?;
    if from > to {
        return Err(format!("开始日期 `{from}` 晚于结束日期 `{to}`"));
    }
    let seed = match form.seed.trim() {
        "" => crate::planning::random_seed(),
        s => s
            .parse::<u64>()
            .map_err(|_| format!("随机种子 `{s}` 应为非负整数"))?,
    };
    let cap = match form.cap.trim() {
        "" => default_cap,
        s => s
            .parse::<u32>()
            .map_err(|_| format!("上门次数上限 `{s}` 应为非负整数"))?,
    };
    Ok(Request {
        township: Some(township.to_string()),
        usccs: Vec::new(),
        from,
        to,
        seed,
        cap,
    })
}

fn whom(p: &Plan) -> String {
    match &p.township {
        Some(t) => t.clone(),
        None => format!("指定企业 {} 家", p.usccs.len()),
    }
}

fn created(p: &Plan) -> String {
    let at = p.created_at.map(time_text).unwrap_or_default();
    match &p.created_by {
        Some(by) => format!("{at} {by}"),
        None => at,
    }
}

// ───────────── the printable plan ─────────────

struct RuleLine {
    id: String,
    title: String,
    explanation: String,
}

struct ItemView {
    no: String,
    action: &'static str,
    /// CSS class of the action: `fail`, `unknown`, `pass`.
    class: &'static str,
    major: bool,
    rules: Vec<RuleLine>,
    cites: Vec<CiteView>,
    lead: String,
    participating: String,
    capped: String,
}

struct TopicView {
    no: usize,
    topic: String,
    items: Vec<ItemView>,
}

struct EnterpriseView {
    no: usize,
    uscc: String,
    name: String,
    reason: String,
    colour: String,
    score: String,
    lead: String,
    participating: String,
    over_cap: String,
    visits: String,
    counts: String,
    note: String,
    topics: Vec<TopicView>,
    deferred: Vec<ItemView>,
    profile_href: String,
    visit_href: String,
    /// Visits recorded under this plan, oldest first.
    done: Vec<VisitDone>,
}

/// A visit recorded under the plan, as the plan page shows it.
struct VisitDone {
    date: String,
    dangers: usize,
    href: String,
}

struct LeftOutView {
    uscc: String,
    name: String,
    reason: String,
    why: String,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    chrome: Chrome,
    id: PlanId,
    whom: String,
    period: String,
    seed: u64,
    cap: u32,
    created: String,
    considered: usize,
    figures: Figures,
    enterprises: Vec<EnterpriseView>,
    left_out: Vec<LeftOutView>,
    printed: String,
    /// Planned enterprises visited under the plan / planned.
    visited: usize,
    planned: usize,
}

async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    path: Result<Path<String>, PathRejection>,
) -> Result<Html<String>, PageError> {
    visitor.require(Role::Inspector)?;
    let text = path
        .map(|Path(t)| t)
        .map_err(|_| PageError::BadRequest("地址中的计划编号无法识别".to_string()))?;
    let missing = || PageError::NotFound(format!("找不到编号为 `{text}` 的检查计划"));
    let id: PlanId = text.parse().map_err(|_| missing())?;
    let scope = visitor.token.as_ref().and_then(|t| t.region.clone());
    let store = state.inner().store.clone();
    let found = blocking(move || {
        let Some(plan) = store.plan(id)? else {
            return Ok(None);
        };
        let visible = match &scope {
            Some(s) => plan_in_scope(&store, &plan, s)?,
            None => true,
        };
        let progress = crate::planning::progress(&store, id, &plan)?;
        Ok(Some((plan, progress, visible)))
    })
    .await?;
    let (plan, progress) = match found {
        None => return Err(missing()),
        Some((_, _, false)) => {
            return Err(PageError::Forbidden(
                "该计划涉及您管辖范围以外的企业".to_string(),
            ));
        }
        Some((plan, progress, true)) => (plan, progress),
    };
    render(&plan_page(&visitor, id, &plan, &progress))
}

fn plan_page(visitor: &Visitor, id: PlanId, plan: &Plan, progress: &Progress) -> PlanPage {
    let join = |v: &[String]| v.join("、");
    let item_view = |no: String, i: &Item| ItemView {
        no,
        action: i.action.label(),
        class: match i.action {
            Action::Confirm => "fail",
            Action::Verify => "unknown",
            Action::Spot => "pass",
        },
        major: i.severity == Severity::Major,
        rules: i
            .rules
            .iter()
            .map(|r| RuleLine {
                id: r.id.clone(),
                title: r.title.clone(),
                explanation: r.explanation.clone(),
            })
            .collect(),
        cites: i.citations.iter().map(cite_view).collect(),
        lead: i.lead.clone(),
        participating: join(&i.participating),
        capped: join(&i.capped),
    };
    let enterprises = plan
        .enterprises
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let no = k + 1;
            let visits = if p.visits_this_year.is_empty() {
                "本年度尚无现场检查".to_string()
            } else {
                p.visits_this_year
                    .iter()
                    .map(|(d, n)| format!("{d} {n} 次"))
                    .collect::<Vec<_>>()
                    .join("、")
            };
            let c = &p.counts;
            let uscc = super::paths::segment(&p.uscc);
            let done: Vec<VisitDone> = progress
                .enterprises
                .iter()
                .find(|e| e.uscc == p.uscc)
                .map(|e| {
                    e.visits
                        .iter()
                        .map(|v| VisitDone {
                            date: v.date.to_string(),
                            dangers: v.dangers,
                            href: format!("/enterprises/{uscc}#visit-{}", v.id),
                        })
                        .collect()
                })
                .unwrap_or_default();
            EnterpriseView {
                no,
                uscc: p.uscc.clone(),
                name: p.name.clone().unwrap_or_default(),
                reason: p.reason_label.clone(),
                colour: p.colour.clone(),
                score: p.score.map(|s| format!("{s} 分")).unwrap_or_default(),
                lead: p.lead.clone(),
                participating: join(&p.participating),
                over_cap: join(&p.over_cap),
                visits,
                counts: format!(
                    "核实并督促整改 {} 项，现场核查 {} 项，抽查 {} 项（合并自 {} 条规则）",
                    c.confirm, c.verify, c.spot, c.rules
                ),
                note: p.note.clone().unwrap_or_default(),
                topics: p
                    .topics
                    .iter()
                    .enumerate()
                    .map(|(t, topic)| TopicView {
                        no: t + 1,
                        topic: topic.topic.clone(),
                        items: topic
                            .items
                            .iter()
                            .enumerate()
                            .map(|(j, i)| item_view(format!("{}.{}", t + 1, j + 1), i))
                            .collect(),
                    })
                    .collect(),
                deferred: p
                    .deferred
                    .iter()
                    .enumerate()
                    .map(|(j, i)| item_view(format!("缓{}", j + 1), i))
                    .collect(),
                profile_href: format!("/enterprises/{uscc}"),
                visit_href: format!("/enterprises/{uscc}/visit?plan={id}"),
                done,
            }
        })
        .collect();
    PlanPage {
        chrome: Chrome::new(visitor, format!("联合检查计划第 {id} 号"), Nav::Plans),
        id,
        whom: whom(plan),
        period: format!("{} 至 {}", plan.from, plan.to),
        seed: plan.seed,
        cap: plan.cap,
        created: created(plan),
        considered: plan.considered,
        figures: plan.figures,
        enterprises,
        left_out: plan
            .left_out
            .iter()
            .map(|l| LeftOutView {
                uscc: l.uscc.clone(),
                name: l.name.clone().unwrap_or_default(),
                reason: l.reason_label.clone(),
                why: l.why.clone(),
            })
            .collect(),
        printed: crate::search::today().to_string(),
        visited: progress.visited,
        planned: progress.planned,
    }
}
