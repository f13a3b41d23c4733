//! The enterprise pages for inspectors: the list of the enterprises they may
//! see (filtered by township, category and name or USCC, each with the counts
//! and risk colour of its latest stored check), one enterprise's profile
//! (key facts with provenance, the latest check's findings grouped by
//! outcome, the GB 18218 table per unit, the history of changes) and the
//! re-check button (POST, CSRF-protected) that runs and stores a check.
//!
//! Who may see: an inspector (only the enterprises of the token's region) or
//! an admin (all). Other roles get the 403 page.
//!
//! ```ignore
//! let app = Router::new().merge(enterprise_pages::routes()).with_state(state);
//! // GET /enterprises?township=袁花镇  GET /enterprises/{uscc}  POST /enterprises/{uscc}/check
//! ```

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;

use super::findings_view::{
    Counts, FindingsView, HazardRow, Risk, ViewContext, actor_text, findings_view, hazard_rows,
    omit_usual_source, provenance_for, source_text, time_text, usual_source, value_text,
};
use super::{Chrome, Nav, PageError, Visitor, render};
use crate::check::CheckResult;
use crate::http::AppState;
use crate::record::Uscc;
use crate::risk::{Assessment, Ledger};
use crate::store::{
    Change, ChangeOp, FieldSource, ListFilter, Role, StoreError, StoredCheck, StoredRecord,
};

/// The enterprise routes (the checklist has its own module).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/enterprises", get(list))
        .route("/enterprises/{uscc}", get(profile))
        .route("/enterprises/{uscc}/check", post(recheck))
}

/// The filters of a list page's query string; malformed ones are a 400
/// pointing back to the page's form.
pub(super) fn filters<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, PageError> {
    query
        .map(|Query(q)| q)
        .map_err(|_| PageError::BadRequest("筛选条件的格式不对，请用页面上的表单筛选".to_string()))
}

/// Runs store work off the async threads; store failures are logged and
/// shown as the 500 page (a missing record is the handler's 404).
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, PageError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| PageError::Internal)?
        .map_err(|e| {
            tracing::error!("enterprise page: the store failed: {e}");
            PageError::Internal
        })
}

/// The USCC segment of the path, as text (a path that is not even text is
/// a 400 page).
pub(super) fn path_uscc(path: Result<Path<String>, PathRejection>) -> Result<String, PageError> {
    path.map(|Path(u)| u)
        .map_err(|_| PageError::BadRequest("地址中的统一社会信用代码无法识别".to_string()))
}

/// The path's USCC, checked.
pub(super) fn uscc_of(text: &str) -> Result<Uscc, PageError> {
    text.parse::<Uscc>()
        .map_err(|e| PageError::BadRequest(format!("`{text}` 不是有效的统一社会信用代码：{e}")))
}

/// The current record of an enterprise the visitor may see: sign-in and
/// role first (inspector or admin), then 404 when absent, 403 when it lies
/// outside the visitor's region.
pub(super) async fn visible_record(
    state: &AppState,
    visitor: &Visitor,
    uscc: &str,
) -> Result<(Uscc, StoredRecord), PageError> {
    visitor.require(Role::Inspector)?;
    let key = uscc_of(uscc)?;
    let store = state.inner().store.clone();
    let k = key.clone();
    let found = blocking(move || store.get(&k, None)).await?;
    let stored = found.ok_or_else(|| {
        PageError::NotFound(format!("找不到统一社会信用代码为 `{uscc}` 的企业档案"))
    })?;
    visitor.may_see_region(&stored.record)?;
    Ok((key, stored))
}

fn text_at<'a>(record: &'a Value, pointer: &str) -> Option<&'a str> {
    record.pointer(pointer).and_then(Value::as_str)
}

