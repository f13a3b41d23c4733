//! Record reads and writes: validate the result, then record, history entry
//! and audit entry in one transaction, then flush.

use std::collections::BTreeMap;

use serde_json::Value;
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::audit::append_audit;
use super::merge::{leaf_pointers, merge_patch, under};
use super::{
    Actor, AsOf, Change, ChangeOp, FieldSource, ListFilter, Store, StoreError, StoredRecord,
    Summary, Version, decode, encode, now, seq_key, seq_prefix,
};
use crate::record::{Problem, Schema, Uscc, validate_record};

impl Store {
    /// The record now, or as it was at `as_of` (`None` when it did not exist
    /// yet).
    pub fn get(
        &self,
        uscc: &Uscc,
        as_of: Option<AsOf>,
    ) -> Result<Option<StoredRecord>, StoreError> {
        let Some(as_of) = as_of else {
            return match self.inner.records.get(uscc.as_str())? {
                Some(bytes) => Ok(Some(decode(&bytes)?)),
                None => Ok(None),
            };
        };
        let cutoff = as_of.instant();
        let mut found = None;
        for item in self.inner.history.scan_prefix(seq_prefix(uscc.as_str())) {
            let (_, bytes) = item?;
            let change: Change = decode(&bytes)?;
            if change.at > cutoff {
                break;
            }
            found = Some(change);
        }
        Ok(found.map(|c| c.into_stored(uscc.as_str())))
    }

    /// Every change of a record, oldest first.
    pub fn history(&self, uscc: &Uscc) -> Result<Vec<Change>, StoreError> {
        self.inner
            .history
            .scan_prefix(seq_prefix(uscc.as_str()))
            .map(|item| decode(&item?.1))
            .collect()
    }

    /// Replaces the whole record. Returns the new version.
    pub fn put(
        &self,
        uscc: &Uscc,
        record: Value,
        by: &Actor,
        schema: &Schema,
    ) -> Result<Version, StoreError> {
        self.write(uscc, ChangeOp::Put(record), by, schema)
    }

    /// Applies an RFC 7396 merge patch (to an empty object when the record
    /// does not exist yet). Returns the new version.
    pub fn patch(
        &self,
        uscc: &Uscc,
        patch: Value,
        by: &Actor,
        schema: &Schema,
    ) -> Result<Version, StoreError> {
        if !patch.is_object() {
            return Err(StoreError::Rejected(vec![Problem::new(
                "",
                "合并补丁应为 JSON 对象".to_string(),
                "一个 JSON 对象，只含要修改的字段（`null` 表示删除）".to_string(),
            )]));
        }
        self.write(uscc, ChangeOp::Patch(patch), by, schema)
    }

    /// Summaries of the records `filter` selects, in USCC order.
    pub fn list(&self, filter: &ListFilter) -> Result<Vec<Summary>, StoreError> {
        let mut out = Vec::new();
        self.each_record(filter, |stored| out.push(Summary::of(&stored)))?;
        Ok(out)
    }

    /// The current records `filter` selects, in USCC order.
    pub fn export(
        &self,
        filter: &ListFilter,
        mut each: impl FnMut(StoredRecord),
    ) -> Result<(), StoreError> {
        self.each_record(filter, &mut each)
    }

    /// How many records are stored.
    pub fn record_count(&self) -> usize {
        self.inner.records.len()
    }

    fn each_record(
        &self,
        filter: &ListFilter,
        mut each: impl FnMut(StoredRecord),
    ) -> Result<(), StoreError> {
        for item in self.inner.records.iter() {
            let (_, bytes) = item?;
            let stored: StoredRecord = decode(&bytes)?;
            if filter.matches(&stored.record) {
                each(stored);
            }
        }
        Ok(())
    }

    fn write(
        &self,
        uscc: &Uscc,
        op: ChangeOp,
        by: &Actor,
        schema: &Schema,
    ) -> Result<Version, StoreError> {
        let inner = &self.inner;
        let version = (&inner.records, &inner.history, &inner.audit).transaction(
            |(records, history, audit)| {
                let previous = read_in(records, uscc)?;
                let write = RecordWrite {
                    uscc,
                    op: &op,
                    by,
                    observed_on: None,
                    schema,
                };
                let change = write_in(records, history, previous.as_ref(), &write)?;
                let detail = serde_json::json!({"version": change.version});
                append_audit(audit, by, write.action(), uscc.as_str(), detail)?;
                Ok(change.version)
            },
        )?;
        self.flush()?;
        Ok(version)
    }
}

