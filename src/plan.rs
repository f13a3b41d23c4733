//! Joint inspection plans (综合查一次, “进一次门、查多项事”): whom to visit in a
//! period and, for each enterprise, one checklist merged across departments.
//! Pure core: the front ends gather the enterprises (record, check result
//! as of the plan's first day, risk assessment, this year's visits per
//! department) and call [`build`].
//!
//! **Selection.** Every 红 and 橙 enterprise, highest risk first (by score);
//! then every enterprise never checked (未检查: a data gap, so it is visited to
//! collect the facts; its checklist is empty and 应急管理 — the first
//! department of the order — leads); then a seeded random draw of the rest
//! (黄/蓝) for 双随机 / 四不两直 checks: `share` of them rounded up, at least
//! `minimum` (`rules/plan/plan.toml`). The draw uses a seeded generator
//! (`fastrand`, wyrand) over the candidates sorted by USCC, so the same
//! seed and data give a byte-identical plan.
//!
//! **Checklist.** From the check result (the front ends run every rule in
//! force on the plan's first day): a `fail` becomes 核实并督促整改, an
//! `unknown` 现场核查; `pass` findings are skipped, except that a randomly
//! drawn enterprise gets `pass_items` of them spot-checked (抽查, seeded by
//! the seed and the USCC). Findings whose rules *read the same record
//! fields* become one item: the key is [`CheckedProgram::reads`] of the rule
//! (the fields its requirement reads, derived values followed; the
//! `applies` condition and the finding's `missing` pointers are left out,
//! since a missing whole record such as `/layout` is reported by many
//! unrelated rules). A rule the program does not know (a stale result)
//! keys by the fields of its facts, else by its id. A merged item keeps
//! every rule, its citations, the worst severity, and names its lead
//! department — the department of its most serious rule (重大隐患 before
//! 一般隐患, then `fail` before `unknown` before `pass`), ties broken by the
//! department order of `plan.toml` — and the participating ones. Items are
//! grouped by topic ([`topic`]): the record area most of the item's fields
//! belong to.
//!
//! **Visit cap.** A department that already made `cap` on-site visits to the
//! enterprise in the calendar year of the plan's first day does not join:
//! its items are handled by the other departments of the item, or, when
//! none is left, *deferred* (listed, not visited). A 重大隐患 `fail` is never
//! deferred — its departments join over the cap and are named in
//! `over_cap`. An enterprise left without any item to visit is left out of
//! the plan with the reason.
//!
//! **Figures.** Separate department visits the plan replaces (the sum over
//! planned enterprises of the departments taking part) against one joint
//! visit each; rule items before merging against merged items; minutes on
//! site before and after (`minutes.per_visit` per visit plus minutes per
//! item by its action).
//!
//! ```
//! use regkb::plan::{Request, Settings, build};
//! let settings = Settings::shipped().unwrap();
//! let req = Request {
//!     township: Some("袁花镇".into()),
//!     usccs: vec![],
//!     from: "2026-12-01".parse().unwrap(),
//!     to: "2026-12-31".parse().unwrap(),
//!     seed: 7,
//!     cap: 2,
//! };
//! let schema = regkb::record::Schema::default();
//! let plan = build(&req, vec![], &settings, &schema, &Default::default()).unwrap();
//! assert!(plan.enterprises.is_empty());
//! ```

mod settings;
pub mod topic;

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::check::{CheckResult, CitationOut, Finding, Outcome, Severity};
use crate::dsl::CheckedProgram;
use crate::record::Schema;
use crate::risk::{Assessment, Colour};

pub use settings::{DEFAULT_SETTINGS, Settings, SettingsError};

/// A plan's number, given by the store (1, 2, …).
pub type PlanId = u64;

/// Rule id → the record fields its requirement reads (see
/// [`CheckedProgram::reads`]).
pub type Reads = BTreeMap<String, Vec<String>>;

