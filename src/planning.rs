//! Making a joint inspection plan from the record store: gather the
//! candidates (records of the township or the listed USCCs that the caller
//! may see), check each against every rule in force on the plan's first
//! day, assess its risk (overdue hidden dangers counted), count this year's
//! visits per department, then [`crate::plan::build`]. Shared by the CLI,
//! the HTTP API and the web pages (front ends do not borrow from each
//! other); the pure planning is in [`crate::plan`].
//!
//! A record the schema now rejects falls back to its latest stored check,
//! else it counts as never checked (未检查).
//!
//! ```ignore
//! let plan = planning::make(&store, &program, &schema, &weights, &settings, &req, None)?;
//! ```

use std::collections::BTreeMap;

use crate::check::run_engine;
use crate::dsl::{CheckedProgram, Engine};
use crate::plan::{Candidate, Plan, PlanError, Request, Settings, build, reads_of};
use crate::record::{Schema, Uscc, validate_record};
use crate::risk::{Ledger, Weights};
use crate::store::{ListFilter, RegionScope, Store, StoreError, StoredRecord};

#[derive(Debug, thiserror::Error)]
pub enum PlanningError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("请给出乡镇或企业统一社会信用代码列表")]
    NoScope,
    #[error("没有找到乡镇 `{0}` 的企业")]
    UnknownTownship(String),
    #[error("没有找到统一社会信用代码为 `{0}` 的企业")]
    UnknownEnterprise(String),
}

/// Gathers the candidates of `req` (see the module documentation).
pub fn gather(
    store: &Store,
    program: &CheckedProgram,
    schema: &Schema,
    weights: &Weights,
    req: &Request,
    scope: Option<&RegionScope>,
) -> Result<Vec<crate::plan::Candidate>, PlanningError> {
    let mut records: Vec<StoredRecord> = Vec::new();
    if req.usccs.is_empty() {
        let Some(township) = &req.township else {
            return Err(PlanningError::NoScope);
        };
        let filter = ListFilter {
            township: Some(township.clone()),
            county: None,
            category: None,
            scope: scope.cloned(),
        };
        store.export(&filter, |stored| records.push(stored))?;
        if records.is_empty() {
            return Err(PlanningError::UnknownTownship(township.clone()));
        }
    } else {
        for text in &req.usccs {
            let unknown = || PlanningError::UnknownEnterprise(text.clone());
            let uscc: Uscc = text.parse().map_err(|_| unknown())?;
            let stored = store.get(&uscc, None)?.ok_or_else(unknown)?;
            if scope.is_some_and(|s| !s.contains(&stored.record)) {
                return Err(unknown());
            }
            if !records.iter().any(|r| r.uscc == stored.uscc) {
                records.push(stored);
            }
        }
    }
    let ledger = Ledger::read(store)?;
    let engine = Engine::new(program);
    let visit_counts = store.department_visit_counts_by_enterprise(req.from.year())?;
    let mut out = Vec::with_capacity(records.len());
    for stored in records {
        let key: Option<Uscc> = stored.uscc.parse().ok();
        let result = match validate_record(&stored.record, schema) {
            Ok(valid) => Some(run_engine(&engine, &valid, req.from).result),
            Err(_) => match &key {
                Some(k) => store.latest_check(k)?.map(|c| c.result),
                None => None,
            },
        };
        let visits = key
            .as_ref()
            .and_then(|k| visit_counts.get(k).cloned())
            .unwrap_or_default();
        let assessment = ledger.assess(weights, &stored.record, result.as_ref(), req.from);
        out.push(Candidate {
            uscc: stored.uscc.clone(),
            name: stored
                .record
                .get("name")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
            result,
            assessment,
            visits,
        });
    }
    Ok(out)
}

