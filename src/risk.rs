//! Risk ranking: a transparent score per enterprise from its latest check
//! result and its record, mapped to 红 / 橙 / 黄 / 蓝 (重大 / 较大 / 一般 / 低).
//!
//! The score is the sum of its [`Component`]s — major-hazard grade of the
//! units, 重大隐患 fails, 一般隐患 fails, overdue hidden dangers, the share of
//! `unknown` findings (data gaps are risk) and the category's base risk — and
//! each component names the rule ids or unit ids that produced it. Points and
//! thresholds come from [`Weights`] (`rules/risk/weights.toml`). A 重大隐患
//! fail or a grade-1 unit raises the colour to at least the floor the weights
//! file names. No check yet gives [`Colour::Unchecked`] (未检查).
//!
//! Overdue hidden dangers come from two places, merged by [`overdue_dangers`]:
//! the store's ledger (`store::dangers`) and the record's own
//! `hidden_dangers[]`. [`assess`] itself is pure; `risk/sources.rs`
//! ([`load_weights`], [`Ledger`], [`assess_enterprise`], [`ranking`]) is the
//! one place that reads the weights file and the store for the CLI, the API
//! and the pages.
//!
//! ```
//! use regkb::risk::{assess, Colour, Weights};
//! let w = Weights::shipped().unwrap();
//! let a = assess(&w, &serde_json::json!({"uscc": "X", "category": "餐饮"}), None, &[]);
//! assert_eq!(a.colour, Colour::Unchecked);
//! ```

mod overdue;
mod sources;
mod weights;

use serde::Serialize;
use serde_json::Value;

use crate::check::{CheckResult, Outcome, Severity};

pub use overdue::{danger_label, overdue_dangers};
pub use sources::{Ledger, assess_enterprise, load_weights, ranking};
pub use weights::{DEFAULT_WEIGHTS, Weights, WeightsError};

/// The four risk colours, and grey for an enterprise never checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Colour {
    Red,
    Orange,
    Yellow,
    Blue,
    Unchecked,
}

impl Colour {
    /// `红` `橙` `黄` `蓝` `未检查`.
    pub fn label(self) -> &'static str {
        match self {
            Colour::Red => "红",
            Colour::Orange => "橙",
            Colour::Yellow => "黄",
            Colour::Blue => "蓝",
            Colour::Unchecked => "未检查",
        }
    }

    /// The risk level's name: 重大 / 较大 / 一般 / 低 / 未检查.
    pub fn level(self) -> &'static str {
        match self {
            Colour::Red => "重大风险",
            Colour::Orange => "较大风险",
            Colour::Yellow => "一般风险",
            Colour::Blue => "低风险",
            Colour::Unchecked => "未检查",
        }
    }
}

impl Serialize for Colour {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.label())
    }
}

/// What a component measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    MajorHazard,
    MajorFail,
    GeneralFail,
    OverdueDangers,
    Unknown,
    Category,
}

impl ComponentKind {
    pub fn label(self) -> &'static str {
        match self {
            ComponentKind::MajorHazard => "重大危险源",
            ComponentKind::MajorFail => "重大隐患",
            ComponentKind::GeneralFail => "一般隐患",
            ComponentKind::OverdueDangers => "逾期未整改隐患",
            ComponentKind::Unknown => "待核查数据缺口",
            ComponentKind::Category => "行业基础风险",
        }
    }
}

/// One part of a score: its points and what produced them (rule ids, unit
/// ids, the category).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    pub kind: ComponentKind,
    pub label: &'static str,
    pub points: u32,
    /// Short Chinese explanation (`2 项，每项 4 分`).
    pub detail: String,
    pub sources: Vec<String>,
}

/// An enterprise's risk: colour, score (absent when unchecked), components.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub uscc: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub colour: Colour,
    pub level: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u32>,
    /// Why the colour is higher than the score alone gives, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forced_by: Option<String>,
    pub components: Vec<Component>,
}