/// `浙江省 嘉兴市 海宁市 袁花镇`.
pub(super) fn region_text(region: &Value) -> String {
    ["province", "city", "county", "township"]
        .iter()
        .filter_map(|k| region.get(k).and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

// ───────────── list ─────────────

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    township: Option<String>,
    category: Option<String>,
    q: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// One row of the list.
struct Row {
    uscc: String,
    name: String,
    township: String,
    category: String,
    counts: Option<Counts>,
    risk: Risk,
    /// The check date of the latest stored check.
    checked: String,
}

#[derive(Template)]
#[template(path = "enterprises.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    /// Enterprises the visitor may see at all (before filtering).
    visible: usize,
    townships: Vec<String>,
    categories: Vec<String>,
    township: String,
    category: String,
    q: String,
    /// The visitor's region, in words (empty for all).
    scope: String,
}

async fn list(
    State(state): State<AppState>,
    visitor: Visitor,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let who = visitor.require(Role::Inspector)?;
    let q = filters(query)?;
    let scope = who.region.clone();
    let scope_words = scope
        .as_ref()
        .map(super::session::scope_text)
        .unwrap_or_default();
    let store = state.inner().store.clone();
    let township = given(&q.township).map(str::to_string);
    let category = given(&q.category).map(str::to_string);
    let needle = given(&q.q).map(str::to_string);
    let weights = state.inner().weights.clone();
    let day = crate::search::today();
    let (rows, visible, townships, categories) = blocking(move || {
        let mut all = Vec::new();
        store.export(
            &ListFilter {
                scope,
                ..ListFilter::default()
            },
            |s| all.push(s),
        )?;
        let ledger = Ledger::read(&store)?;
        let text = |s: &StoredRecord, p: &str| text_at(&s.record, p).map(str::to_string);
        let mut townships: Vec<String> = Vec::new();
        let mut categories: Vec<String> = Vec::new();
        for s in &all {
            townships.extend(text(s, "/region/township"));
            categories.extend(text(s, "/category"));
        }
        for v in [&mut townships, &mut categories] {
            v.sort();
            v.dedup();
        }
        let wanted = ListFilter {
            township: township.clone(),
            category: category.clone(),
            ..ListFilter::default()
        };
        let mut rows = Vec::new();
        for s in &all {
            if !wanted.matches(&s.record) {
                continue;
            }
            let name = text(s, "/name").unwrap_or_default();
            if let Some(n) = &needle
                && !name.contains(n.as_str())
                && !s.uscc.contains(&n.to_uppercase())
            {
                continue;
            }
            let latest = match s.uscc.parse::<Uscc>() {
                Ok(key) => store.latest_check_outline(&key)?,
                Err(_) => None,
            };
            let result = latest.as_ref();
            rows.push(Row {
                uscc: s.uscc.clone(),
                name,
                township: text(s, "/region/township").unwrap_or_default(),
                category: text(s, "/category").unwrap_or_default(),
                counts: result.map(Counts::of),
                risk: ledger
                    .assess(&weights, &s.record, result, day)
                    .colour
                    .into(),
                checked: result.map(|r| r.as_of.to_string()).unwrap_or_default(),
            });
        }
        rows.sort_by(|a, b| a.risk.cmp(&b.risk).then_with(|| a.name.cmp(&b.name)));
        Ok((rows, all.len(), townships, categories))
    })
    .await?;
    render(&ListPage {
        chrome: Chrome::new(&visitor, "企业", Nav::Enterprises),
        rows,
        visible,
        townships,
        categories,
        township: given(&q.township).unwrap_or("").to_string(),
        category: given(&q.category).unwrap_or("").to_string(),
        q: given(&q.q).unwrap_or("").to_string(),
        scope: scope_words,
    })
}

// ───────────── profile ─────────────

/// One line of the key facts.
pub(super) struct KeyFact {
    pub label: &'static str,
    pub value: String,
    /// Who set it, when (empty when unknown).
    pub source: String,
}

/// The key facts of a record, each with its provenance.
pub(super) fn key_facts(
    record: &Value,
    provenance: Option<&BTreeMap<String, FieldSource>>,
) -> Vec<KeyFact> {
    let source = |pointer: &str| {
        provenance
            .and_then(|p| provenance_for(p, pointer))
            .map(source_text)
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    let mut push = |label: &'static str, pointer: &str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            out.push(KeyFact {
                label,
                value,
                source: source(pointer),
            });
        }
    };
    push(
        "统一社会信用代码",
        "/uscc",
        text_at(record, "/uscc").map(str::to_string),
    );
    push("所在地区", "/region", record.get("region").map(region_text));
    push(
        "监管类别",
        "/category",
        text_at(record, "/category").map(str::to_string),
    );
    push(
        "从业人员",
        "/employees",
        record
            .get("employees")
            .and_then(Value::as_u64)
            .map(|n| format!("{n} 人")),
    );
    push(
        "涉及危险化学品的活动",
        "/hazchem_activities",
        record
            .get("hazchem_activities")
            .and_then(Value::as_array)
            .map(|a| list_text(a)),
    );
    push(
        "位于化工园区",
        "/in_chemical_park",
        record.get("in_chemical_park").map(value_text),
    );
    if let Some(licences) = record.get("licences").and_then(Value::as_array) {
        let text = licences
            .iter()
            .map(|l| {
                let kind = l.get("kind").and_then(Value::as_str).unwrap_or("许可证");
                let mut s = kind.to_string();
                if let Some(n) = l.get("number").and_then(Value::as_str) {
                    s.push_str(&format!("（{n}）"));
                }
                if let Some(e) = l.get("expires").and_then(Value::as_str) {
                    s.push_str(&format!("，有效期至 {e}"));
                }
                s
            })
            .collect::<Vec<_>>()
            .join("；");
        push("行政许可", "/licences", Some(text));
    }
    if let Some(people) = record.get("people").and_then(Value::as_array) {
        let heads: Vec<&str> = people
            .iter()
            .filter(|p| p.get("role").and_then(Value::as_str) == Some("主要负责人"))
            .filter_map(|p| p.get("name").and_then(Value::as_str))
            .collect();
        push("主要负责人", "/people", Some(heads.join("、")));
    }
    if let Some(org) = record.get("safety_org") {
        let mut parts = Vec::new();
        match org.get("has_department").and_then(Value::as_bool) {
            Some(true) => parts.push("设有安全生产管理机构".to_string()),
            Some(false) => parts.push("未设安全生产管理机构".to_string()),
            None => {}
        }
        for (key, words) in [
            ("full_time_officers", "专职"),
            ("part_time_officers", "兼职"),
            ("registered_safety_engineers", "注册安全工程师"),
        ] {
            if let Some(n) = org.get(key).and_then(Value::as_u64) {
                parts.push(format!("{words} {n} 人"));
            }
        }
        push("安全生产管理", "/safety_org", Some(parts.join("，")));
    }
    if let Some(units) = record.get("units").and_then(Value::as_array) {
        let ids: Vec<&str> = units
            .iter()
            .filter_map(|u| u.get("id").and_then(Value::as_str))
            .collect();
        push(
            "生产、储存单元",
            "/units",
            Some(format!("{} 个：{}", units.len(), ids.join("、"))),
        );
    }
    if let Some(hd) = record.get("hidden_dangers").and_then(Value::as_array) {
        let open = hd
            .iter()
            .filter(|h| h.get("status").and_then(Value::as_str) != Some("已销号"))
            .count();
        push(
            "已知事故隐患",
            "/hidden_dangers",
            Some(format!("{} 项，其中未销号 {open} 项", hd.len())),
        );
    }
    out
}

