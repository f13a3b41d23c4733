//! The admin routes for API tokens: create (the plaintext is answered once),
//! list (never the tokens themselves) and revoke. sled lets one process open
//! the store, so while the service runs this is the way to manage tokens.
//! Every change is audited with the acting admin token as actor.
//!
//! ```text
//! POST   /api/v1/tokens        {"role": "inspector", "region": "county=海宁市", "label": "海宁应急局"}
//! GET    /api/v1/tokens
//! DELETE /api/v1/tokens/{id}
//! ```

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::enterprises::{ActorOut, blocking};
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use super::state::AppState;
use crate::store::{RegionScope, Role, TokenInfo};

/// `POST /tokens` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// viewer, inspector, author or admin.
    pub role: String,
    /// `浙江省/嘉兴市/海宁市` or `county=海宁市[,township=袁花镇]`.
    #[serde(default)]
    pub region: Option<String>,
    /// Who holds the token (a department or system).
    pub label: String,
}

/// A token as listed: never the token itself.
#[derive(Serialize)]
pub struct TokenOut {
    pub id: String,
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<RegionScope>,
    pub label: String,
    pub created_at: jiff::Timestamp,
    pub created_by: ActorOut,
}

impl TokenOut {
    fn of(t: &TokenInfo) -> TokenOut {
        TokenOut {
            id: t.id.clone(),
            role: t.role,
            region: t.region.clone(),
            label: t.label.clone(),
            created_at: t.created_at,
            created_by: ActorOut::of(&t.created_by),
        }
    }
}

/// `POST /tokens` answer: the plaintext token, shown this once.
#[derive(Serialize)]
pub struct CreatedOut {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenOut,
}

#[derive(Serialize)]
pub struct TokenListOut {
    pub total: usize,
    pub tokens: Vec<TokenOut>,
}

#[derive(Serialize)]
pub struct RevokedOut {
    pub revoked: bool,
    #[serde(flatten)]
    pub info: TokenOut,
}

fn role_of(text: &str) -> Result<Role, ApiError> {
    text.trim().parse::<Role>().map_err(|_| {
        ApiError::field(
            "role",
            format!("`role` 应为 viewer、inspector、author 或 admin，收到 `{text}`"),
        )
    })
}

fn region_of(text: Option<&str>) -> Result<Option<RegionScope>, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse::<RegionScope>().map(Some).map_err(|why| {
            ApiError::field(
                "region",
                format!("`region` 无法识别：{why}；例如 `浙江省/嘉兴市/海宁市` 或 `county=海宁市,township=袁花镇`"),
            )
        }),
    }
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<TokenInput>,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Admin)?;
    let role = role_of(&input.role)?;
    let region = region_of(input.region.as_deref())?;
    let label = input.label.trim().to_string();
    if label.is_empty() {
        return Err(ApiError::field(
            "label",
            "请填写 `label`：令牌由哪个部门或系统持有",
        ));
    }
    let actor = who.info.actor();
    let store = state.0.store.clone();
    let (token, info) = blocking(move || store.create_token(role, region, &label, &actor)).await?;
    let out = CreatedOut {
        token,
        info: TokenOut::of(&info),
    };
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(Role::Admin)?;
    let store = state.0.store.clone();
    let tokens = blocking(move || store.list_tokens()).await?;
    let tokens: Vec<TokenOut> = tokens.iter().map(TokenOut::of).collect();
    Ok(Json(TokenListOut {
        total: tokens.len(),
        tokens,
    })
    .into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Admin)?;
    let store = state.0.store.clone();
    let tokens = blocking(move || store.list_tokens()).await?;
    let Some(target) = tokens.iter().find(|t| t.id == id) else {
        return Err(ApiError::not_found(format!("没有编号为 `{id}` 的令牌")));
    };
    let admins = tokens.iter().filter(|t| t.role == Role::Admin).count();
    if target.role == Role::Admin && admins == 1 {
        return Err(ApiError::Conflict(
            "不能吊销最后一个管理员令牌：请先创建另一个管理员令牌".to_string(),
        ));
    }
    let actor = who.info.actor();
    let store = state.0.store.clone();
    let info = blocking(move || store.revoke_token(&id, &actor)).await?;
    Ok(Json(RevokedOut {
        revoked: true,
        info: TokenOut::of(&info),
    })
    .into_response())
}
