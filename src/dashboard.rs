//! The township dashboard: measures of real risk control, not counts of
//! meetings or documents —
//!
//! - **open hidden dangers by level and age** (days since found on the
//!   dashboard's day: ≤30 天, 31–90 天, >90 天); "open" and "overdue" are
//!   judged on that day from each danger's history, so a past period shows
//!   the dangers that were open then;
//! - **overdue 重大隐患**: each with its enterprise, owner and days overdue;
//! - **high-risk enterprises** (红 / 橙) and whether each was visited in the
//!   period, with the share visited;
//! - **repeat findings**: a rule failing again at an enterprise after a
//!   hidden danger from that rule was closed (销号后复发), or failing in two
//!   or more successive observations (连续不合格).
//!
//! [`build`] is pure: it takes the dangers, visits, assessments and stored
//! checks it is given. `dashboard/gather.rs` ([`gather`]) reads them from the
//! store for the API (`GET /api/v1/dashboard`) and the page (`/dashboard`).
//!
//! An *observation* of a rule at an enterprise is a stored check in which
//! it passed or failed (a re-check of the same record version is not a new
//! observation) or a visit item naming it (核实属实, 发现隐患 and 当场整改
//! are failures, 核查符合 a pass). A repeat counts in the period when its
//! latest failing observation lies in it.
//!
//! ```
//! use regkb::dashboard::{build, Inputs};
//! let day: jiff::civil::Date = "2026-06-30".parse().unwrap();
//! let d = build(&Inputs {
//!     township: None, from: "2026-01-01".parse().unwrap(), to: "2026-12-31".parse().unwrap(), day,
//!     dangers: &[], visits: &[], assessments: &[], checks: &Default::default(),
//! });
//! assert_eq!(d.open_total, 0);
//! assert_eq!(d.high_risk_share, None);
//! ```

mod gather;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::check::Outcome;
use crate::danger::{DangerId, HiddenDanger, Level, Source, State};
use crate::risk::{Assessment, Colour};
use crate::store::StoredCheck;
use crate::visit::{ItemOutcome, Visit};

pub use gather::{DashboardError, gather, period_of};

/// The age buckets of open dangers, in days since found.
pub const BUCKETS: [&str; 3] = ["≤30 天", "31–90 天", ">90 天"];

/// What the dashboard is built from.
pub struct Inputs<'a> {
    pub township: Option<String>,
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    /// The day ages and overdue days are counted on.
    pub day: jiff::civil::Date,
    /// The hidden dangers of the enterprises in view.
    pub dangers: &'a [HiddenDanger],
    /// Their visits (any date: the period is applied here).
    pub visits: &'a [Visit],
    /// Their risk assessments (also gives the names).
    pub assessments: &'a [Assessment],
    /// Their stored checks by USCC, oldest first.
    pub checks: &'a BTreeMap<String, Vec<StoredCheck>>,
}

/// Open dangers of one level by age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelAges {
    pub level: &'static str,
    /// Counts per [`BUCKETS`] entry.
    pub buckets: [usize; 3],
    pub total: usize,
}

/// An overdue 重大隐患.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueMajor {
    pub id: DangerId,
    pub title: String,
    pub uscc: String,
    pub enterprise: String,
    pub owner: String,
    pub state: &'static str,
    pub deadline: jiff::civil::Date,
    pub days_overdue: i64,
}

/// A 红 / 橙 enterprise and its visits in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HighRisk {
    pub uscc: String,
    pub name: String,
    pub colour: Colour,
    pub score: Option<u32>,
    pub visited: bool,
    pub visits: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_visit: Option<jiff::civil::Date>,
}

/// Why a finding counts as a repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RepeatKind {
    /// The rule fails again after a danger from it was closed (销号后复发).
    AfterClosure,
    /// The rule failed in two or more successive observations (连续不合格).
    Successive,
}

impl RepeatKind {
    pub fn label(self) -> &'static str {
        match self {
            RepeatKind::AfterClosure => "销号后复发",
            RepeatKind::Successive => "连续不合格",
        }
    }
}

/// One repeat finding: an enterprise and a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repeat {
    pub uscc: String,
    pub enterprise: String,
    pub rule: String,
    pub kind: RepeatKind,
    pub label: &'static str,
    /// Failing observations in the latest unbroken run.
    pub times: usize,
    pub last: jiff::civil::Date,
    /// The closed danger it recurs after (销号后复发).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_danger: Option<DangerId>,
}

/// The dashboard's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub township: Option<String>,
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    pub day: jiff::civil::Date,
    pub buckets: [&'static str; 3],
    /// 重大 first, then 一般.
    pub open_by_level: Vec<LevelAges>,
    pub open_total: usize,
    /// Most days overdue first.
    pub overdue_major: Vec<OverdueMajor>,
    /// 红 before 橙, higher score first.
    pub high_risk: Vec<HighRisk>,
    pub high_risk_visited: usize,
    /// Visited share of the high-risk enterprises, in percent (one
    /// decimal); absent when there are none.
    pub high_risk_share: Option<f64>,
    pub repeats: Vec<Repeat>,
}