fn list_text(items: &[Value]) -> String {
    items.iter().map(value_text).collect::<Vec<_>>().join("、")
}

/// The latest stored check as the profile shows it.
pub(super) struct CheckView {
    pub as_of: String,
    pub at: String,
    pub by: String,
    pub record_version: String,
    /// The record changed since this check.
    pub stale: bool,
    pub findings: FindingsView,
    pub hazards: Vec<HazardRow>,
    pub risk: Risk,
    /// `风险分 48（较大风险）` and one line per component of the score.
    pub risk_score: String,
    pub risk_lines: Vec<String>,
    pub conflicts: Vec<String>,
}

/// One line of the history of changes.
pub(super) struct HistoryRow {
    pub version: u64,
    pub at: String,
    pub by: String,
    pub op: &'static str,
    /// The fields this change set (pointers), the first few.
    pub fields: Vec<String>,
    /// How many more fields it set.
    pub more: usize,
}

/// How many fields a history line names.
const HISTORY_FIELDS: usize = 8;
/// How many history lines the profile shows (newest first).
const HISTORY_ROWS: usize = 50;

/// A change as a history line: the fields it set are those whose
/// provenance, right after it, names its version.
pub(super) fn history_row(c: &Change) -> HistoryRow {
    let set: Vec<&String> = c
        .provenance
        .iter()
        .filter(|(_, s)| s.version == c.version)
        .map(|(p, _)| p)
        .collect();
    HistoryRow {
        version: c.version,
        at: time_text(c.at),
        by: actor_text(&c.by),
        op: match c.op {
            ChangeOp::Put(_) => "整体替换",
            ChangeOp::Patch(_) => "合并更新",
        },
        more: set.len().saturating_sub(HISTORY_FIELDS),
        fields: set.into_iter().take(HISTORY_FIELDS).cloned().collect(),
    }
}

