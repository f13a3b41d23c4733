//! The audit log: one entry per write, appended in the write's own
//! transaction, numbered in order.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::{Actor, Store, StoreError, decode, encode, now};

/// Who did what to which thing, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: jiff::Timestamp,
    pub actor: Actor,
    /// `record.put`, `record.patch`, `check.save`, `token.create`,
    /// `token.revoke`, `ruleset.publish`, or what [`Store::audit`] was given.
    pub action: String,
    /// The USCC, token id or rule-set number acted on.
    pub target: String,
    pub detail: Value,
}

impl Store {
    /// Appends an audit entry on its own (for writes the store does not
    /// make itself) and flushes. Returns its sequence number.
    pub fn audit(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        detail: Value,
    ) -> Result<u64, StoreError> {
        let seq = self
            .inner
            .audit
            .transaction(|audit| append_audit(audit, actor, action, target, detail.clone()))?;
        self.flush()?;
        Ok(seq)
    }

    /// Audit entries, newest first, skipping `offset` and returning at most
    /// `limit`.
    pub fn audit_log(&self, limit: usize, offset: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.inner
            .audit
            .iter()
            .rev()
            .skip(offset)
            .take(limit)
            .map(|item| decode(&item?.1))
            .collect()
    }
}

/// Appends inside a transaction; the sequence number is one past the last.
pub(super) fn append_audit(
    audit: &TransactionalTree,
    actor: &Actor,
    action: &str,
    target: &str,
    detail: Value,
) -> Result<u64, ConflictableTransactionError<StoreError>> {
    // sled's id generator is monotonic across restarts and safe in a transaction
    let seq = audit.generate_id()?;
    let entry = AuditEntry {
        seq,
        at: now(),
        actor: actor.clone(),
        action: action.to_string(),
        target: target.to_string(),
        detail,
    };
    let bytes = encode(&entry).map_err(ConflictableTransactionError::Abort)?;
    audit.insert(&seq.to_be_bytes(), bytes)?;
    Ok(seq)
}
