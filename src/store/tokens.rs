//! API tokens: random, shown once, stored only as a SHA-256 hash, with a
//! role and an optional region scope.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use super::audit::append_audit;
use super::{Actor, Store, StoreError, decode, encode, now};

/// What a token may do (the HTTP layer decides what each role allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Inspector,
    Author,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Inspector => "inspector",
            Role::Author => "author",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "inspector" => Ok(Role::Inspector),
            "author" => Ok(Role::Author),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "不认识的角色 `{other}`（可选：viewer、inspector、author、admin）"
            )),
        }
    }
}

/// A region a token is limited to: every level given must equal the
/// record's `region` field of that level.
///
/// ```
/// use regkb::store::RegionScope;
/// let s: RegionScope = "浙江省/嘉兴市/海宁市".parse().unwrap();
/// assert!(s.contains(&serde_json::json!({"region": {"province": "浙江省", "city": "嘉兴市", "county": "海宁市", "township": "袁花镇"}})));
/// let t: RegionScope = "township=袁花镇".parse().unwrap();
/// assert!(!t.contains(&serde_json::json!({"region": {"township": "许村镇"}})));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionScope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub township: Option<String>,
}

const LEVELS: [&str; 4] = ["province", "city", "county", "township"];

impl RegionScope {
    fn levels(&self) -> [(&'static str, Option<&str>); 4] {
        [
            ("province", self.province.as_deref()),
            ("city", self.city.as_deref()),
            ("county", self.county.as_deref()),
            ("township", self.township.as_deref()),
        ]
    }

    fn slot(&mut self, level: &str) -> Option<&mut Option<String>> {
        match level {
            "province" => Some(&mut self.province),
            "city" => Some(&mut self.city),
            "county" => Some(&mut self.county),
            "township" => Some(&mut self.township),
            _ => None,
        }
    }

    /// Whether a record (its `region` object) lies in this scope.
    pub fn contains(&self, record: &Value) -> bool {
        self.levels().iter().all(|(level, want)| match want {
            None => true,
            Some(want) => {
                record
                    .pointer(&format!("/region/{level}"))
                    .and_then(Value::as_str)
                    == Some(want)
            }
        })
    }
}

impl fmt::Display for RegionScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .levels()
            .iter()
            .filter_map(|(level, v)| v.map(|v| format!("{level}={v}")))
            .collect();
        f.write_str(&parts.join(","))
    }
}

impl FromStr for RegionScope {
    type Err = String;

    /// `浙江省/嘉兴市/海宁市` (levels from the province down) or
    /// `county=海宁市[,township=袁花镇]`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let mut scope = RegionScope::default();
        if s.contains('=') {
            for part in s.split(',') {
                let (level, value) = part.split_once('=').unwrap_or((part, ""));
                let (level, value) = (level.trim(), value.trim());
                if value.is_empty() {
                    return Err(format!("地区 `{part}` 缺少取值"));
                }
                let slot = scope.slot(level).ok_or_else(|| {
                    format!("不认识的地区层级 `{level}`（可用：province、city、county、township）")
                })?;
                *slot = Some(value.to_string());
            }
        } else {
            let parts: Vec<&str> = s.split('/').map(str::trim).collect();
            if parts.len() > LEVELS.len() || parts.iter().any(|p| p.is_empty()) {
                return Err(format!(
                    "地区 `{s}` 应写成 `省/市/县/乡镇`（从省开始），或 `county=…,township=…`"
                ));
            }
            for (level, value) in LEVELS.iter().zip(parts) {
                if let Some(slot) = scope.slot(level) {
                    *slot = Some(value.to_string());
                }
            }
        }
        Ok(scope)
    }
}

/// What the store knows about a token (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// The first 12 hex digits of the hash: names the token in lists, logs
    /// and `revoke`.
    pub id: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<RegionScope>,
    pub label: String,
    pub created_at: jiff::Timestamp,
    pub created_by: Actor,
}

impl TokenInfo {
    /// The actor a token's writes are recorded under.
    pub fn actor(&self) -> Actor {
        Actor::token(self.id.clone(), self.label.clone())
    }
}

/// Tokens look like `rkb_` and 64 hex digits.
const PREFIX: &str = "rkb_";

fn hash_hex(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// Makes a new token. The plaintext is returned here once and stored
    /// nowhere; only its SHA-256 is kept.
    pub fn create_token(
        &self,
        role: Role,
        region: Option<RegionScope>,
        label: &str,
        by: &Actor,
    ) -> Result<(String, TokenInfo), StoreError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
        let plaintext: String = std::iter::once(PREFIX.to_string())
            .chain(bytes.iter().map(|b| format!("{b:02x}")))
            .collect();
        let hash = hash_hex(&plaintext);
        let info = TokenInfo {
            id: hash.chars().take(12).collect(),
            role,
            region,
            label: label.to_string(),
            created_at: now(),
            created_by: by.clone(),
        };
        let inner = &self.inner;
        (&inner.tokens, &inner.audit).transaction(|(tokens, audit)| {
            let bytes = encode(&info).map_err(ConflictableTransactionError::Abort)?;
            tokens.insert(hash.as_bytes(), bytes)?;
            let detail =
                serde_json::json!({"role": info.role, "region": info.region, "label": info.label});
            append_audit(audit, by, "token.create", &info.id, detail)?;
            Ok(())
        })?;
        self.flush()?;
        Ok((plaintext, info))
    }

    /// The token's record, if the token is known (and not revoked).
    pub fn authenticate(&self, token: &str) -> Result<Option<TokenInfo>, StoreError> {
        if !token.starts_with(PREFIX) {
            return Ok(None);
        }
        match self.inner.tokens.get(hash_hex(token).as_bytes())? {
            Some(bytes) => Ok(Some(decode(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Every live token, oldest first.
    pub fn list_tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let mut out: Vec<TokenInfo> = self
            .inner
            .tokens
            .iter()
            .map(|item| decode(&item?.1))
            .collect::<Result<_, _>>()?;
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Revokes a token by id (audited, flushed).
    pub fn revoke_token(&self, id: &str, by: &Actor) -> Result<TokenInfo, StoreError> {
        let mut found = None;
        for item in self.inner.tokens.iter() {
            let (key, bytes) = item?;
            let info: TokenInfo = decode(&bytes)?;
            if info.id == id {
                found = Some((key, info));
                break;
            }
        }
        let Some((key, info)) = found else {
            return Err(StoreError::NotFound {
                what: "token",
                id: id.to_string(),
            });
        };
        let inner = &self.inner;
        (&inner.tokens, &inner.audit).transaction(|(tokens, audit)| {
            tokens.remove(&key)?;
            let detail = serde_json::json!({"role": info.role, "label": info.label});
            append_audit(audit, by, "token.revoke", &info.id, detail)?;
            Ok(())
        })?;
        self.flush()?;
        Ok(info)
    }

    /// Whether any live admin token exists.
    pub fn has_admin(&self) -> Result<bool, StoreError> {
        Ok(self.list_tokens()?.iter().any(|t| t.role == Role::Admin))
    }
}