#[derive(Template)]
#[template(path = "enterprise.html")]
struct ProfilePage {
    chrome: Chrome,
    uscc: String,
    name: String,
    version: u64,
    updated: String,
    facts: Vec<KeyFact>,
    /// The source most fields share (stated once; facts name theirs only
    /// where it differs).
    usual: String,
    check: Option<CheckView>,
    history: Vec<HistoryRow>,
    /// Older history lines not shown.
    history_more: usize,
    today: String,
    /// The enterprise's hidden dangers from the ledger.
    dangers: super::danger_pages::EnterpriseDangers,
    /// Recent on-site visits, newest first, with the dangers they registered.
    visits: Vec<super::visit_pages::VisitLine>,
}

/// The check view of a stored check against the current record.
pub(super) fn check_view(
    state: &AppState,
    stored: &StoredRecord,
    check: &StoredCheck,
    assessed: Option<&Assessment>,
) -> CheckView {
    let inner = state.inner();
    let ctx = ViewContext {
        schema: &inner.schema,
        provenance: Some(&stored.provenance),
    };
    let rules = inner.rules.load();
    let mut findings = findings_view(&check.result, &ctx);
    if let Some(usual) = usual_source(&stored.provenance) {
        omit_usual_source(&mut findings, &usual);
    }
    CheckView {
        as_of: check.result.as_of.to_string(),
        at: time_text(check.at),
        by: actor_text(&check.by),
        record_version: check
            .record_version
            .map(|v| format!("第 {v} 版"))
            .unwrap_or_else(|| "未记录版本".to_string()),
        stale: check.record_version.is_some_and(|v| v < stored.version),
        findings,
        hazards: hazard_rows(&check.result, Some(&stored.record), Some(&rules.program)),
        risk: assessed.map_or(Risk::Unchecked, |a| a.colour.into()),
        risk_score: assessed
            .and_then(|a| a.score.map(|s| format!("风险分 {s}（{}）", a.level)))
            .unwrap_or_default(),
        risk_lines: assessed
            .iter()
            .flat_map(|a| {
                let parts = a.components.iter().map(|c| {
                    format!(
                        "{} {} 分：{}（{}）",
                        c.label,
                        c.points,
                        c.sources.join("、"),
                        c.detail
                    )
                });
                parts.chain(a.forced_by.clone())
            })
            .collect(),
        conflicts: conflicts_text(&check.result),
    }
}

