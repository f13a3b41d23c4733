//! Joint inspection plans: stored one per id (counted from 1), read by id
//! and listed (optionally per township). Saving is one transaction with its
//! audit entry (`plan.create`), flushed before it returns.

use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use super::audit::append_audit;
use super::{Actor, Store, StoreError, decode, encode, next_id, now};
use crate::plan::{Plan, PlanId};

/// The `meta` key holding the last plan id.
const LAST_KEY: &[u8] = b"plan.last";

impl Store {
    /// Stores a plan and returns it with its id, creation time and author.
    pub fn save_plan(&self, plan: &Plan, by: &Actor) -> Result<Plan, StoreError> {
        let inner = &self.inner;
        let tx = (&inner.plans, &inner.meta, &inner.audit);
        let saved = tx.transaction(|(plans, meta, audit)| {
            let id = next_id(meta, LAST_KEY)?;
            let mut saved = plan.clone();
            saved.id = Some(id);
            saved.created_at = Some(now());
            saved.created_by = Some(by.label.clone().unwrap_or_else(|| by.id.clone()));
            let bytes = encode(&saved).map_err(ConflictableTransactionError::Abort)?;
            plans.insert(&id.to_be_bytes(), bytes)?;
            let subject = plan
                .township
                .clone()
                .unwrap_or_else(|| plan.usccs.join(","));
            let detail = serde_json::json!({
                "id": id, "from": plan.from, "to": plan.to, "seed": plan.seed,
                "cap": plan.cap, "enterprises": plan.enterprises.len(),
            });
            append_audit(audit, by, "plan.create", &subject, detail)?;
            Ok(saved)
        })?;
        self.flush()?;
        Ok(saved)
    }

    /// One plan by id.
    pub fn plan(&self, id: PlanId) -> Result<Option<Plan>, StoreError> {
        match self.inner.plans.get(id.to_be_bytes())? {
            Some(bytes) => Ok(Some(decode(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Every plan (of one township when given), newest first.
    pub fn plans(&self, township: Option<&str>) -> Result<Vec<Plan>, StoreError> {
        let mut out = Vec::new();
        for item in self.inner.plans.iter().rev() {
            let p: Plan = decode(&item?.1)?;
            if township.is_none_or(|t| p.township.as_deref() == Some(t)) {
                out.push(p);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(township: &str) -> Plan {
        Plan {
            id: None,
            created_at: None,
            created_by: None,
            township: Some(township.into()),
            usccs: vec![],
            from: "2026-12-01".parse().unwrap(),
            to: "2026-12-31".parse().unwrap(),
            seed: 3,
            cap: 2,
            considered: 0,
            figures: Default::default(),
            enterprises: vec![],
            left_out: vec![],
        }
    }

    #[test]
    fn plans_are_numbered_read_back_listed_and_audited() {
        let dir = tempfile::tempdir().unwrap();
        let by = Actor::department("应急管理局");
        {
            let store = Store::open(dir.path()).unwrap();
            let a = store.save_plan(&plan("袁花镇"), &by).unwrap();
            let b = store.save_plan(&plan("许村镇"), &by).unwrap();
            assert_eq!((a.id, b.id), (Some(1), Some(2)));
            assert_eq!(a.created_by.as_deref(), Some("应急管理局"));
            assert_eq!(store.audit_log(1, 0).unwrap()[0].action, "plan.create");
        }
        // durable: read back after reopening
        let store = Store::open(dir.path()).unwrap();
        let one = store.plan(1).unwrap().unwrap();
        assert_eq!(one.township.as_deref(), Some("袁花镇"));
        assert!(store.plan(9).unwrap().is_none());
        let all: Vec<_> = store.plans(None).unwrap().iter().map(|p| p.id).collect();
        assert_eq!(all, [Some(2), Some(1)]);
        assert_eq!(store.plans(Some("许村镇")).unwrap().len(), 1);
    }
}