/// Days from `a` to `b` (negative when `b` is earlier).
fn days_between(a: jiff::civil::Date, b: jiff::civil::Date) -> i64 {
    b.since(a).map(|s| i64::from(s.get_days())).unwrap_or(0)
}

/// The day a danger was found (Beijing time, the users' day).
pub fn found_day(d: &HiddenDanger) -> jiff::civil::Date {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or(jiff::tz::TimeZone::UTC);
    d.found_at.to_zoned(tz).date()
}

/// A danger's state at the end of `day` (Beijing time), from its history:
/// the target of the last transition made on or before that day.
pub fn state_on(d: &HiddenDanger, day: jiff::civil::Date) -> State {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or(jiff::tz::TimeZone::UTC);
    d.history
        .iter()
        .rev()
        .find(|t| t.at.to_zoned(tz.clone()).date() <= day)
        .map_or(State::Pending, |t| t.to)
}

/// Found by `day` and not yet 已销号 at its end.
fn open_on(d: &HiddenDanger, day: jiff::civil::Date) -> bool {
    found_day(d) <= day && state_on(d, day) != State::Closed
}

/// The bucket of an age in days: ≤30 → 0, 31–90 → 1, >90 → 2.
pub fn bucket_of(age_days: i64) -> usize {
    if age_days <= 30 {
        0
    } else if age_days <= 90 {
        1
    } else {
        2
    }
}

/// Builds the dashboard from its inputs.
pub fn build(inputs: &Inputs<'_>) -> Dashboard {
    let day = inputs.day;
    let names: BTreeMap<&str, &str> = inputs
        .assessments
        .iter()
        .map(|a| (a.uscc.as_str(), a.name.as_deref().unwrap_or("")))
        .collect();
    let name_of = |uscc: &str| names.get(uscc).copied().unwrap_or("").to_owned();

    // open dangers by level and age
    let mut open_by_level = Vec::new();
    let mut open_total = 0;
    for level in [Level::Major, Level::General] {
        let mut buckets = [0usize; 3];
        for d in inputs
            .dangers
            .iter()
            .filter(|d| d.level == level && open_on(d, day))
        {
            let age = days_between(found_day(d), day);
            if let Some(b) = buckets.get_mut(bucket_of(age)) {
                *b += 1;
            }
        }
        let total = buckets.iter().sum();
        open_total += total;
        open_by_level.push(LevelAges {
            level: level.label(),
            buckets,
            total,
        });
    }

    // overdue 重大隐患
    let mut overdue_major: Vec<OverdueMajor> = inputs
        .dangers
        .iter()
        .filter(|d| d.level == Level::Major && open_on(d, day) && d.deadline < day)
        .map(|d| OverdueMajor {
            id: d.id,
            title: d.title.clone(),
            uscc: d.uscc.as_str().to_owned(),
            enterprise: name_of(d.uscc.as_str()),
            owner: d.owner.clone(),
            state: state_on(d, day).label(),
            deadline: d.deadline,
            days_overdue: days_between(d.deadline, day),
        })
        .collect();
    overdue_major.sort_by(|a, b| b.days_overdue.cmp(&a.days_overdue).then(a.id.cmp(&b.id)));

    // high-risk enterprises visited in the period
    let in_period = |d: jiff::civil::Date| inputs.from <= d && d <= inputs.to;
    let mut high_risk: Vec<HighRisk> = inputs
        .assessments
        .iter()
        .filter(|a| matches!(a.colour, Colour::Red | Colour::Orange))
        .map(|a| {
            let dates: Vec<jiff::civil::Date> = inputs
                .visits
                .iter()
                .filter(|v| v.visit.uscc.as_str() == a.uscc && in_period(v.visit.date))
                .map(|v| v.visit.date)
                .collect();
            HighRisk {
                uscc: a.uscc.clone(),
                name: a.name.clone().unwrap_or_default(),
                colour: a.colour,
                score: a.score,
                visited: !dates.is_empty(),
                visits: dates.len(),
                last_visit: dates.iter().max().copied(),
            }
        })
        .collect();
    high_risk.sort_by(|a, b| {
        a.colour
            .cmp(&b.colour)
            .then(b.score.cmp(&a.score))
            .then_with(|| a.uscc.cmp(&b.uscc))
    });
    let high_risk_visited = high_risk.iter().filter(|h| h.visited).count();
    let high_risk_share = (!high_risk.is_empty()).then(|| {
        let pct = high_risk_visited as f64 * 100.0 / high_risk.len() as f64;
        (pct * 10.0).round() / 10.0
    });

    let repeats = repeats(inputs, &name_of);

    Dashboard {
        township: inputs.township.clone(),
        from: inputs.from,
        to: inputs.to,
        day,
        buckets: BUCKETS,
        open_by_level,
        open_total,
        overdue_major,
        high_risk,
        high_risk_visited,
        high_risk_share,
        repeats,
    }
}