/// Score one enterprise. `overdue` names its open hidden dangers past their
/// deadline (see [`overdue_dangers`]); each counts once.
pub fn assess(
    weights: &Weights,
    record: &Value,
    result: Option<&CheckResult>,
    overdue: &[String],
) -> Assessment {
    let text = |key: &str| record.get(key).and_then(Value::as_str).map(str::to_owned);
    let uscc = text("uscc")
        .or_else(|| result.map(|r| r.enterprise.clone()))
        .unwrap_or_default();
    let name = text("name");
    let Some(result) = result else {
        return Assessment {
            uscc,
            name,
            colour: Colour::Unchecked,
            level: Colour::Unchecked.level(),
            score: None,
            forced_by: None,
            components: Vec::new(),
        };
    };
    let mut components = Vec::new();
    let mut floors: Vec<(Colour, String)> = Vec::new();

    // Major hazards: the worst grade, plus each further major unit.
    let graded: Vec<(u8, &str)> = result
        .major_hazards
        .iter()
        .filter_map(|h| h.grade.map(|g| (g, h.unit.as_str())))
        .filter(|(g, _)| (1..=4).contains(g))
        .collect();
    if let Some(worst) = graded.iter().map(|(g, _)| *g).min() {
        let w = &weights.major_hazard;
        let base = match worst {
            1 => w.grade1,
            2 => w.grade2,
            3 => w.grade3,
            _ => w.grade4,
        };
        let extra = u32::try_from(graded.len().saturating_sub(1)).unwrap_or(u32::MAX);
        let points = base.saturating_add(extra.saturating_mul(w.per_extra_unit));
        let sources = graded
            .iter()
            .map(|(g, u)| format!("{u}（{g}级）"))
            .collect();
        components.push(component(
            ComponentKind::MajorHazard,
            points,
            format!("最高 {worst} 级，共 {} 个单元", graded.len()),
            sources,
        ));
        if worst == 1
            && let Some(floor) = weights.grade1_floor()
        {
            floors.push((floor, "一级重大危险源".to_owned()));
        }
    }

    let fails = |severity: Severity| -> Vec<String> {
        let mut ids: Vec<String> = result
            .findings
            .iter()
            .filter(|f| f.outcome == Outcome::Fail && f.severity == severity)
            .map(|f| f.rule.to_string())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let major = fails(Severity::Major);
    if !major.is_empty() {
        let n = count(major.len());
        let each = weights.findings.major_fail;
        components.push(component(
            ComponentKind::MajorFail,
            n.saturating_mul(each),
            format!("{n} 项，每项 {each} 分"),
            major,
        ));
        if let Some(floor) = weights.major_fail_floor() {
            floors.push((floor, "存在重大隐患".to_owned()));
        }
    }
    let general = fails(Severity::General);
    if !general.is_empty() {
        let n = count(general.len());
        let f = &weights.findings;
        let points = n.saturating_mul(f.general_fail).min(f.general_fail_cap);
        components.push(component(
            ComponentKind::GeneralFail,
            points,
            format!(
                "{n} 项，每项 {} 分，封顶 {}",
                f.general_fail, f.general_fail_cap
            ),
            general,
        ));
    }

    if !overdue.is_empty() {
        let o = &weights.overdue_dangers;
        let n = count(overdue.len());
        components.push(component(
            ComponentKind::OverdueDangers,
            n.saturating_mul(o.each).min(o.cap),
            format!("{n} 项，每项 {} 分，封顶 {}", o.each, o.cap),
            overdue.to_vec(),
        ));
    }

    let mut unknown: Vec<String> = Vec::new();
    let mut applicable: u64 = 0;
    for f in &result.findings {
        match f.outcome {
            Outcome::Unknown => {
                applicable += 1;
                unknown.push(f.rule.to_string());
            }
            Outcome::Fail | Outcome::Pass => applicable += 1,
            Outcome::NotApplicable => {}
        }
    }
    if !unknown.is_empty() && applicable > 0 {
        let full = u64::from(weights.unknown.full_share);
        let n = unknown.len() as u64;
        // Rounded half up, in integers so the components sum exactly.
        let points = (n * full * 2 + applicable) / (applicable * 2);
        let points = u32::try_from(points).unwrap_or(u32::MAX);
        unknown.sort();
        unknown.dedup();
        components.push(component(
            ComponentKind::Unknown,
            points,
            format!("待核查 {n} / 适用 {applicable} 项，满占比 {full} 分"),
            unknown,
        ));
    }

    let category = text("category");
    let c = &weights.category;
    let base = category
        .as_deref()
        .and_then(|k| c.points.get(k).copied())
        .unwrap_or(c.default);
    let mut sources = vec![category.clone().unwrap_or_else(|| "未填行业".to_owned())];
    let mut points = base;
    let flag = |a: &str, b: &str| {
        record
            .get(a)
            .and_then(|v| v.get(b))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    if flag("dust", "combustible") && c.extra.dust > 0 {
        points = points.saturating_add(c.extra.dust);
        sources.push("涉爆粉尘".to_owned());
    }
    if flag("ammonia_refrigeration", "uses_ammonia") && c.extra.ammonia > 0 {
        points = points.saturating_add(c.extra.ammonia);
        sources.push("涉氨制冷".to_owned());
    }
    if points > 0 {
        components.push(component(
            ComponentKind::Category,
            points,
            format!("行业 {base} 分，专项 {} 分", points - base),
            sources,
        ));
    }

    let score = components
        .iter()
        .fold(0u32, |s, c| s.saturating_add(c.points));
    let by_score = colour_of(weights, score);
    let mut colour = by_score;
    let mut forced_by = None;
    for (floor, why) in floors {
        if floor < colour {
            colour = floor;
            forced_by = Some(format!("{why}，至少为{}", floor.label()));
        }
    }
    Assessment {
        uscc,
        name,
        colour,
        level: colour.level(),
        score: Some(score),
        forced_by,
        components,
    }
}

/// The colour of a score by the thresholds alone.
pub fn colour_of(weights: &Weights, score: u32) -> Colour {
    let t = &weights.thresholds;
    if score >= t.red {
        Colour::Red
    } else if score >= t.orange {
        Colour::Orange
    } else if score >= t.yellow {
        Colour::Yellow
    } else {
        Colour::Blue
    }
}

/// Order assessments: by colour (红 first, 未检查 last), then score
/// descending, then USCC; keep the first `limit` when given.
pub fn rank(assessments: &mut Vec<Assessment>, limit: Option<usize>) {
    assessments.sort_by(|a, b| {
        a.colour
            .cmp(&b.colour)
            .then(b.score.cmp(&a.score))
            .then_with(|| a.uscc.cmp(&b.uscc))
    });
    if let Some(limit) = limit {
        assessments.truncate(limit);
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn component(kind: ComponentKind, points: u32, detail: String, sources: Vec<String>) -> Component {
    Component {
        kind,
        label: kind.label(),
        points,
        detail,
        sources,
    }
}

#[cfg(test)]
#[path = "risk/tests.rs"]
mod tests;
