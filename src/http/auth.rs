//! Bearer-token authentication and role checks.
//!
//! [`Caller`] extracts the token (`Authorization: Bearer rkb_…`), looks it up
//! in the store (only hashes are stored) and lets handlers demand a role:
//! `viewer` reads statutes and rules, `inspector` reads and writes the
//! records of its region and runs checks, `author` validates and publishes
//! rules, `admin` may do everything. A missing or unknown token is 401, a
//! role or region that does not fit is 403.
//!
//! ```ignore
//! let who = caller.require(Role::Inspector)?;
//! who.may_see(&record)?;
//! ```

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::error::ApiError;
use super::state::AppState;
use crate::store::{Actor, ActorKind, RegionScope, Role, TokenInfo};

/// The header a department's system names itself with (provenance).
pub const DEPARTMENT_HEADER: &str = "x-regkb-department";

/// Who is calling: a token (if one was given) and the department header.
pub struct Caller {
    token: Option<TokenInfo>,
    department: Option<String>,
}

/// A caller whose role was checked.
pub struct Identity<'a> {
    pub info: &'a TokenInfo,
    department: Option<&'a str>,
}

fn allows(have: Role, need: Role) -> bool {
    have == Role::Admin || have == need || need == Role::Viewer
}

impl Caller {
    /// A token with a role that covers `need` (admin covers all, every role
    /// covers viewer).
    pub fn require(&self, need: Role) -> Result<Identity<'_>, ApiError> {
        let Some(info) = &self.token else {
            return Err(ApiError::Unauthorized(
                "需要登录：请在请求头 `Authorization: Bearer <令牌>` 中提供令牌".to_string(),
            ));
        };
        if !allows(info.role, need) {
            return Err(ApiError::forbidden(format!(
                "令牌角色 `{}` 无权进行此操作（需要 `{}`）",
                info.role, need
            )));
        }
        Ok(Identity {
            info,
            department: self.department.as_deref(),
        })
    }

    /// Search and provisions: open to all when configured public.
    pub fn require_public_or(&self, state: &AppState, need: Role) -> Result<(), ApiError> {
        if state.0.config.public_search {
            return Ok(());
        }
        self.require(need).map(|_| ())
    }
}

impl Identity<'_> {
    /// Whom a write is recorded under: the department named in the header
    /// (with the token's label), else the token.
    pub fn actor(&self) -> Actor {
        match self.department {
            Some(d) => Actor {
                kind: ActorKind::Department,
                id: d.to_string(),
                label: Some(format!("{} ({})", self.info.label, self.info.id)),
            },
            None => self.info.actor(),
        }
    }

    pub fn scope(&self) -> Option<&RegionScope> {
        self.info.region.as_ref()
    }

    /// 403 unless the record lies in the token's region.
    pub fn may_see(&self, record: &serde_json::Value) -> Result<(), ApiError> {
        match self.scope() {
            Some(s) if !s.contains(record) => Err(ApiError::forbidden(format!(
                "该企业不在令牌的管辖范围（{s}）内"
            ))),
            _ => Ok(()),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let department = parts
            .headers
            .get(DEPARTMENT_HEADER)
            .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Ok(Caller {
                token: None,
                department,
            });
        };
        let text = value.to_str().unwrap_or("");
        let Some(token) = text
            .strip_prefix("Bearer ")
            .or_else(|| text.strip_prefix("bearer "))
        else {
            return Err(ApiError::Unauthorized(
                "请求头 `Authorization` 须写成 `Bearer <令牌>`".to_string(),
            ));
        };
        let store = state.0.store.clone();
        let token = token.trim().to_string();
        let info = store.authenticate(&token).map_err(ApiError::internal)?;
        match info {
            Some(info) => Ok(Caller {
                token: Some(info),
                department,
            }),
            None => Err(ApiError::Unauthorized("令牌无效或已被吊销".to_string())),
        }
    }
}
