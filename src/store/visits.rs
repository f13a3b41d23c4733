//! On-site visits: stored one per id, listed per enterprise or per period,
//! and counted per department and year for the plan's visit cap. Every
//! write is one transaction with its audit entry, flushed before it returns.

use std::collections::BTreeMap;

use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use super::audit::append_audit;
use super::{Actor, Store, StoreError, decode, encode, now};
use crate::danger::DangerId;
use crate::record::Uscc;
use crate::visit::{NewVisit, Visit, VisitId};

/// The `meta` key holding the last visit id (ids count from 1).
const LAST_KEY: &[u8] = b"visit.last";

impl Store {
    /// Stores a visit (audited as `visit.record`, flushed) and returns it
    /// with its id. `dangers` are the hidden dangers already registered from
    /// its items.
    pub fn save_visit(
        &self,
        new: &NewVisit,
        township: Option<String>,
        dangers: &[DangerId],
        by: &Actor,
    ) -> Result<Visit, StoreError> {
        let inner = &self.inner;
        let tx = (&inner.visits, &inner.meta, &inner.audit);
        let visit = tx.transaction(|(visits, meta, audit)| {
            let last = meta
                .get(LAST_KEY)?
                .and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
                .map_or(0, u64::from_be_bytes);
            let id = last + 1;
            meta.insert(LAST_KEY, &id.to_be_bytes())?;
            let visit = Visit {
                id,
                township: township.clone(),
                recorded_at: now(),
                recorded_by: by.label.clone().unwrap_or_else(|| by.id.clone()),
                visit: new.clone(),
                dangers: dangers.to_vec(),
            };
            let bytes = encode(&visit).map_err(ConflictableTransactionError::Abort)?;
            visits.insert(&id.to_be_bytes(), bytes)?;
            let detail = serde_json::json!({
                "id": id, "date": new.date, "departments": new.departments,
                "items": new.items.len(), "dangers": dangers, "plan": new.plan,
            });
            append_audit(audit, by, "visit.record", new.uscc.as_str(), detail)?;
            Ok(visit)
        })?;
        self.flush()?;
        Ok(visit)
    }

    /// One visit by id.
    pub fn visit(&self, id: VisitId) -> Result<Option<Visit>, StoreError> {
        match self.inner.visits.get(id.to_be_bytes())? {
            Some(bytes) => Ok(Some(decode(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Visits whose day lies in `from..=to` (either bound optional), for one
    /// enterprise and/or township when given, oldest id first.
    pub fn visits(
        &self,
        uscc: Option<&Uscc>,
        township: Option<&str>,
        from: Option<jiff::civil::Date>,
        to: Option<jiff::civil::Date>,
    ) -> Result<Vec<Visit>, StoreError> {
        let mut out = Vec::new();
        for item in self.inner.visits.iter() {
            let v: Visit = decode(&item?.1)?;
            let day = v.visit.date;
            if uscc.is_none_or(|u| *u == v.visit.uscc)
                && township.is_none_or(|t| v.township.as_deref() == Some(t))
                && from.is_none_or(|f| f <= day)
                && to.is_none_or(|t| day <= t)
            {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// How many visits each department made to an enterprise in a calendar
    /// year (a joint visit counts once for every department that took part).
    pub fn department_visit_counts(
        &self,
        uscc: &Uscc,
        year: i16,
    ) -> Result<BTreeMap<String, u32>, StoreError> {
        let mut counts = BTreeMap::new();
        for v in self.visits(Some(uscc), None, None, None)? {
            if v.visit.date.year() == year {
                for d in &v.visit.departments {
                    *counts.entry(d.clone()).or_insert(0) += 1;
                }
            }
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::visit::{ItemOutcome, VisitItem};

    fn visit(uscc: &str, date: &str, departments: &[&str]) -> NewVisit {
        NewVisit {
            uscc: uscc.parse().unwrap(),
            date: date.parse().unwrap(),
            departments: departments.iter().map(|d| d.to_string()).collect(),
            inspectors: vec!["王五".into()],
            plan: None,
            items: vec![VisitItem {
                rules: vec!["R-1".into()],
                outcome: ItemOutcome::Compliant,
                note: None,
                facts: vec![],
                danger: None,
            }],
        }
    }

    #[test]
    fn visits_are_numbered_listed_and_counted_per_department_and_year() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let by = Actor::department("应急管理局");
        let a = "91330481MA2B00000Y";
        let b = "91330481MA2B00001W";
        let v1 = store
            .save_visit(
                &visit(a, "2026-03-01", &["应急管理", "消防"]),
                Some("袁花镇".into()),
                &[],
                &by,
            )
            .unwrap();
        let v2 = store
            .save_visit(
                &visit(a, "2026-09-01", &["应急管理"]),
                Some("袁花镇".into()),
                &[7],
                &by,
            )
            .unwrap();
        store
            .save_visit(&visit(a, "2025-12-31", &["应急管理"]), None, &[], &by)
            .unwrap();
        store
            .save_visit(&visit(b, "2026-05-01", &["消防"]), None, &[], &by)
            .unwrap();
        assert_eq!((v1.id, v2.id), (1, 2));
        assert_eq!(store.visit(2).unwrap().unwrap().dangers, vec![7]);
        let counts = store
            .department_visit_counts(&a.parse().unwrap(), 2026)
            .unwrap();
        assert_eq!(counts.get("应急管理"), Some(&2));
        assert_eq!(counts.get("消防"), Some(&1));
        let in_town = store.visits(None, Some("袁花镇"), None, None).unwrap();
        assert_eq!(in_town.len(), 2);
        let summer = store
            .visits(
                None,
                None,
                Some("2026-04-01".parse().unwrap()),
                Some("2026-09-01".parse().unwrap()),
            )
            .unwrap();
        assert_eq!(summer.iter().map(|v| v.id).collect::<Vec<_>>(), vec![2, 4]);
        assert_eq!(store.audit_log(10, 0).unwrap()[0].action, "visit.record");
    }
}
