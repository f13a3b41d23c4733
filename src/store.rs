//! The record store: enterprise records keyed by USCC, their full history
//! and per-field provenance, stored check results, API tokens (hashed), the
//! audit log and published rule sets — all in one sled database under
//! `DataDir::store_dir()`. Only this module knows sled.
//!
//! ```
//! use regkb::store::{Actor, Store};
//! use regkb::record::Schema;
//! # let schema = Schema::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/schema")).unwrap();
//! # let dir = tempfile::tempdir().unwrap();
//! let store = Store::open(dir.path()).unwrap();
//! let uscc = "91330481MA2B00000Y".parse().unwrap();
//! let by = Actor::department("应急管理局");
//! let v1 = store.put(&uscc, serde_json::json!({"uscc": "91330481MA2B00000Y", "name": "某公司"}), &by, &schema).unwrap();
//! let v2 = store.patch(&uscc, serde_json::json!({"employees": 12}), &Actor::system("消防平台"), &schema).unwrap();
//! assert_eq!((v1, v2), (1, 2));
//! let now = store.get(&uscc, None).unwrap().unwrap();
//! assert_eq!(now.provenance["/employees"].by.id, "消防平台");
//! assert_eq!(now.provenance["/name"].by.id, "应急管理局");
//! assert_eq!(store.history(&uscc).unwrap().len(), 2);
//! ```
//!
//! # API (what the HTTP layer builds on)
//! - [`Store::open`]; `Store` is `Clone` (an `Arc` inside) and thread-safe.
//! - Records: [`Store::get`] (optionally [`AsOf`] a time or a date),
//!   [`Store::put`] (whole replace), [`Store::patch`] (RFC 7396 JSON merge
//!   patch), [`Store::history`], [`Store::list`] with a [`ListFilter`],
//!   [`Store::export`], [`Store::record_count`].
//!   Every write validates the *result* with `record::validate_record`; a bad
//!   record or patch is rejected whole with [`StoreError::Rejected`] (every
//!   problem by JSON pointer: HTTP 422) and nothing is written. The record's
//!   `uscc` must equal the key.
//! - Provenance: [`StoredRecord::provenance`] maps every leaf JSON pointer
//!   (objects are walked, arrays and scalars are leaves) to who set it, when
//!   and in which version. A patch re-attributes the leaves it touches; a put
//!   re-attributes the leaves whose value changed.
//! - Checks: [`Store::save_check`], [`Store::latest_check`], [`Store::checks`],
//!   and [`Store::latest_check_outline`] (rule, outcome and severity per
//!   finding, written with every check: what ranking reads for thousands of
//!   enterprises without decoding every full result).
//! - Tokens: [`Store::create_token`] returns the plaintext once and stores only
//!   its SHA-256; [`Store::authenticate`], [`Store::list_tokens`],
//!   [`Store::revoke_token`], [`Store::has_admin`]. [`Role`], [`RegionScope`].
//! - Audit: every write above appends an [`AuditEntry`] in the same
//!   transaction; [`Store::audit`] appends one for other writes (rule
//!   publications use it implicitly); [`Store::audit_log`] reads newest first.
//! - Hidden dangers: [`Store::create_danger`], [`Store::danger`],
//!   [`Store::dangers`] with a [`DangerFilter`], [`Store::transition_danger`]
//!   (the state machine of [`crate::danger`], audited as `danger.transition`).
//! - Visits: [`Store::record_visit`] (observed facts, hidden dangers, the
//!   visit and the re-check in one transaction), [`Store::save_visit`],
//!   [`Store::visit`], [`Store::visits`] (by enterprise, township and
//!   period), [`Store::department_visit_counts`] (for the joint plan's
//!   yearly cap).
//! - Joint inspection plans: [`Store::save_plan`] (audited as `plan.create`),
//!   [`Store::plan`], [`Store::plans`] (per township, newest first).
//! - Rule sets: [`Store::save_rule_set`], [`Store::current_rule_set`],
//!   [`Store::rule_set`], [`Store::rule_set_history`] (every version kept).
//!
//! # Durability policy
//! A write is acknowledged (the function returns `Ok`) only after everything
//! it changes — the record, its history entry, its provenance, the audit
//! entry — was applied in one sled transaction **and** `flush()`ed to disk.
//! A crash therefore loses no acknowledged write and never leaves half of one.
//! The cost is measured in BENCHMARKS.md ("Record store").

