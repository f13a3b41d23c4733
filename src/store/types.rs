//! The values the store hands out: records with provenance, changes,
//! summaries, actors.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A record's version number: 1 for the first write, +1 per change.
pub type Version = u64;

/// Who made a change: a department, another system, an API token, or the
/// command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub kind: ActorKind,
    /// The department or system name, the token id, or the CLI command.
    pub id: String,
    /// A human label (a token's label), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    Department,
    System,
    Token,
    Cli,
    /// Facts observed on an on-site visit (`id` is the visit, e.g.
    /// `visit:3`; the label names the inspectors).
    Inspection,
}

impl Actor {
    pub fn department(name: impl Into<String>) -> Actor {
        Actor::new(ActorKind::Department, name)
    }

    pub fn system(name: impl Into<String>) -> Actor {
        Actor::new(ActorKind::System, name)
    }

    pub fn token(id: impl Into<String>, label: impl Into<String>) -> Actor {
        Actor {
            kind: ActorKind::Token,
            id: id.into(),
            label: Some(label.into()).filter(|l: &String| !l.is_empty()),
        }
    }

    pub fn cli(command: impl Into<String>) -> Actor {
        Actor::new(ActorKind::Cli, command)
    }

    fn new(kind: ActorKind, id: impl Into<String>) -> Actor {
        Actor {
            kind,
            id: id.into(),
            label: None,
        }
    }
}

/// Where one field's current value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSource {
    pub by: Actor,
    /// When the value was written.
    pub at: jiff::Timestamp,
    pub version: Version,
    /// The day the value was seen, when that differs from the write: facts
    /// observed on an on-site visit are often recorded a day or two later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_on: Option<jiff::civil::Date>,
}

/// A record as stored, with provenance per leaf JSON pointer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRecord {
    pub uscc: String,
    pub version: Version,
    pub updated_at: jiff::Timestamp,
    pub updated_by: Actor,
    pub record: Value,
    pub provenance: BTreeMap<String, FieldSource>,
}

/// What kind of write made a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op", content = "body")]
pub enum ChangeOp {
    /// The whole record was replaced by this one.
    Put(Value),
    /// This merge patch was applied.
    Patch(Value),
}

/// One entry of a record's history: what was sent and what resulted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub version: Version,
    pub at: jiff::Timestamp,
    pub by: Actor,
    #[serde(flatten)]
    pub op: ChangeOp,
    /// The record after this change.
    pub record: Value,
    /// Provenance after this change.
    pub provenance: BTreeMap<String, FieldSource>,
}

impl Change {
    pub(super) fn into_stored(self, uscc: &str) -> StoredRecord {
        StoredRecord {
            uscc: uscc.to_string(),
            version: self.version,
            updated_at: self.at,
            updated_by: self.by,
            record: self.record,
            provenance: self.provenance,
        }
    }
}

/// Read a record as it was at a moment, or at the end of a day (China
/// Standard Time, UTC+8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    Time(jiff::Timestamp),
    Date(jiff::civil::Date),
}

impl AsOf {
    /// The last instant the reading covers.
    pub fn instant(self) -> jiff::Timestamp {
        match self {
            AsOf::Time(t) => t,
            AsOf::Date(d) => d
                .tomorrow()
                .ok()
                .and_then(|next| {
                    next.to_datetime(jiff::civil::Time::midnight())
                        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
                        .ok()
                })
                .and_then(|z| {
                    z.timestamp()
                        .checked_sub(jiff::SignedDuration::from_nanos(1))
                        .ok()
                })
                .unwrap_or(jiff::Timestamp::MAX),
        }
    }
}

impl std::str::FromStr for AsOf {
    type Err = String;

    /// `2026-11-28` (a day) or an RFC 3339 instant `2026-11-28T10:00:00Z`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(t) = s.parse::<jiff::Timestamp>() {
            return Ok(AsOf::Time(t));
        }
        crate::record::parse_date(s).map(AsOf::Date)
    }
}

/// Which records [`super::Store::list`] returns: every given field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ListFilter {
    pub township: Option<String>,
    pub county: Option<String>,
    pub category: Option<String>,
    /// A token's region scope, applied on top.
    #[serde(skip)]
    pub scope: Option<super::RegionScope>,
}

impl ListFilter {
    pub fn matches(&self, record: &Value) -> bool {
        let region = |level: &str| {
            record
                .pointer(&format!("/region/{level}"))
                .and_then(Value::as_str)
        };
        let eq = |want: &Option<String>, got: Option<&str>| {
            want.as_deref().is_none_or(|w| Some(w) == got)
        };
        eq(&self.township, region("township"))
            && eq(&self.county, region("county"))
            && eq(
                &self.category,
                record.get("category").and_then(Value::as_str),
            )
            && self.scope.as_ref().is_none_or(|s| s.contains(record))
    }
}

/// One line of a record list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub uscc: String,
    pub name: Option<String>,
    pub region: Value,
    pub category: Option<String>,
    pub version: Version,
    pub updated_at: jiff::Timestamp,
}

impl Summary {
    pub(super) fn of(stored: &StoredRecord) -> Summary {
        let text = |k: &str| {
            stored
                .record
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        Summary {
            uscc: stored.uscc.clone(),
            name: text("name"),
            region: stored.record.get("region").cloned().unwrap_or(Value::Null),
            category: text("category"),
            version: stored.version,
            updated_at: stored.updated_at,
        }
    }
}