/// The fields every rule of `program` reads.
pub fn reads_of(program: &CheckedProgram) -> Reads {
    let mut out = Reads::new();
    for meta in program.rules() {
        if !out.contains_key(&meta.id) {
            out.insert(meta.id.clone(), program.reads(&meta.id));
        }
    }
    out
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    #[error("计划开始日期 `{from}` 晚于结束日期 `{to}`")]
    Period { from: Date, to: Date },
}

/// What to plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// The township planned (its enterprises are the candidates) …
    pub township: Option<String>,
    /// … or an explicit list of enterprises.
    pub usccs: Vec<String>,
    pub from: Date,
    pub to: Date,
    pub seed: u64,
    /// On-site visits per department per enterprise per calendar year.
    pub cap: u32,
}

/// One candidate enterprise, as the front end gathered it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub uscc: String,
    pub name: Option<String>,
    /// The check as of the plan's first day; `None` when it could not run
    /// and none is stored.
    pub result: Option<CheckResult>,
    pub assessment: Assessment,
    /// On-site visits this calendar year, per department.
    pub visits: BTreeMap<String, u32>,
}

/// Why an enterprise is in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// 红 or 橙.
    HighRisk,
    /// Never checked: a data gap.
    Unchecked,
    /// Drawn at random (双随机).
    Random,
}

/// What inspectors do with an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A failure: 核实并督促整改.
    Confirm,
    /// An unknown: 现场核查.
    Verify,
    /// A pass drawn for a spot check: 抽查.
    Spot,
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Action::Confirm => "核实并督促整改",
            Action::Verify => "现场核查",
            Action::Spot => "抽查",
        }
    }

    fn of(outcome: Outcome) -> Action {
        match outcome {
            Outcome::Fail => Action::Confirm,
            Outcome::Unknown => Action::Verify,
            Outcome::Pass | Outcome::NotApplicable => Action::Spot,
        }
    }

    fn minutes(self, m: &settings::Minutes) -> u32 {
        match self {
            Action::Confirm => m.confirm,
            Action::Verify => m.verify,
            Action::Spot => m.spot,
        }
    }
}

/// One rule behind a checklist item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemRule {
    pub id: String,
    pub title: String,
    pub outcome: Outcome,
    pub severity: Severity,
    pub departments: Vec<String>,
    pub explanation: String,
    pub remedy: String,
}

/// One merged checklist item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub action: Action,
    /// 核实并督促整改 / 现场核查 / 抽查.
    pub action_label: String,
    /// The worst severity of its rules.
    pub severity: Severity,
    pub topic: String,
    /// The record fields its rules read (the merge key).
    pub fields: Vec<String>,
    /// Most serious first.
    pub rules: Vec<ItemRule>,
    /// Every rule's citations, first-seen order, without repeats.
    pub citations: Vec<CitationOut>,
    /// Empty only for a deferred item.
    pub lead: String,
    pub participating: Vec<String>,
    /// Departments of the item that stay away (at their yearly cap).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capped: Vec<String>,
}

/// The items of one topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicItems {
    pub topic: String,
    pub items: Vec<Item>,
}

/// Item counts of one enterprise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemCounts {
    pub confirm: usize,
    pub verify: usize,
    pub spot: usize,
    pub deferred: usize,
    /// Rule findings behind the (not deferred) items.
    pub rules: usize,
}

/// An enterprise in the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Planned {
    pub uscc: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub reason: Reason,
    /// `高风险：红`, `未检查：数据缺口`, `双随机抽取`.
    pub reason_label: String,
    /// 红 / 橙 / 黄 / 蓝 / 未检查.
    pub colour: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u32>,
    pub lead: String,
    pub participating: Vec<String>,
    /// Departments joining although at their yearly cap (重大隐患 fails).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub over_cap: Vec<String>,
    /// On-site visits this year before the plan, per department.
    pub visits_this_year: BTreeMap<String, u32>,
    pub counts: ItemCounts,
    pub topics: Vec<TopicItems>,
    /// Items no department may visit for this year (all at their cap).
    pub deferred: Vec<Item>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A selected enterprise that is not visited, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeftOut {
    pub uscc: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub reason_label: String,
    pub why: String,
    pub deferred: Vec<Item>,
}

