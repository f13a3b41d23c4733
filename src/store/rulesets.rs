//! Published rule sets: every version kept, the newest is current.

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use super::audit::append_audit;
use super::{Actor, Store, StoreError, decode, encode, now};

/// The `meta` key holding the last rule-set number.
const NEXT_KEY: &[u8] = b"ruleset.last";

/// One published rule set: its files (path relative to the rules folder,
/// text) and who published it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    /// 1, 2, 3 … in publication order.
    pub number: u64,
    /// The publisher's own name for it (a version string).
    pub version: String,
    pub at: jiff::Timestamp,
    pub by: Actor,
    pub files: Vec<(String, String)>,
}

/// A rule set without its files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSetSummary {
    pub number: u64,
    pub version: String,
    pub at: jiff::Timestamp,
    pub by: Actor,
    pub files: usize,
}

impl Store {
    /// Stores a new rule set as the current one (audited, flushed); returns
    /// its number. Earlier ones stay readable.
    pub fn save_rule_set(
        &self,
        version: &str,
        files: Vec<(String, String)>,
        by: &Actor,
    ) -> Result<u64, StoreError> {
        let inner = &self.inner;
        let number =
            (&inner.rulesets, &inner.meta, &inner.audit).transaction(|(sets, meta, audit)| {
                let last = meta
                    .get(NEXT_KEY)?
                    .and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
                    .map_or(0, u64::from_be_bytes);
                let number = last + 1;
                meta.insert(NEXT_KEY, &number.to_be_bytes())?;
                let set = RuleSet {
                    number,
                    version: version.to_string(),
                    at: now(),
                    by: by.clone(),
                    files: files.clone(),
                };
                let bytes = encode(&set).map_err(ConflictableTransactionError::Abort)?;
                sets.insert(&number.to_be_bytes(), bytes)?;
                let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
                let detail = serde_json::json!({"version": version, "files": paths});
                append_audit(audit, by, "ruleset.publish", &number.to_string(), detail)?;
                Ok(number)
            })?;
        self.flush()?;
        Ok(number)
    }

    /// The newest published rule set, if any.
    pub fn current_rule_set(&self) -> Result<Option<RuleSet>, StoreError> {
        match self.inner.rulesets.last()? {
            Some((_, bytes)) => Ok(Some(decode(&bytes)?)),
            None => Ok(None),
        }
    }

    /// One published rule set by number.
    pub fn rule_set(&self, number: u64) -> Result<Option<RuleSet>, StoreError> {
        match self.inner.rulesets.get(number.to_be_bytes())? {
            Some(bytes) => Ok(Some(decode(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Every published rule set, oldest first, without files.
    pub fn rule_set_history(&self) -> Result<Vec<RuleSetSummary>, StoreError> {
        self.inner
            .rulesets
            .iter()
            .map(|item| {
                let set: RuleSet = decode(&item?.1)?;
                Ok(RuleSetSummary {
                    number: set.number,
                    version: set.version,
                    at: set.at,
                    by: set.by,
                    files: set.files.len(),
                })
            })
            .collect()
    }
}