/// Rule conflicts in words.
pub(super) fn conflicts_text(result: &CheckResult) -> Vec<String> {
    result
        .conflicts
        .iter()
        .map(|c| format!("{}（{}）：{}", c.subject, c.rules.join("、"), c.explanation))
        .collect()
}

async fn profile(
    State(state): State<AppState>,
    visitor: Visitor,
    path: Result<Path<String>, PathRejection>,
) -> Result<Html<String>, PageError> {
    let uscc = path_uscc(path)?;
    let (key, stored) = visible_record(&state, &visitor, &uscc).await?;
    let store = state.inner().store.clone();
    let weights = state.inner().weights.clone();
    let record = stored.record.clone();
    let day = crate::search::today();
    let (latest, mut changes, ledger, assessed, visits) = blocking(move || {
        let ledger = Ledger::read_enterprise(&store, &key)?;
        let latest = store.latest_check(&key)?;
        let assessed = latest
            .as_ref()
            .map(|c| ledger.assess(&weights, &record, Some(&c.result), day));
        let visits = super::visit_pages::recent_visits(&store, &key)?;
        Ok((latest, store.history(&key)?, ledger, assessed, visits))
    })
    .await?;
    changes.reverse();
    let dangers = super::danger_pages::enterprise_dangers(ledger.dangers_of(&stored.uscc), day);
    let history_more = changes.len().saturating_sub(HISTORY_ROWS);
    let history = changes.iter().take(HISTORY_ROWS).map(history_row).collect();
    let name = text_at(&stored.record, "/name")
        .unwrap_or(&uscc)
        .to_string();
    let check = latest
        .as_ref()
        .map(|c| check_view(&state, &stored, c, assessed.as_ref()));
    let usual = usual_source(&stored.provenance).unwrap_or_default();
    let mut facts = key_facts(&stored.record, Some(&stored.provenance));
    for f in &mut facts {
        if f.source == usual {
            f.source.clear();
        }
    }
    render(&ProfilePage {
        chrome: Chrome::new(&visitor, name.clone(), Nav::Enterprises),
        facts,
        usual,
        uscc: stored.uscc.clone(),
        name,
        version: stored.version,
        updated: format!(
            "{} {}",
            actor_text(&stored.updated_by),
            time_text(stored.updated_at)
        ),
        check,
        history,
        history_more,
        today: day.to_string(),
        dangers,
        visits,
    })
}

// ───────────── re-check ─────────────

#[derive(Debug, Default, Deserialize)]
struct RecheckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    as_of: String,
}

/// The check date of a form: empty is today.
pub(super) fn as_of_of(text: &str) -> Result<jiff::civil::Date, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(crate::search::today());
    }
    crate::record::parse_date(text).map_err(|why| format!("检查日期{why}"))
}