/// Before/after figures: separate department visits against joint ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Enterprises visited.
    pub enterprises: usize,
    /// Σ departments taking part, per enterprise (one visit each, separately).
    pub visits_before: usize,
    /// One joint visit per enterprise.
    pub visits_after: usize,
    /// Rule findings checked (one item per rule).
    pub items_before: usize,
    /// Merged items.
    pub items_after: usize,
    pub minutes_before: u64,
    pub minutes_after: u64,
    pub deferred_items: usize,
}

/// A joint inspection plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<PlanId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<jiff::Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub township: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usccs: Vec<String>,
    pub from: Date,
    pub to: Date,
    pub seed: u64,
    pub cap: u32,
    /// Candidate enterprises.
    pub considered: usize,
    pub figures: Figures,
    pub enterprises: Vec<Planned>,
    pub left_out: Vec<LeftOut>,
}

/// Builds the plan (see the module documentation).
pub fn build(
    req: &Request,
    mut candidates: Vec<Candidate>,
    settings: &Settings,
    schema: &Schema,
    reads: &Reads,
) -> Result<Plan, PlanError> {
    if req.from > req.to {
        return Err(PlanError::Period {
            from: req.from,
            to: req.to,
        });
    }
    let considered = candidates.len();
    candidates.sort_by(|a, b| {
        let (x, y) = (&a.assessment, &b.assessment);
        x.colour
            .cmp(&y.colour)
            .then(y.score.cmp(&x.score))
            .then_with(|| a.uscc.cmp(&b.uscc))
    });
    let mut high = Vec::new();
    let mut unchecked = Vec::new();
    let mut rest = Vec::new();
    for c in candidates {
        match c.assessment.colour {
            Colour::Red | Colour::Orange => high.push((c, Reason::HighRisk)),
            Colour::Unchecked => unchecked.push((c, Reason::Unchecked)),
            Colour::Yellow | Colour::Blue => rest.push(c),
        }
    }
    let drawn = draw(rest, settings, req.seed);
    let selected = high
        .into_iter()
        .chain(unchecked)
        .chain(drawn.into_iter().map(|c| (c, Reason::Random)));

    let mut plan = Plan {
        id: None,
        created_at: None,
        created_by: None,
        township: req.township.clone(),
        usccs: req.usccs.clone(),
        from: req.from,
        to: req.to,
        seed: req.seed,
        cap: req.cap,
        considered,
        figures: Figures::default(),
        enterprises: Vec::new(),
        left_out: Vec::new(),
    };
    let ctx = Ctx {
        settings,
        schema,
        reads,
        cap: req.cap,
        seed: req.seed,
    };
    for (c, reason) in selected {
        match ctx.plan_one(c, reason) {
            Ok((planned, tally)) => {
                let f = &mut plan.figures;
                f.enterprises += 1;
                f.visits_before += 1 + planned.participating.len();
                f.visits_after += 1;
                f.items_before += tally.rules;
                f.items_after += tally.items;
                f.minutes_before += tally.minutes_before;
                f.minutes_after += tally.minutes_after;
                f.deferred_items += planned.deferred.len();
                plan.enterprises.push(planned);
            }
            Err(left) => {
                plan.figures.deferred_items += left.deferred.len();
                plan.left_out.push(left);
            }
        }
    }
    let per_visit = u64::from(settings.minutes.per_visit);
    let f = &mut plan.figures;
    f.minutes_before += per_visit * f.visits_before as u64;
    f.minutes_after += per_visit * f.visits_after as u64;
    Ok(plan)
}