/// The current record, read inside a transaction.
pub(super) fn read_in(
    records: &TransactionalTree,
    uscc: &Uscc,
) -> Result<Option<StoredRecord>, ConflictableTransactionError<StoreError>> {
    match records.get(uscc.as_str())? {
        Some(bytes) => Ok(Some(
            decode(&bytes).map_err(ConflictableTransactionError::Abort)?,
        )),
        None => Ok(None),
    }
}

/// One record write as a transaction makes it.
pub(super) struct RecordWrite<'a> {
    pub uscc: &'a Uscc,
    pub op: &'a ChangeOp,
    /// Whom the change and the provenance of the fields it sets name.
    pub by: &'a Actor,
    /// The day the values were seen (on-site visits), when not the write's.
    pub observed_on: Option<jiff::civil::Date>,
    pub schema: &'a Schema,
}

impl RecordWrite<'_> {
    /// The audit action of the write.
    pub fn action(&self) -> &'static str {
        match self.op {
            ChangeOp::Put(_) => "record.put",
            ChangeOp::Patch(_) => "record.patch",
        }
    }
}

/// Validates and writes the record and its history entry inside a
/// transaction (the caller appends the audit entry).
pub(super) fn write_in(
    records: &TransactionalTree,
    history: &TransactionalTree,
    previous: Option<&StoredRecord>,
    w: &RecordWrite<'_>,
) -> Result<Change, ConflictableTransactionError<StoreError>> {
    let abort = ConflictableTransactionError::Abort;
    let key = w.uscc.as_str();
    let change = next_change(w, previous).map_err(abort)?;
    let stored = change.clone().into_stored(key);
    records.insert(key.as_bytes(), encode(&stored).map_err(abort)?)?;
    history.insert(
        seq_key(key, change.version),
        encode(&change).map_err(abort)?,
    )?;
    Ok(change)
}

/// The change a write makes, validated; pure.
fn next_change(w: &RecordWrite<'_>, previous: Option<&StoredRecord>) -> Result<Change, StoreError> {
    let (uscc, op, by, schema) = (w.uscc, w.op, w.by, w.schema);
    let result = match op {
        ChangeOp::Put(record) => record.clone(),
        ChangeOp::Patch(patch) => {
            let mut doc = previous
                .map(|p| p.record.clone())
                .unwrap_or_else(|| Value::Object(serde_json::Map::new()));
            merge_patch(&mut doc, patch);
            doc
        }
    };
    let mut problems = match validate_record(&result, schema) {
        Ok(_) => Vec::new(),
        Err(problems) => problems,
    };
    if let Some(code) = result.get("uscc").and_then(Value::as_str)
        && code != uscc.as_str()
    {
        problems.push(Problem::new(
            "/uscc",
            format!("记录中的统一社会信用代码 `{code}` 与地址中的 `{uscc}` 不一致"),
            format!("`{uscc}`"),
        ));
    }
    if !problems.is_empty() {
        return Err(StoreError::Rejected(problems));
    }
    let at = now();
    let version = previous.map_or(1, |p| p.version + 1);
    let source = FieldSource {
        by: by.clone(),
        at,
        version,
        observed_on: w.observed_on,
    };
    let provenance = provenance(previous, op, &result, &source);
    Ok(Change {
        version,
        at,
        by: by.clone(),
        op: op.clone(),
        record: result,
        provenance,
    })
}

/// Provenance after a write: a patch re-attributes the leaves under the
/// pointers it touches, a put the leaves whose value changed; leaves that no
/// longer exist are dropped.
fn provenance(
    previous: Option<&StoredRecord>,
    op: &ChangeOp,
    result: &Value,
    source: &FieldSource,
) -> BTreeMap<String, FieldSource> {
    let touched = match op {
        ChangeOp::Patch(patch) => leaf_pointers(patch)
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect(),
        ChangeOp::Put(_) => Vec::new(),
    };
    let mut out = BTreeMap::new();
    for ptr in leaf_pointers(result) {
        let old = previous.and_then(|p| p.provenance.get(&ptr));
        let changed = match op {
            ChangeOp::Patch(_) => touched.iter().any(|t| under(&ptr, t) || under(t, &ptr)),
            ChangeOp::Put(_) => {
                previous.and_then(|p| p.record.pointer(&ptr)) != result.pointer(&ptr)
            }
        };
        let entry = match old {
            Some(old) if !changed => old.clone(),
            _ => source.clone(),
        };
        out.insert(ptr, entry);
    }
    out
}