/// POST `/enterprises/{uscc}/check`: runs the rules in force on the stored
/// record, stores the result under the visitor's token and returns to the
/// profile (303).
async fn recheck(
    State(state): State<AppState>,
    visitor: Visitor,
    path: Result<Path<String>, PathRejection>,
    form: Result<Form<RecheckForm>, FormRejection>,
) -> Result<Response, PageError> {
    let uscc = path_uscc(path)?;
    let who = visitor.require(Role::Inspector)?;
    let Form(form) = form.map_err(|_| {
        PageError::BadRequest("表单格式不对，请在企业页面上点击“重新检查”".to_string())
    })?;
    visitor.check_csrf(&form.csrf)?;
    let actor = who.actor();
    let as_of = as_of_of(&form.as_of).map_err(PageError::BadRequest)?;
    let (key, stored) = visible_record(&state, &visitor, &uscc).await?;
    let inner = state.inner();
    let record = crate::record::validate_record(&stored.record, &inner.schema).map_err(|p| {
        PageError::BadRequest(format!(
            "该企业档案未通过当前架构的校验（{} 处问题，首个在 `{}`），请先更正档案再检查",
            p.len(),
            p.first().map(|x| x.pointer.as_str()).unwrap_or("")
        ))
    })?;
    let report = {
        let rules = inner.rules.load();
        crate::check::run_valid(&rules.program, &record, as_of)
    };
    let store = inner.store.clone();
    let version = stored.version;
    blocking(move || store.save_check(&key, &report.result, Some(version), &actor)).await?;
    let target = format!(
        "/enterprises/{}#latest-check",
        super::paths::segment(&stored.uscc)
    );
    Ok(Redirect::to(&target).into_response())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::Actor;

    #[test]
    fn key_facts_with_sources() {
        let record = json!({
            "uscc": "91330481MA2B00000Y", "name": "某公司",
            "region": {"province": "浙江省", "county": "海宁市", "township": "袁花镇"},
            "category": "危化生产", "employees": 320, "hazchem_activities": ["生产", "储存"],
            "licences": [{"kind": "安全生产许可证", "number": "X-1", "expires": "2027-02-28"}],
            "safety_org": {"has_department": true, "full_time_officers": 4},
            "hidden_dangers": [{"status": "已销号"}, {"status": "整改中"}]
        });
        let mut prov = BTreeMap::new();
        prov.insert(
            "/employees".to_string(),
            FieldSource {
                by: Actor::department("人社局"),
                at: "2026-11-28T00:00:00Z".parse().unwrap(),
                version: 2,
                observed_on: None,
            },
        );
        let facts = key_facts(&record, Some(&prov));
        let find = |label: &str| facts.iter().find(|f| f.label == label).unwrap();
        assert_eq!(find("所在地区").value, "浙江省 海宁市 袁花镇");
        assert_eq!(find("从业人员").value, "320 人");
        assert_eq!(
            find("从业人员").source,
            "人社局（部门） 2026-11-28 08:00 第 2 版"
        );
        assert_eq!(find("所在地区").source, "");
        assert_eq!(find("涉及危险化学品的活动").value, "生产、储存");
        assert_eq!(
            find("行政许可").value,
            "安全生产许可证（X-1），有效期至 2027-02-28"
        );
        assert_eq!(
            find("安全生产管理").value,
            "设有安全生产管理机构，专职 4 人"
        );
        assert_eq!(find("已知事故隐患").value, "2 项，其中未销号 1 项");
        // absent fields are left out, not shown as "no"
        assert!(facts.iter().all(|f| f.label != "位于化工园区"));
    }

    #[test]
    fn history_lines_name_the_fields_they_set() {
        let at: jiff::Timestamp = "2026-11-28T00:00:00Z".parse().unwrap();
        let src = |v| FieldSource {
            by: Actor::system("消防平台"),
            at,
            version: v,
            observed_on: None,
        };
        let mut provenance = BTreeMap::new();
        provenance.insert("/name".to_string(), src(1));
        provenance.insert("/employees".to_string(), src(2));
        let c = Change {
            version: 2,
            at,
            by: Actor::system("消防平台"),
            op: ChangeOp::Patch(json!({"employees": 12})),
            record: json!({}),
            provenance,
        };
        let row = history_row(&c);
        assert_eq!(row.fields, ["/employees"]);
        assert_eq!((row.op, row.more, row.version), ("合并更新", 0, 2));
        assert_eq!(row.by, "消防平台（系统）");
    }

    #[test]
    fn check_dates() {
        assert_eq!(
            as_of_of("2026-11-28").unwrap(),
            jiff::civil::date(2026, 11, 28)
        );
        assert_eq!(as_of_of(" ").unwrap(), crate::search::today());
        assert!(as_of_of("2026-13-01").unwrap_err().contains("`2026-13-01`"));
    }
}