mod audit;
mod checks;
mod dangers;
mod error;
mod merge;
mod plans;
mod records;
mod rulesets;
mod tokens;
mod types;
mod visits;

use std::path::Path;
use std::sync::Arc;

pub use audit::AuditEntry;
pub use checks::StoredCheck;
pub use dangers::DangerFilter;
pub use error::StoreError;
pub use merge::{leaf_pointers, merge_patch};
pub use rulesets::{RuleSet, RuleSetSummary};
pub use tokens::{RegionScope, Role, TokenInfo};
pub use types::{
    Actor, ActorKind, AsOf, Change, ChangeOp, FieldSource, ListFilter, StoredRecord, Summary,
    Version,
};
pub use visits::{DangerWrite, VisitWrite, VisitWritten, inspection_actor};

/// The sled trees, opened once.
#[derive(Debug)]
struct Inner {
    db: sled::Db,
    /// uscc → current [`StoredRecord`] (JSON).
    records: sled::Tree,
    /// uscc ‖ 0x00 ‖ version (u64 BE) → [`Change`] (JSON).
    history: sled::Tree,
    /// uscc ‖ 0x00 ‖ seq (u64 BE) → [`StoredCheck`] (JSON).
    checks: sled::Tree,
    /// SHA-256 of the token (hex) → [`TokenInfo`] (JSON).
    tokens: sled::Tree,
    /// seq (u64 BE) → [`AuditEntry`] (JSON).
    audit: sled::Tree,
    /// number (u64 BE) → [`RuleSet`] (JSON).
    rulesets: sled::Tree,
    /// Counters.
    meta: sled::Tree,
    /// id (u64 BE) → [`crate::danger::HiddenDanger`] (JSON).
    dangers: sled::Tree,
    /// id (u64 BE) → [`crate::visit::Visit`] (JSON).
    visits: sled::Tree,
    /// id (u64 BE) → [`crate::plan::Plan`] (JSON).
    plans: sled::Tree,
}

/// The record store. Cheap to clone; all clones share one database.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl Store {
    /// Opens (creating when absent) the store in `dir`, normally
    /// `DataDir::store_dir()`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
            path: dir.to_path_buf(),
            why: e.to_string(),
        })?;
        let db = sled::Config::new().path(dir).open().map_err(|e| {
            // sled's lock failure is an I/O error naming the lock
            if matches!(&e, sled::Error::Io(io) if io.to_string().contains("acquire lock")) {
                StoreError::Locked {
                    path: dir.to_path_buf(),
                }
            } else {
                StoreError::Open {
                    path: dir.to_path_buf(),
                    why: e.to_string(),
                }
            }
        })?;
        let tree = |name: &str| db.open_tree(name).map_err(StoreError::from);
        let inner = Inner {
            records: tree("records")?,
            history: tree("history")?,
            checks: tree("checks")?,
            tokens: tree("tokens")?,
            audit: tree("audit")?,
            rulesets: tree("rulesets")?,
            meta: tree("meta")?,
            dangers: tree("dangers")?,
            visits: tree("visits")?,
            plans: tree("plans")?,
            db,
        };
        Ok(Store {
            inner: Arc::new(inner),
        })
    }

    /// Writes everything to disk; called by every write before it returns.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.inner.db.flush()?;
        Ok(())
    }
}

/// `prefix ‖ 0x00 ‖ n` (n big-endian), the key of a per-record sequence.
fn seq_key(prefix: &str, n: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(prefix.len() + 9);
    key.extend_from_slice(prefix.as_bytes());
    key.push(0);
    key.extend_from_slice(&n.to_be_bytes());
    key
}

/// `prefix ‖ 0x00`, the range of [`seq_key`]s of one record.
fn seq_prefix(prefix: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(prefix.len() + 1);
    key.extend_from_slice(prefix.as_bytes());
    key.push(0);
    key
}

fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// The next id of a numbered kind (plans, visits, dangers), counted from 1
/// under `key` in `meta` inside a transaction.
fn next_id(
    meta: &sled::transaction::TransactionalTree,
    key: &[u8],
) -> Result<u64, sled::transaction::ConflictableTransactionError<StoreError>> {
    let last = meta
        .get(key)?
        .and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
        .map_or(0, u64::from_be_bytes);
    let id = last + 1;
    meta.insert(key, &id.to_be_bytes())?;
    Ok(id)
}
