//! Where a score's inputs come from outside the pure core: the weights file
//! and the record store (records, latest checks, the hidden-danger ledger).
//! The CLI (`regkb risk`), the API (`GET /api/v1/risk`) and the pages
//! (`/enterprises`, the profile, the dashboard) all score through here, so
//! they agree.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::{Assessment, Weights, WeightsError, assess, overdue_dangers, rank};
use crate::check::CheckResult;
use crate::danger::HiddenDanger;
use crate::record::Uscc;
use crate::store::{DangerFilter, ListFilter, Store, StoreError};

/// The weights: `explicit` when given, else `risk/weights.toml` under the
/// rules folder when that file exists, else the compiled-in copy. A file
/// that cannot be read or does not validate is an error naming it (and the
/// line), never a silent fall-back.
pub fn load_weights(rules_dir: &Path, explicit: Option<&Path>) -> Result<Weights, WeightsError> {
    let default = rules_dir.join("risk").join("weights.toml");
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None if default.exists() => default,
        None => return Weights::shipped(),
    };
    let file = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| WeightsError::Invalid {
        file: file.clone(),
        message: match e.kind() {
            std::io::ErrorKind::NotFound => "文件不存在".to_owned(),
            std::io::ErrorKind::PermissionDenied => "没有读取该文件的权限".to_owned(),
            std::io::ErrorKind::InvalidData => "文件不是 UTF-8 文本".to_owned(),
            _ => format!("无法读取该文件（{e}）"),
        },
    })?;
    Weights::parse(&text, &file)
}

/// The hidden-danger ledger by enterprise, read once for a ranking or a page.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    by_uscc: BTreeMap<String, Vec<HiddenDanger>>,
}

impl Ledger {
    /// Every danger of the store.
    pub fn read(store: &Store) -> Result<Ledger, StoreError> {
        Ok(Ledger::of(store.dangers(&DangerFilter::default())?))
    }

    /// The dangers of one enterprise.
    pub fn read_enterprise(store: &Store, uscc: &Uscc) -> Result<Ledger, StoreError> {
        let filter = DangerFilter {
            uscc: Some(uscc.clone()),
            ..DangerFilter::default()
        };
        Ok(Ledger::of(store.dangers(&filter)?))
    }

    /// A ledger of these dangers.
    pub fn of(dangers: Vec<HiddenDanger>) -> Ledger {
        let mut by_uscc: BTreeMap<String, Vec<HiddenDanger>> = BTreeMap::new();
        for d in dangers {
            by_uscc
                .entry(d.uscc.as_str().to_owned())
                .or_default()
                .push(d);
        }
        Ledger { by_uscc }
    }

    /// One enterprise's dangers (oldest first).
    pub fn dangers_of(&self, uscc: &str) -> &[HiddenDanger] {
        self.by_uscc
            .get(uscc)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Scores one enterprise on `day`, counting its overdue dangers from
    /// this ledger and from the record (see [`overdue_dangers`]).
    pub fn assess(
        &self,
        weights: &Weights,
        record: &Value,
        result: Option<&CheckResult>,
        day: jiff::civil::Date,
    ) -> Assessment {
        let uscc = record.get("uscc").and_then(Value::as_str).unwrap_or("");
        let overdue = overdue_dangers(self.dangers_of(uscc), record, day);
        assess(weights, record, result, &overdue)
    }
}

/// Scores one stored enterprise on `day` from its record, its latest stored
/// check and its ledger dangers.
pub fn assess_enterprise(
    store: &Store,
    weights: &Weights,
    uscc: &Uscc,
    record: &Value,
    day: jiff::civil::Date,
) -> Result<Assessment, StoreError> {
    let ledger = Ledger::read_enterprise(store, uscc)?;
    let latest = store.latest_check_outline(uscc)?;
    Ok(ledger.assess(weights, record, latest.as_ref(), day))
}

/// Every stored enterprise matching `filter`, scored on `day` and ranked
/// (see [`rank`]); `total` before `limit` is the second value.
pub fn ranking(
    store: &Store,
    weights: &Weights,
    filter: &ListFilter,
    day: jiff::civil::Date,
    limit: Option<usize>,
) -> Result<(Vec<Assessment>, usize), StoreError> {
    let ledger = Ledger::read(store)?;
    let mut records = Vec::new();
    store.export(filter, |stored| records.push(stored))?;
    let mut out = Vec::with_capacity(records.len());
    for stored in records {
        let latest = match stored.uscc.parse::<Uscc>() {
            Ok(key) => store.latest_check_outline(&key)?,
            Err(_) => None,
        };
        out.push(ledger.assess(weights, &stored.record, latest.as_ref(), day));
    }
    let total = out.len();
    rank(&mut out, limit);
    Ok((out, total))
}
