//! The enterprise-record routes: read (now or as of a time), replace,
//! merge-patch, list, history, and check-and-store. Records are never
//! public; a token scoped to a region sees only records in it.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::{Caller, Identity};
use super::dto::AsOfQuery;
use super::error::ApiError;
use super::extract::{ApiPath, ApiQuery, JsonBytes};
use super::handlers::{date_param, record_body_error, record_problems};
use super::state::AppState;
use crate::record::{Limits, Uscc, parse_record};
use crate::store::{Actor, AsOf, Change, FieldSource, ListFilter, Role, StoreError, StoredRecord};

/// Store failures: rejected writes are 422, missing things 404, the rest 500.
pub fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Rejected(problems) => record_problems(&problems),
        StoreError::NotFound { .. } => ApiError::not_found(format!("找不到：{e}")),
        other => ApiError::internal(other),
    }
}

#[derive(Serialize)]
pub struct ActorOut {
    pub kind: &'static str,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl ActorOut {
    pub fn of(a: &Actor) -> ActorOut {
        use crate::store::ActorKind;
        ActorOut {
            kind: match a.kind {
                ActorKind::Department => "department",
                ActorKind::System => "system",
                ActorKind::Token => "token",
                ActorKind::Cli => "cli",
                ActorKind::Inspection => "inspection",
            },
            id: a.id.clone(),
            label: a.label.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct SourceOut {
    pub by: ActorOut,
    pub at: jiff::Timestamp,
    pub version: u64,
    /// The day an inspection saw the value, when it differs from `at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_on: Option<jiff::civil::Date>,
}

fn provenance_out(p: &BTreeMap<String, FieldSource>) -> BTreeMap<String, SourceOut> {
    p.iter()
        .map(|(k, s)| {
            (
                k.clone(),
                SourceOut {
                    by: ActorOut::of(&s.by),
                    at: s.at,
                    version: s.version,
                    observed_on: s.observed_on,
                },
            )
        })
        .collect()
}

/// `GET /enterprises/{uscc}` answer.
#[derive(Serialize)]
pub struct EnterpriseOut {
    pub uscc: String,
    pub version: u64,
    pub updated_at: jiff::Timestamp,
    pub updated_by: ActorOut,
    pub record: Value,
    pub provenance: BTreeMap<String, SourceOut>,
}

impl EnterpriseOut {
    fn of(s: StoredRecord) -> EnterpriseOut {
        EnterpriseOut {
            provenance: provenance_out(&s.provenance),
            updated_by: ActorOut::of(&s.updated_by),
            uscc: s.uscc,
            version: s.version,
            updated_at: s.updated_at,
            record: s.record,
        }
    }
}

#[derive(Serialize)]
pub struct ChangeOut {
    pub version: u64,
    pub at: jiff::Timestamp,
    pub by: ActorOut,
    /// `put` or `patch`
    pub op: &'static str,
    /// What was sent.
    pub body: Value,
    /// The record after the change.
    pub record: Value,
}

impl ChangeOut {
    fn of(c: Change) -> ChangeOut {
        let (op, body) = match c.op {
            crate::store::ChangeOp::Put(v) => ("put", v),
            crate::store::ChangeOp::Patch(v) => ("patch", v),
        };
        ChangeOut {
            version: c.version,
            at: c.at,
            by: ActorOut::of(&c.by),
            op,
            body,
            record: c.record,
        }
    }
}

#[derive(Serialize)]
pub struct WrittenOut {
    pub uscc: String,
    pub version: u64,
}

#[derive(Serialize)]
pub struct ListOut {
    pub total: usize,
    pub enterprises: Vec<SummaryOut>,
}

#[derive(Serialize)]
pub struct SummaryOut {
    pub uscc: String,
    pub name: Option<String>,
    pub region: Value,
    pub category: Option<String>,
    pub version: u64,
    pub updated_at: jiff::Timestamp,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub township: Option<String>,
    pub county: Option<String>,
    pub category: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetQuery {
    /// A day (`2026-11-28`) or an instant (`2026-11-28T10:00:00Z`).
    pub as_of: Option<String>,
}

/// The path's USCC, checked (422 naming the field when malformed).
pub(super) fn uscc_of(text: &str) -> Result<Uscc, ApiError> {
    text.parse::<Uscc>()
        .map_err(|e| ApiError::field("uscc", format!("`{text}` 不是有效的统一社会信用代码：{e}")))
}

/// Runs a store call off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
        .map_err(store_error)
}

fn missing(uscc: &str) -> ApiError {
    ApiError::not_found(format!("找不到统一社会信用代码为 `{uscc}` 的企业档案"))
}

/// The path's USCC, checked, for a caller allowed to touch records.
fn keyed<'a>(caller: &'a Caller, uscc: &str) -> Result<(Identity<'a>, Uscc), ApiError> {
    let who = caller.require(Role::Inspector)?;
    Ok((who, uscc_of(uscc)?))
}

/// A record or merge patch sent in the body (not JSON: 400; too large or
/// deep: its own problem).
fn body_value(body: &[u8]) -> Result<Value, ApiError> {
    parse_record(body, &Limits::default()).map_err(|p| record_body_error(&p))
}

/// The stored record, if any (403 when it lies outside the caller's region).
async fn current(
    state: &AppState,
    who: &Identity<'_>,
    key: &Uscc,
) -> Result<Option<StoredRecord>, ApiError> {
    let store = state.0.store.clone();
    let k = key.clone();
    let found = blocking(move || store.get(&k, None)).await?;
    if let Some(r) = &found {
        who.may_see(&r.record)?;
    }
    Ok(found)
}

/// The stored record; 404 when there is none.
pub(super) async fn existing(
    state: &AppState,
    who: &Identity<'_>,
    key: &Uscc,
    uscc: &str,
) -> Result<StoredRecord, ApiError> {
    current(state, who, key).await?.ok_or_else(|| missing(uscc))
}

/// 403 unless the enterprise lies in the caller's region (a vanished record
/// is visible only to unscoped callers).
pub(super) async fn may_see_enterprise(
    state: &AppState,
    who: &Identity<'_>,
    uscc: &Uscc,
) -> Result<(), ApiError> {
    if who.scope().is_none() {
        return Ok(());
    }
    let store = state.0.store.clone();
    let k = uscc.clone();
    match blocking(move || store.get(&k, None)).await? {
        Some(r) => who.may_see(&r.record),
        None => Err(ApiError::forbidden("该企业不在令牌的管辖范围内")),
    }
}

/// The items whose enterprise the caller may see (as [`may_see_enterprise`]),
/// reading each enterprise once in one store call; an enterprise that cannot
/// be read is not visible.
pub(super) async fn visible_only<T>(
    state: &AppState,
    who: &Identity<'_>,
    items: Vec<T>,
    uscc: impl Fn(&T) -> &Uscc,
) -> Result<Vec<T>, ApiError> {
    if who.scope().is_none() {
        return Ok(items);
    }
    let keys: Vec<Uscc> = items
        .iter()
        .map(&uscc)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .cloned()
        .collect();
    let store = state.0.store.clone();
    let records = tokio::task::spawn_blocking(move || {
        keys.into_iter()
            .map(|k| {
                let r = store.get(&k, None).ok().flatten();
                (k, r)
            })
            .collect::<BTreeMap<_, _>>()
    })
    .await
    .map_err(ApiError::internal)?;
    let seen: BTreeMap<&Uscc, bool> = records
        .iter()
        .map(|(k, r)| {
            (
                k,
                r.as_ref().is_some_and(|r| who.may_see(&r.record).is_ok()),
            )
        })
        .collect();
    Ok(items
        .into_iter()
        .filter(|item| seen.get(uscc(item)).copied().unwrap_or(false))
        .collect())
}

enum Write {
    Put(Value),
    Patch(Value),
}

/// Stores a replace or a merge patch under the caller's name.
async fn write(
    state: &AppState,
    who: &Identity<'_>,
    key: Uscc,
    uscc: String,
    change: Write,
) -> Result<Response, ApiError> {
    let actor = who.actor();
    let st = state.clone();
    let version = blocking(move || {
        let (store, schema) = (&st.0.store, &st.0.schema);
        match change {
            Write::Put(record) => store.put(&key, record, &actor, schema),
            Write::Patch(patch) => store.patch(&key, patch, &actor, schema),
        }
    })
    .await?;
    Ok(Json(WrittenOut { uscc, version }).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(uscc): ApiPath<String>,
    ApiQuery(q): ApiQuery<GetQuery>,
) -> Result<Response, ApiError> {
    let (who, key) = keyed(&caller, &uscc)?;
    let as_of =
        match q.as_of.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(s.parse::<AsOf>().map_err(|why| {
                ApiError::field("as_of", format!("`as_of` 不是日期或时刻：{why}"))
            })?),
        };
    let store = state.0.store.clone();
    let found = blocking(move || store.get(&key, as_of)).await?;
    let stored = found.ok_or_else(|| missing(&uscc))?;
    who.may_see(&stored.record)?;
    Ok(Json(EnterpriseOut::of(stored)).into_response())
}

pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(uscc): ApiPath<String>,
    JsonBytes(body): JsonBytes,
) -> Result<Response, ApiError> {
    let (who, key) = keyed(&caller, &uscc)?;
    let record = body_value(&body)?;
    who.may_see(&record)?;
    current(&state, &who, &key).await?;
    write(&state, &who, key, uscc, Write::Put(record)).await
}

pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(uscc): ApiPath<String>,
    JsonBytes(body): JsonBytes,
) -> Result<Response, ApiError> {
    let (who, key) = keyed(&caller, &uscc)?;
    let patch = body_value(&body)?;
    if !patch.is_object() {
        return Err(record_problems(&[crate::record::Problem::new(
            "",
            "合并补丁须是一个 JSON 对象".to_string(),
            "JSON 对象".to_string(),
        )]));
    }
    let mut merged = existing(&state, &who, &key, &uscc).await?.record;
    crate::store::merge_patch(&mut merged, &patch);
    who.may_see(&merged)?;
    write(&state, &who, key, uscc, Write::Patch(patch)).await
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Inspector)?;
    let filter = ListFilter {
        township: q.township,
        county: q.county,
        category: q.category,
        scope: who.scope().cloned(),
    };
    let store = state.0.store.clone();
    let found = blocking(move || store.list(&filter)).await?;
    let enterprises: Vec<SummaryOut> = found
        .into_iter()
        .map(|s| SummaryOut {
            uscc: s.uscc,
            name: s.name,
            region: s.region,
            category: s.category,
            version: s.version,
            updated_at: s.updated_at,
        })
        .collect();
    Ok(Json(ListOut {
        total: enterprises.len(),
        enterprises,
    })
    .into_response())
}

pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(uscc): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (who, key) = keyed(&caller, &uscc)?;
    existing(&state, &who, &key, &uscc).await?;
    let store = state.0.store.clone();
    let changes = blocking(move || store.history(&key)).await?;
    let out: Vec<ChangeOut> = changes.into_iter().map(ChangeOut::of).collect();
    Ok(Json(serde_json::json!({"uscc": uscc, "history": out})).into_response())
}

pub async fn check(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(uscc): ApiPath<String>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<Response, ApiError> {
    let (who, key) = keyed(&caller, &uscc)?;
    let as_of = date_param("as_of", q.as_of.as_deref())?;
    let current = existing(&state, &who, &key, &uscc).await?;
    let record = crate::record::validate_record(&current.record, &state.0.schema)
        .map_err(|p| record_problems(&p))?;
    let report = {
        let rules = state.0.rules.load();
        crate::check::run_valid(&rules.program, &record, as_of)
    };
    let actor = who.actor();
    let store = state.0.store.clone();
    let result = report.result.clone();
    let version = current.version;
    let seq = blocking(move || store.save_check(&key, &result, Some(version), &actor)).await?;
    let mut resp = (StatusCode::OK, Json(report.result)).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&seq.to_string()) {
        resp.headers_mut().insert("x-regkb-check-seq", v);
    }
    Ok(resp)
}