/// One observation of a rule: when, and whether it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Seen {
    at: jiff::Timestamp,
    day: jiff::civil::Date,
    failed: bool,
}

/// Observations per (USCC, rule), in time order.
fn observations(inputs: &Inputs<'_>) -> BTreeMap<(String, String), Vec<Seen>> {
    let mut out: BTreeMap<(String, String), Vec<Seen>> = BTreeMap::new();
    for (uscc, checks) in inputs.checks {
        let mut last_version = None;
        for c in checks {
            if c.record_version.is_some() && c.record_version == last_version {
                continue;
            }
            last_version = c.record_version;
            let day = c.result.as_of;
            for f in &c.result.findings {
                let failed = match f.outcome {
                    Outcome::Fail => true,
                    Outcome::Pass => false,
                    Outcome::Unknown | Outcome::NotApplicable => continue,
                };
                out.entry((uscc.clone(), f.rule.to_string()))
                    .or_default()
                    .push(Seen {
                        at: c.at,
                        day,
                        failed,
                    });
            }
        }
    }
    for v in inputs.visits {
        let day = v.visit.date;
        // ordered with the checks by when it was recorded
        let at = v.recorded_at;
        for item in &v.visit.items {
            let failed = match item.outcome {
                ItemOutcome::Confirmed | ItemOutcome::DangerFound | ItemOutcome::Rectified => true,
                ItemOutcome::Compliant => false,
                ItemOutcome::NotApplicable => continue,
            };
            for rule in &item.rules {
                out.entry((v.visit.uscc.as_str().to_owned(), rule.clone()))
                    .or_default()
                    .push(Seen { at, day, failed });
            }
        }
    }
    for seen in out.values_mut() {
        seen.sort();
    }
    out
}

fn repeats(inputs: &Inputs<'_>, name_of: &dyn Fn(&str) -> String) -> Vec<Repeat> {
    let in_period = |d: jiff::civil::Date| inputs.from <= d && d <= inputs.to;
    // when each rule's danger was last closed, per enterprise
    let mut closed: BTreeMap<(String, String), (jiff::Timestamp, DangerId)> = BTreeMap::new();
    for d in inputs.dangers.iter().filter(|d| d.state == State::Closed) {
        let Source::Rule { rule_id, .. } = &d.source else {
            continue;
        };
        let Some(at) = d
            .history
            .iter()
            .rev()
            .find(|t| t.to == State::Closed)
            .map(|t| t.at)
        else {
            continue;
        };
        let key = (d.uscc.as_str().to_owned(), rule_id.clone());
        if closed.get(&key).is_none_or(|(t, _)| *t < at) {
            closed.insert(key, (at, d.id));
        }
    }
    let mut out = Vec::new();
    let mut done: BTreeSet<(String, String)> = BTreeSet::new();
    let seen = observations(inputs);
    for (key, list) in &seen {
        // 销号后复发: a failure after the latest closure
        if let Some((closed_at, id)) = closed.get(key) {
            let after: Vec<&Seen> = list
                .iter()
                .filter(|s| s.at > *closed_at && s.failed)
                .collect();
            if let Some(last) = after.last()
                && in_period(last.day)
            {
                out.push(repeat(
                    key,
                    name_of,
                    RepeatKind::AfterClosure,
                    after.len(),
                    last.day,
                    Some(*id),
                ));
                done.insert(key.clone());
                continue;
            }
        }
        // 连续不合格: the latest unbroken run of failures has 2 or more
        let mut run = 0usize;
        let mut best: Option<(usize, jiff::civil::Date)> = None;
        for s in list {
            if s.failed {
                run += 1;
                if run >= 2 {
                    best = Some((run, s.day));
                }
            } else {
                run = 0;
            }
        }
        if let Some((times, last)) = best
            && in_period(last)
            && !done.contains(key)
        {
            out.push(repeat(
                key,
                name_of,
                RepeatKind::Successive,
                times,
                last,
                None,
            ));
        }
    }
    out.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(b.last.cmp(&a.last))
            .then_with(|| (&a.uscc, &a.rule).cmp(&(&b.uscc, &b.rule)))
    });
    out
}

fn repeat(
    (uscc, rule): &(String, String),
    name_of: &dyn Fn(&str) -> String,
    kind: RepeatKind,
    times: usize,
    last: jiff::civil::Date,
    closed_danger: Option<DangerId>,
) -> Repeat {
    Repeat {
        uscc: uscc.clone(),
        enterprise: name_of(uscc),
        rule: rule.clone(),
        kind,
        label: kind.label(),
        times,
        last,
        closed_danger,
    }
}

#[cfg(test)]
#[path = "dashboard/tests.rs"]
mod tests;