/// The seeded 双随机 draw from the enterprises neither 红 nor 橙 (given in
/// rank order; returned in rank order).
fn draw(rest: Vec<Candidate>, settings: &Settings, seed: u64) -> Vec<Candidate> {
    let s = &settings.sample;
    let wanted = ((s.share * rest.len() as f64).ceil() as usize)
        .max(s.minimum)
        .min(rest.len());
    let mut pool: Vec<usize> = (0..rest.len()).collect();
    pool.sort_by(|&a, &b| {
        let key = |i: usize| rest.get(i).map(|c| c.uscc.as_str());
        key(a).cmp(&key(b))
    });
    let mut rng = fastrand::Rng::with_seed(seed);
    rng.shuffle(&mut pool);
    let chosen: BTreeSet<usize> = pool.into_iter().take(wanted).collect();
    rest.into_iter()
        .enumerate()
        .filter(|(i, _)| chosen.contains(i))
        .map(|(_, c)| c)
        .collect()
}

/// What one enterprise adds to the figures.
#[derive(Debug, Default)]
struct Tally {
    rules: usize,
    items: usize,
    minutes_before: u64,
    minutes_after: u64,
}

struct Ctx<'a> {
    settings: &'a Settings,
    schema: &'a Schema,
    reads: &'a Reads,
    cap: u32,
    seed: u64,
}

