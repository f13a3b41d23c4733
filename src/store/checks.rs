//! Stored check results, so that findings can be followed up.

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::audit::append_audit;
use super::{Actor, Store, StoreError, decode, encode, now, seq_key, seq_prefix};
use crate::check::CheckResult;
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

    /// Every stored check of a record, oldest first.
    pub fn checks(&self, uscc: &Uscc) -> Result<Vec<StoredCheck>, StoreError> {
        self.inner
            .checks
            .scan_prefix(seq_prefix(uscc.as_str()))
            .map(|item| decode(&item?.1))
            .collect()
    }
}

/// Stores a check result and audits it (`check.save`) inside a transaction.
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
    let detail = serde_json::json!({"seq": seq, "summary": result.summary, "as_of": result.as_of});
    append_audit(audit, by, "check.save", key, detail)?;
    Ok(stored)
}
