//! On-site visits (现场检查): what inspectors from one or more departments
//! found at an enterprise on one day, item by item. A visit item names the
//! rule ids of the checklist item it answers, the inspector's outcome, a
//! note, and the facts observed on site.
//!
//! [`record`] is how every front end records one: [`prepare`] (pure)
//! validates the submission against the stored record, the rules and the
//! schema — every problem named by JSON pointer into the submission — and
//! turns it into what is written: the observed facts as a merge patch
//! (provenance `inspection`, observed on the visit day), the hidden dangers
//! of its items, the visit, and a re-check, all in one store transaction.
//!
//! ```
//! use regkb::visit::{ItemOutcome, NewVisit, VisitItem};
//! let v = NewVisit {
//!     uscc: "91330481MA2B00000Y".parse().unwrap(),
//!     date: "2026-11-20".parse().unwrap(),
//!     departments: vec!["应急管理".into(), "消防救援".into()],
//!     inspectors: vec!["王五".into()],
//!     plan: None,
//!     items: vec![VisitItem {
//!         rules: vec!["SCF-041".into()],
//!         outcome: ItemOutcome::Compliant,
//!         note: None,
//!         facts: vec![],
//!         danger: None,
//!     }],
//! };
//! assert_eq!(v.items[0].outcome.label(), "核查符合");
//! ```

mod error;
mod prepare;
mod record;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use error::VisitError;
pub use prepare::{Basis, ON_THE_SPOT, prepare};
pub use record::record;

use crate::record::Uscc;

/// A visit's number, given by the store (1, 2, …).
pub type VisitId = u64;

/// What the inspector concluded about one checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemOutcome {
    /// 核实属实: the failure the data showed is real.
    Confirmed,
    /// 当场整改: the problem was put right during the visit.
    Rectified,
    /// 发现隐患: a hidden danger found on site (e.g. an unknown item that
    /// turned out to fail).
    DangerFound,
    /// 核查符合: verified on site and compliant.
    Compliant,
    /// 不适用: the item does not apply to this enterprise.
    NotApplicable,
}

impl ItemOutcome {
    pub const ALL: [ItemOutcome; 5] = [
        ItemOutcome::Confirmed,
        ItemOutcome::Rectified,
        ItemOutcome::DangerFound,
        ItemOutcome::Compliant,
        ItemOutcome::NotApplicable,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ItemOutcome::Confirmed => "核实属实",
            ItemOutcome::Rectified => "当场整改",
            ItemOutcome::DangerFound => "发现隐患",
            ItemOutcome::Compliant => "核查符合",
            ItemOutcome::NotApplicable => "不适用",
        }
    }
}

/// A fact seen on site: a record JSON pointer and its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedFact {
    pub path: String,
    pub value: Value,
}

/// What is needed to register a hidden danger from a visit item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DangerDetails {
    /// 整改责任人 (for 当场整改 it may be left out: the enterprise).
    #[serde(default)]
    pub owner: String,
    /// 整改期限; required except for 当场整改 (the visit day).
    #[serde(default)]
    pub deadline: Option<jiff::civil::Date>,
    #[serde(default)]
    pub measures: Option<String>,
    #[serde(default)]
    pub funds: Option<f64>,
    #[serde(default)]
    pub rectification_plan: Option<String>,
    /// The level, when the inspector sets it; otherwise the rule's severity.
    #[serde(default)]
    pub level: Option<crate::danger::Level>,
    /// The danger's title, when the inspector writes one.
    #[serde(default)]
    pub title: Option<String>,
}

/// The inspector's answer to one checklist item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitItem {
    /// The rule ids of the (merged) checklist item.
    pub rules: Vec<String>,
    pub outcome: ItemOutcome,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub facts: Vec<ObservedFact>,
    #[serde(default)]
    pub danger: Option<DangerDetails>,
}

/// What inspectors submit after a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewVisit {
    pub uscc: Uscc,
    pub date: jiff::civil::Date,
    /// Every department that took part (the lead first).
    pub departments: Vec<String>,
    pub inspectors: Vec<String>,
    /// The joint inspection plan the visit belongs to, if any.
    #[serde(default)]
    pub plan: Option<crate::plan::PlanId>,
    pub items: Vec<VisitItem>,
}

/// A stored visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub id: VisitId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub township: Option<String>,
    pub recorded_at: jiff::Timestamp,
    pub recorded_by: String,
    #[serde(flatten)]
    pub visit: NewVisit,
    /// Hidden dangers registered from the visit's items.
    #[serde(default)]
    pub dangers: Vec<crate::danger::DangerId>,
}