impl Ctx<'_> {
    fn capped(&self, c: &Candidate, department: &str) -> bool {
        c.visits.get(department).copied().unwrap_or(0) >= self.cap
    }

    fn rank<'d>(&self, department: &'d str) -> (usize, &'d str) {
        self.settings.department_rank(department)
    }

    fn sort_departments(&self, departments: &mut Vec<String>) {
        departments.sort_by(|a, b| self.rank(a).cmp(&self.rank(b)));
        departments.dedup();
    }

    /// The merge key of a finding.
    fn key(&self, f: &Finding) -> Vec<String> {
        if let Some(fields) = self.reads.get(f.rule.as_str()).filter(|r| !r.is_empty()) {
            return fields.clone();
        }
        let mut fields: Vec<String> = f
            .facts
            .iter()
            .map(|fact| fact.path.as_str())
            .filter(|p| p.starts_with('/'))
            .map(dotted)
            .collect();
        fields.sort();
        fields.dedup();
        if fields.is_empty() {
            vec![format!("rule:{}", f.rule)]
        } else {
            fields
        }
    }

    fn plan_one(&self, c: Candidate, reason: Reason) -> Result<(Planned, Tally), LeftOut> {
        let a = &c.assessment;
        let reason_label = match reason {
            Reason::HighRisk => format!("高风险：{}", a.colour.label()),
            Reason::Unchecked => "未检查：数据缺口".to_string(),
            Reason::Random => "双随机抽取".to_string(),
        };
        let findings: Vec<&Finding> = c.result.as_ref().map_or_else(Vec::new, |r| {
            r.findings
                .iter()
                .filter(|f| matches!(f.outcome, Outcome::Fail | Outcome::Unknown))
                .collect()
        });
        let mut groups: BTreeMap<Vec<String>, Vec<&Finding>> = BTreeMap::new();
        for f in findings {
            groups.entry(self.key(f)).or_default().push(f);
        }
        if reason == Reason::Random
            && let Some(result) = &c.result
        {
            let mut passes: Vec<(&Finding, Vec<String>)> = result
                .findings
                .iter()
                .filter(|f| f.outcome == Outcome::Pass)
                .map(|f| (f, self.key(f)))
                .filter(|(_, k)| !groups.contains_key(k))
                .collect();
            passes.sort_by(|(a, _), (b, _)| a.rule.cmp(&b.rule));
            let mut rng = fastrand::Rng::with_seed(self.seed ^ fnv1a(&c.uscc));
            rng.shuffle(&mut passes);
            for (f, k) in passes.into_iter().take(self.settings.sample.pass_items) {
                groups.entry(k).or_default().push(f);
            }
        }

        let mut active: Vec<Item> = Vec::new();
        let mut deferred: Vec<Item> = Vec::new();
        let mut over_cap: Vec<String> = Vec::new();
        let mut tally = Tally::default();
        for (fields, mut rules) in groups {
            rules.sort_by(|x, y| {
                (x.severity, x.outcome)
                    .cmp(&(y.severity, y.outcome))
                    .then_with(|| x.rule.cmp(&y.rule))
            });
            let (item, joins_over_cap) = self.item(&c, fields, &rules);
            if item.lead.is_empty() {
                deferred.push(item);
                continue;
            }
            tally.rules += rules.len();
            tally.items += 1;
            let m = &self.settings.minutes;
            tally.minutes_before += rules
                .iter()
                .map(|f| u64::from(Action::of(f.outcome).minutes(m)))
                .sum::<u64>();
            tally.minutes_after += u64::from(item.action.minutes(m));
            if joins_over_cap {
                over_cap.extend(
                    std::iter::once(item.lead.clone()).chain(item.participating.iter().cloned()),
                );
            }
            active.push(item);
        }
        let order = |x: &Item, y: &Item| {
            (x.severity, x.action)
                .cmp(&(y.severity, y.action))
                .then_with(|| {
                    x.rules
                        .first()
                        .map(|r| &r.id)
                        .cmp(&y.rules.first().map(|r| &r.id))
                })
        };
        active.sort_by(order);
        deferred.sort_by(order);

        let chosen = if let Some(first) = active.first() {
            let lead = first.lead.clone();
            let mut participating: Vec<String> = active
                .iter()
                .flat_map(|i| std::iter::once(&i.lead).chain(&i.participating))
                .filter(|d| **d != lead)
                .cloned()
                .collect();
            self.sort_departments(&mut participating);
            Some((lead, participating, None))
        } else {
            // nothing to check item by item: the first department of the
            // order that may still visit goes (to collect the facts, or for
            // the draw) — unless items wait for capped departments
            let free = self
                .settings
                .departments
                .order
                .iter()
                .find(|d| !self.capped(&c, d));
            let note = match reason {
                Reason::Unchecked => "尚无检查结果：现场采集企业基础数据后运行检查",
                _ => "数据显示各项符合要求：现场随机检查",
            };
            free.filter(|_| deferred.is_empty())
                .map(|lead| (lead.clone(), Vec::new(), Some(note.to_string())))
        };
        let Some((lead, participating, note)) = chosen else {
            let why = if deferred.is_empty() {
                format!(
                    "各部门本年度对该企业的现场检查均已达上限（{} 次）",
                    self.cap
                )
            } else {
                format!(
                    "相关部门本年度对该企业的现场检查均已达上限（{} 次），{} 项检查项暂缓",
                    self.cap,
                    deferred.len()
                )
            };
            return Err(LeftOut {
                uscc: c.uscc,
                name: c.name,
                reason_label,
                why,
                deferred,
            });
        };
        let mut counts = ItemCounts {
            deferred: deferred.len(),
            rules: tally.rules,
            ..ItemCounts::default()
        };
        for i in &active {
            match i.action {
                Action::Confirm => counts.confirm += 1,
                Action::Verify => counts.verify += 1,
                Action::Spot => counts.spot += 1,
            }
        }
        self.sort_departments(&mut over_cap);
        let planned = Planned {
            uscc: c.uscc,
            name: c.name,
            reason,
            reason_label,
            colour: c.assessment.colour.label().to_string(),
            score: c.assessment.score,
            lead,
            participating,
            over_cap,
            visits_this_year: c.visits,
            counts,
            topics: topics(active),
            deferred,
            note,
        };
        Ok((planned, tally))
    }

    /// One merged item from its findings (most serious first). Its lead is
    /// empty when it is deferred. Also says whether departments at their cap
    /// join (a 重大隐患 fail).
    fn item(&self, c: &Candidate, fields: Vec<String>, rules: &[&Finding]) -> (Item, bool) {
        let mut all: Vec<String> = rules
            .iter()
            .flat_map(|f| f.departments.iter().cloned())
            .collect();
        self.sort_departments(&mut all);
        let severity = rules
            .iter()
            .map(|f| f.severity)
            .min()
            .unwrap_or(Severity::General);
        let action = rules
            .iter()
            .map(|f| Action::of(f.outcome))
            .min()
            .unwrap_or(Action::Spot);
        let never_deferred = rules
            .iter()
            .any(|f| f.outcome == Outcome::Fail && f.severity == Severity::Major);
        let free: Vec<&String> = all.iter().filter(|d| !self.capped(c, d)).collect();
        let (joining, capped, over_cap): (Vec<String>, Vec<String>, bool) = if !free.is_empty() {
            let capped = all.iter().filter(|d| self.capped(c, d)).cloned().collect();
            (free.into_iter().cloned().collect(), capped, false)
        } else if never_deferred {
            (all.clone(), Vec::new(), true)
        } else {
            (Vec::new(), all.clone(), false)
        };
        // the lead: among the most serious rules with a joining department,
        // the joining department first in the order
        let joins = |f: &&&Finding| f.departments.iter().any(|d| joining.contains(d));
        let top = rules.iter().find(joins).map(|f| (f.severity, f.outcome));
        let lead = rules
            .iter()
            .filter(|f| Some((f.severity, f.outcome)) == top)
            .flat_map(|f| f.departments.iter())
            .filter(|d| joining.contains(d))
            .min_by(|a, b| self.rank(a).cmp(&self.rank(b)))
            .cloned()
            .unwrap_or_default();
        let participating = joining.into_iter().filter(|d| *d != lead).collect();
        let mut citations: Vec<CitationOut> = Vec::new();
        for f in rules {
            for cite in f.citations.iter() {
                if !citations.contains(cite) {
                    citations.push(cite.clone());
                }
            }
        }
        let topic = self.topic(&fields, rules);
        let item = Item {
            action,
            action_label: action.label().to_string(),
            severity,
            topic,
            fields,
            rules: rules
                .iter()
                .map(|f| ItemRule {
                    id: f.rule.to_string(),
                    title: f.title.to_string(),
                    outcome: f.outcome,
                    severity: f.severity,
                    departments: f.departments.to_vec(),
                    explanation: f.explanation.to_string(),
                    remedy: f.remedy.to_string(),
                })
                .collect(),
            citations,
            lead,
            participating,
            capped,
        };
        (item, over_cap)
    }

    /// The record area most of the item's fields lie in (ties: the first
    /// by name); the finding's own topic when the fields name none.
    fn topic(&self, fields: &[String], rules: &[&Finding]) -> String {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for f in fields {
            if let Some(top) = topic::top_field(f).filter(|_| !f.starts_with("rule:")) {
                *counts.entry(top).or_insert(0) += 1;
            }
        }
        let best = counts.values().copied().max().unwrap_or(0);
        match counts.into_iter().find(|(_, n)| *n == best && best > 0) {
            Some((field, _)) => topic::topic_label(self.schema, field),
            None => rules.first().map_or_else(
                || topic::OTHER_TOPIC.to_string(),
                |f| topic::topic_of(f, self.schema),
            ),
        }
    }
}

/// Items grouped by topic: topics by their most serious item, then name.
fn topics(items: Vec<Item>) -> Vec<TopicItems> {
    let mut by: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for i in items {
        by.entry(i.topic.clone()).or_default().push(i);
    }
    let mut out: Vec<TopicItems> = by
        .into_iter()
        .map(|(topic, items)| TopicItems { topic, items })
        .collect();
    let best = |t: &TopicItems| t.items.iter().map(|i| (i.severity, i.action)).min();
    out.sort_by(|a, b| best(a).cmp(&best(b)).then_with(|| a.topic.cmp(&b.topic)));
    out
}

/// `/units/0/chemicals/1/name` → `units.chemicals.name`.
fn dotted(pointer: &str) -> String {
    pointer
        .split('/')
        .filter(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

/// FNV-1a of a text: mixes the USCC into the seed of its spot checks.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
#[path = "plan/tests.rs"]
mod tests;
