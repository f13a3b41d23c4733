//! Reads what the dashboard is built from out of the record store: the
//! enterprises in view (township and the caller's region scope), their risk
//! on the day (through [`crate::risk::Ledger`], as everywhere else), their
//! stored checks, hidden dangers and visits.

use std::collections::{BTreeMap, BTreeSet};

use super::{Dashboard, Inputs, build};
use crate::danger::HiddenDanger;
use crate::record::Uscc;
use crate::risk::{Ledger, Weights};
use crate::store::{ListFilter, RegionScope, Store, StoreError, StoredCheck};

/// Why a dashboard cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// A period bound that is not a date; names the parameter.
    #[error("参数 `{field}` {why}")]
    BadDate { field: &'static str, why: String },
    #[error("时段起点 `{from}` 晚于终点 `{to}`")]
    Reversed {
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The period `from..=to` (either may be blank: the current year of
/// `today` fills it) and the day the figures are counted on: `to`, or
/// `today` when the period runs on past it.
pub fn period_of(
    from: Option<&str>,
    to: Option<&str>,
    today: jiff::civil::Date,
) -> Result<(jiff::civil::Date, jiff::civil::Date, jiff::civil::Date), DashboardError> {
    let parse = |field: &'static str, v: Option<&str>| -> Result<_, DashboardError> {
        match v.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => crate::record::parse_date(s)
                .map(Some)
                .map_err(|why| DashboardError::BadDate { field, why }),
            None => Ok(None),
        }
    };
    let from = parse("from", from)?.unwrap_or_else(|| jiff::civil::date(today.year(), 1, 1));
    let to = parse("to", to)?.unwrap_or_else(|| jiff::civil::date(today.year(), 12, 31));
    if from > to {
        return Err(DashboardError::Reversed { from, to });
    }
    Ok((from, to, to.min(today)))
}

/// Builds the dashboard of the enterprises of `township` (all when `None`)
/// within `scope`, for the period `from..=to`, counted on `day`.
pub fn gather(
    store: &Store,
    weights: &Weights,
    scope: Option<RegionScope>,
    township: Option<String>,
    (from, to, day): (jiff::civil::Date, jiff::civil::Date, jiff::civil::Date),
) -> Result<Dashboard, StoreError> {
    let mut records = Vec::new();
    store.export(
        &ListFilter {
            township: township.clone(),
            scope,
            ..ListFilter::default()
        },
        |s| records.push(s),
    )?;
    let ledger = Ledger::read(store)?;
    let mut assessments = Vec::with_capacity(records.len());
    let mut checks: BTreeMap<String, Vec<StoredCheck>> = BTreeMap::new();
    let mut dangers: Vec<HiddenDanger> = Vec::new();
    let mut in_view = BTreeSet::new();
    for stored in &records {
        let list = match stored.uscc.parse::<Uscc>() {
            Ok(key) => store.checks(&key)?,
            Err(_) => Vec::new(),
        };
        let latest = list.last().map(|c| &c.result);
        assessments.push(ledger.assess(weights, &stored.record, latest, day));
        dangers.extend(ledger.dangers_of(&stored.uscc).iter().cloned());
        in_view.insert(stored.uscc.clone());
        checks.insert(stored.uscc.clone(), list);
    }
    let visits: Vec<_> = store
        .visits(None, None, None, None)?
        .into_iter()
        .filter(|v| in_view.contains(v.visit.uscc.as_str()))
        .collect();
    Ok(build(&Inputs {
        township,
        from,
        to,
        day,
        dangers: &dangers,
        visits: &visits,
        assessments: &assessments,
        checks: &checks,
    }))
}
