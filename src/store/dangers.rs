//! Hidden dangers (事故隐患): created, read, listed and moved through the
//! closed loop of [`crate::danger`]. Every write is one transaction with its
//! audit entry, flushed before it returns.

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::audit::append_audit;
use super::{Actor, Store, StoreError, decode, encode, next_id, now};
use crate::danger::{DangerId, HiddenDanger, NewDanger, State, TransitionRequest};
use crate::record::Uscc;

/// The `meta` key holding the last hidden-danger id (ids count from 1).
const LAST_KEY: &[u8] = b"danger.last";

/// Which hidden dangers [`Store::dangers`] returns; every set field must
/// match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DangerFilter {
    pub uscc: Option<Uscc>,
    pub township: Option<String>,
    pub state: Option<State>,
    /// Only dangers overdue on this date.
    pub overdue_on: Option<jiff::civil::Date>,
}

impl DangerFilter {
    fn matches(&self, d: &HiddenDanger) -> bool {
        self.uscc.as_ref().is_none_or(|u| *u == d.uscc)
            && self
                .township
                .as_ref()
                .is_none_or(|t| d.township.as_ref() == Some(t))
            && self.state.is_none_or(|s| s == d.state)
            && self.overdue_on.is_none_or(|day| d.is_overdue(day))
    }
}

impl Store {
    /// Registers a hidden danger in 待整改 (audited as `danger.create`,
    /// flushed). Blank required fields are refused with
    /// [`StoreError::Danger`] and nothing is written.
    pub fn create_danger(&self, new: &NewDanger, by: &Actor) -> Result<HiddenDanger, StoreError> {
        let inner = &self.inner;
        let tx = (&inner.dangers, &inner.meta, &inner.audit);
        let danger = tx.transaction(|(dangers, meta, audit)| {
            let danger = create_in(meta, audit, new, by)?;
            let bytes = encode(&danger).map_err(ConflictableTransactionError::Abort)?;
            dangers.insert(&danger.id.to_be_bytes(), bytes)?;
            Ok(danger)
        })?;
        self.flush()?;
        Ok(danger)
    }

    /// One hidden danger by id.
    pub fn danger(&self, id: DangerId) -> Result<Option<HiddenDanger>, StoreError> {
        match self.inner.dangers.get(id.to_be_bytes())? {
            Some(bytes) => Ok(Some(decode(&bytes)?)),
            None => Ok(None),
        }
    }

    /// The hidden dangers matching `filter`, by id (oldest first).
    pub fn dangers(&self, filter: &DangerFilter) -> Result<Vec<HiddenDanger>, StoreError> {
        let mut out = Vec::new();
        for item in self.inner.dangers.iter() {
            let d: HiddenDanger = decode(&item?.1)?;
            if filter.matches(&d) {
                out.push(d);
            }
        }
        Ok(out)
    }

    /// Moves a hidden danger on: the state machine decides, the danger and
    /// an audit entry (`danger.transition`: who, when, from, to, note) are
    /// written in one transaction and flushed. A refused transition writes
    /// nothing; an unknown id is [`StoreError::NotFound`].
    pub fn transition_danger(
        &self,
        id: DangerId,
        req: &TransitionRequest,
        by: &Actor,
    ) -> Result<HiddenDanger, StoreError> {
        let inner = &self.inner;
        let key = id.to_be_bytes();
        let danger = (&inner.dangers, &inner.audit).transaction(|(dangers, audit)| {
            let abort = ConflictableTransactionError::Abort;
            let bytes = dangers.get(key)?.ok_or_else(|| {
                abort(StoreError::NotFound {
                    what: "hidden danger",
                    id: id.to_string(),
                })
            })?;
            let mut danger: HiddenDanger = decode(&bytes).map_err(abort)?;
            transition_in(audit, &mut danger, req, by)?;
            let bytes = encode(&danger).map_err(abort)?;
            dangers.insert(&key, bytes)?;
            Ok(danger)
        })?;
        self.flush()?;
        Ok(danger)
    }
}

/// Numbers a new danger and audits its creation (`danger.create`) inside a
/// transaction; the caller stores it (after any further transitions).
pub(super) fn create_in(
    meta: &TransactionalTree,
    audit: &TransactionalTree,
    new: &NewDanger,
    by: &Actor,
) -> Result<HiddenDanger, ConflictableTransactionError<StoreError>> {
    let id = next_id(meta, LAST_KEY)?;
    let danger = new
        .clone()
        .into_danger(id, now())
        .map_err(|e| ConflictableTransactionError::Abort(StoreError::Danger(e)))?;
    let detail = serde_json::json!({
        "id": id, "level": danger.level, "title": danger.title, "owner": danger.owner,
        "deadline": danger.deadline,
    });
    append_audit(audit, by, "danger.create", danger.uscc.as_str(), detail)?;
    Ok(danger)
}

/// Applies one transition through the state machine and audits it
/// (`danger.transition`) inside a transaction; the caller stores the danger.
pub(super) fn transition_in(
    audit: &TransactionalTree,
    danger: &mut HiddenDanger,
    req: &TransitionRequest,
    by: &Actor,
) -> Result<(), ConflictableTransactionError<StoreError>> {
    let t = danger
        .apply(req)
        .map_err(|e| ConflictableTransactionError::Abort(StoreError::Danger(e)))?
        .clone();
    let detail = serde_json::json!({
        "id": danger.id, "action": t.action, "from": t.from, "to": t.to,
        "by": t.by, "at": t.at, "note": t.note,
    });
    append_audit(audit, by, "danger.transition", danger.uscc.as_str(), detail)?;
    Ok(())
}