/// Gathers the candidates and builds the plan (not stored).
pub fn make(
    store: &Store,
    program: &CheckedProgram,
    schema: &Schema,
    weights: &Weights,
    settings: &Settings,
    req: &Request,
    scope: Option<&RegionScope>,
) -> Result<Plan, PlanningError> {
    if req.from > req.to {
        return Err(PlanError::Period {
            from: req.from,
            to: req.to,
        }
        .into());
    }
    let candidates = gather(store, program, schema, weights, req, scope)?;
    Ok(build(
        req,
        candidates,
        settings,
        schema,
        &reads_of(program),
    )?)
}

/// `rules/plan/plan.toml` of the rules folder when present, else the
/// compiled-in copy.
pub fn load_settings(rules_dir: &std::path::Path) -> Result<Settings, crate::plan::SettingsError> {
    let path = rules_dir.join("plan").join("plan.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => Settings::parse(&text, &path.display().to_string()),
        Err(_) => Settings::shipped(),
    }
}

/// Whether every enterprise a plan names lies in `scope` (a plan is shown
/// to a region-scoped caller only then). Enterprises no longer stored are
/// judged by the plan's township alone.
pub fn plan_in_scope(store: &Store, plan: &Plan, scope: &RegionScope) -> Result<bool, StoreError> {
    let usccs = plan
        .enterprises
        .iter()
        .map(|p| &p.uscc)
        .chain(plan.left_out.iter().map(|l| &l.uscc));
    for text in usccs {
        let Ok(uscc) = text.parse::<Uscc>() else {
            return Ok(false);
        };
        if let Some(stored) = store.get(&uscc, None)?
            && !scope.contains(&stored.record)
        {
            return Ok(false);
        }
    }
    Ok(scope
        .township
        .as_deref()
        .is_none_or(|t| plan.township.as_deref().is_none_or(|p| p == t)))
}

/// How far a stored plan has got: computed on read from the visits recorded
/// with the plan's number (`plan` of the visit), never stored with the plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// Planned enterprises with at least one visit of this plan.
    pub visited: usize,
    /// Planned enterprises (the plan's `enterprises`).
    pub planned: usize,
    /// One entry per planned enterprise, in the plan's order.
    pub enterprises: Vec<EnterpriseProgress>,
}

/// The visits of one planned enterprise recorded under the plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EnterpriseProgress {
    pub uscc: String,
    pub visited: bool,
    /// Oldest first.
    pub visits: Vec<VisitMark>,
}

/// One recorded visit of a plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VisitMark {
    pub id: crate::visit::VisitId,
    pub date: jiff::civil::Date,
    /// Hidden dangers the visit registered.
    pub dangers: usize,
}

/// The progress of plan `id` (see [`Progress`]).
pub fn progress(
    store: &Store,
    id: crate::plan::PlanId,
    plan: &Plan,
) -> Result<Progress, StoreError> {
    let mut marks: BTreeMap<Uscc, Vec<VisitMark>> = BTreeMap::new();
    for v in store.visits(None, None, None, None)? {
        if v.visit.plan == Some(id) {
            marks.entry(v.visit.uscc).or_default().push(VisitMark {
                id: v.id,
                date: v.visit.date,
                dangers: v.dangers.len(),
            });
        }
    }
    let mut enterprises = Vec::with_capacity(plan.enterprises.len());
    for p in &plan.enterprises {
        let visits = match p.uscc.parse::<Uscc>() {
            Ok(uscc) => marks.get(&uscc).cloned().unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        enterprises.push(EnterpriseProgress {
            uscc: p.uscc.clone(),
            visited: !visits.is_empty(),
            visits,
        });
    }
    Ok(Progress {
        visited: enterprises.iter().filter(|e| e.visited).count(),
        planned: enterprises.len(),
        enterprises,
    })
}

/// A random seed for a plan made without one, below 2^53 so that every JSON
/// reader (JavaScript numbers included) keeps it exactly and can remake the plan.
pub fn random_seed() -> u64 {
    fastrand::u64(..1 << 53)
}
