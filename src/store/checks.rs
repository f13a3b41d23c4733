//! Stored check results, so that findings can be followed up.

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::audit::append_audit;
use super::{Actor, Store, StoreError, decode, encode, now, seq_key, seq_prefix};
use crate::check::{CheckResult, MajorHazard, Outcome, Severity, SharedStr, Summary};
use crate::record::Uscc;

/// A check result as stored: when, by whom, against which record version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredCheck {
    pub seq: u64,
    pub at: jiff::Timestamp,
    pub by: Actor,
    /// The record version that was checked, when known.
    pub record_version: Option<u64>,
    pub result: CheckResult,
}

impl Store {
    /// Stores a check result of a record (audited, flushed).
    pub fn save_check(
        &self,
        uscc: &Uscc,
        result: &CheckResult,
        record_version: Option<u64>,
        by: &Actor,
    ) -> Result<u64, StoreError> {
        let inner = &self.inner;
        let seq = (&inner.checks, &inner.audit).transaction(|(checks, audit)| {
            save_check_in(checks, audit, uscc, result, record_version, by).map(|c| c.seq)
        })?;
        self.flush()?;
        Ok(seq)
    }

    /// The newest stored check of a record.
    pub fn latest_check(&self, uscc: &Uscc) -> Result<Option<StoredCheck>, StoreError> {
        match self
            .inner
            .checks
            .scan_prefix(seq_prefix(uscc.as_str()))
            .next_back()
        {
            Some(item) => Ok(Some(decode(&item?.1)?)),
            None => Ok(None),
        }
    }

    /// The newest stored check of a record in outline
    /// ([`CheckResult::outline`]): what ranking reads for every enterprise,
    /// kept under its own key so that it is not decoded from the full
    /// result. Checks stored before outlines existed are outlined on read.
    pub fn latest_check_outline(&self, uscc: &Uscc) -> Result<Option<CheckResult>, StoreError> {
        match self.inner.checks.get(outline_key(uscc.as_str()))? {
            Some(bytes) => Ok(Some(decode::<StoredOutline>(&bytes)?.into_result())),
            None => Ok(self.latest_check(uscc)?.map(|c| c.result.outline())),
        }
    }

    /// Every stored check of a record, oldest first.
    pub fn checks(&self, uscc: &Uscc) -> Result<Vec<StoredCheck>, StoreError> {
        self.inner
            .checks
            .scan_prefix(seq_prefix(uscc.as_str()))
            .map(|item| decode(&item?.1))
            .collect()
    }
}

/// How a check outline is stored: one `[rule, outcome, severity]` triple
/// per finding, a few dozen bytes instead of a finding's full JSON.
#[derive(Serialize, Deserialize)]
struct StoredOutline {
    enterprise: String,
    as_of: jiff::civil::Date,
    summary: Summary,
    findings: Vec<(SharedStr, Outcome, Severity)>,
    major_hazards: Vec<MajorHazard>,
}

impl StoredOutline {
    fn of(result: &CheckResult) -> StoredOutline {
        StoredOutline {
            enterprise: result.enterprise.clone(),
            as_of: result.as_of,
            summary: result.summary,
            findings: result
                .findings
                .iter()
                .map(|f| (f.rule.clone(), f.outcome, f.severity))
                .collect(),
            major_hazards: result.major_hazards.clone(),
        }
    }

    fn into_result(self) -> CheckResult {
        CheckResult::from_outline(
            self.enterprise,
            self.as_of,
            self.summary,
            self.findings.into_iter(),
            self.major_hazards,
        )
    }
}

/// The key of a record's latest check outline: the USCC and 0x01, outside
/// the `uscc ‖ 0x00 ‖ seq` range of its stored checks.
fn outline_key(uscc: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(uscc.len() + 1);
    key.extend_from_slice(uscc.as_bytes());
    key.push(1);
    key
}

/// Stores a check result (and its outline as the latest) and audits it
/// (`check.save`) inside a transaction.
pub(super) fn save_check_in(
    checks: &TransactionalTree,
    audit: &TransactionalTree,
    uscc: &Uscc,
    result: &CheckResult,
    record_version: Option<u64>,
    by: &Actor,
) -> Result<StoredCheck, ConflictableTransactionError<StoreError>> {
    let key = uscc.as_str();
    let seq = checks.generate_id()?;
    let stored = StoredCheck {
        seq,
        at: now(),
        by: by.clone(),
        record_version,
        result: result.clone(),
    };
    let bytes = encode(&stored).map_err(ConflictableTransactionError::Abort)?;
    checks.insert(seq_key(key, seq), bytes)?;
    let outline =
        encode(&StoredOutline::of(result)).map_err(ConflictableTransactionError::Abort)?;
    checks.insert(outline_key(key), outline)?;
    let detail = serde_json::json!({"seq": seq, "summary": result.summary, "as_of": result.as_of});
    append_audit(audit, by, "check.save", key, detail)?;
    Ok(stored)
}
