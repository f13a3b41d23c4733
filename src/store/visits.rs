//! On-site visits: stored one per id, listed per enterprise or per period,
//! and counted per department and year for the plan's visit cap. Every
//! write is one transaction with its audit entry, flushed before it returns.
//!
//! [`Store::record_visit`] writes everything a recorded visit changes in
//! **one** transaction: the observed facts as a merge patch of the record
//! (provenance `inspection`, `visit:{id}`, observed on the visit's day), the
//! hidden dangers registered from its items (and the transitions of those
//! put right on the spot), the visit itself, and the re-check of the record
//! that results. Either all of it is written or nothing is.

use std::collections::BTreeMap;

use serde_json::Value;
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::audit::append_audit;
use super::checks::save_check_in;
use super::dangers::{create_in, transition_in};
use super::records::{RecordWrite, read_in, write_in};
use super::{
    Actor, ActorKind, ChangeOp, Store, StoreError, StoredCheck, Version, decode, encode, next_id,
    now,
};
use crate::check::CheckResult;
use crate::danger::{DangerId, HiddenDanger, NewDanger, TransitionRequest};
use crate::record::{Schema, Uscc};
use crate::visit::{NewVisit, Visit, VisitId};

/// The `meta` key holding the last visit id (ids count from 1).
const LAST_KEY: &[u8] = b"visit.last";

/// Everything a recorded visit writes, prepared and validated beforehand
/// (see `crate::visit::record`).
#[derive(Debug, Clone, PartialEq)]
pub struct VisitWrite {
    pub visit: NewVisit,
    /// The enterprise's township, kept on the visit for listings.
    pub township: Option<String>,
    /// The merge patch of the facts observed on site, if any.
    pub facts: Option<Value>,
    pub dangers: Vec<DangerWrite>,
}

/// A hidden danger to register from a visit item.
#[derive(Debug, Clone, PartialEq)]
pub struct DangerWrite {
    /// Which item of the visit it comes from (0-based).
    pub item: usize,
    pub new: NewDanger,
    /// Transitions applied right after registration (当场整改: start,
    /// submit, accept), each through the state machine and audited.
    pub then: Vec<TransitionRequest>,
}

/// What [`Store::record_visit`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitWritten {
    pub visit: Visit,
    pub dangers: Vec<HiddenDanger>,
    /// The record version after the observed facts (unchanged without facts).
    pub record_version: Version,
    pub check: StoredCheck,
}

/// The provenance actor of facts observed on visit `id`.
pub fn inspection_actor(id: VisitId, inspectors: &[String]) -> Actor {
    Actor {
        kind: ActorKind::Inspection,
        id: format!("visit:{id}"),
        label: Some(inspectors.join("、")).filter(|l| !l.is_empty()),
    }
}

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
            let id = next_id(meta, LAST_KEY)?;
            save_in(visits, audit, id, new, township.clone(), dangers, by)
        })?;
        self.flush()?;
        Ok(visit)
    }

    /// Records a visit whole, in one transaction (see the module
    /// documentation): observed facts, hidden dangers, the visit, and the
    /// check `recheck` makes of the resulting record. The enterprise must
    /// exist ([`StoreError::NotFound`]); a patch that does not validate, a
    /// danger the state machine refuses, or a failed re-check abort it all.
    pub fn record_visit(
        &self,
        w: &VisitWrite,
        by: &Actor,
        schema: &Schema,
        recheck: impl Fn(&Value) -> Result<CheckResult, StoreError>,
    ) -> Result<VisitWritten, StoreError> {
        let inner = &self.inner;
        let uscc = &w.visit.uscc;
        let tx = (
            &inner.records,
            &inner.history,
            &inner.audit,
            &inner.dangers,
            &inner.meta,
            &inner.visits,
            &inner.checks,
        );
        let written =
            tx.transaction(|(records, history, audit, dangers, meta, visits, checks)| {
                let abort = ConflictableTransactionError::Abort;
                let previous = read_in(records, uscc)?.ok_or_else(|| {
                    abort(StoreError::NotFound {
                        what: "enterprise record",
                        id: uscc.to_string(),
                    })
                })?;
                let id = next_id(meta, LAST_KEY)?;
                let (record, record_version) = match &w.facts {
                    Some(patch) => {
                        let op = ChangeOp::Patch(patch.clone());
                        let inspection = inspection_actor(id, &w.visit.inspectors);
                        let write = RecordWrite {
                            uscc,
                            op: &op,
                            by: &inspection,
                            observed_on: Some(w.visit.date),
                            schema,
                        };
                        let change = write_in(records, history, Some(&previous), &write)?;
                        let detail = serde_json::json!({"version": change.version, "visit": id});
                        append_audit(audit, by, write.action(), uscc.as_str(), detail)?;
                        (change.record, change.version)
                    }
                    None => (previous.record, previous.version),
                };
                let mut made = Vec::with_capacity(w.dangers.len());
                for d in &w.dangers {
                    let new = NewDanger {
                        visit: Some(id),
                        ..d.new.clone()
                    };
                    let mut danger = create_in(meta, audit, &new, by)?;
                    for req in &d.then {
                        transition_in(audit, &mut danger, req, by)?;
                    }
                    let bytes = encode(&danger).map_err(abort)?;
                    dangers.insert(&danger.id.to_be_bytes(), bytes)?;
                    made.push(danger);
                }
                let ids: Vec<DangerId> = made.iter().map(|d| d.id).collect();
                let visit = save_in(visits, audit, id, &w.visit, w.township.clone(), &ids, by)?;
                let result = recheck(&record).map_err(abort)?;
                let check = save_check_in(checks, audit, uscc, &result, Some(record_version), by)?;
                Ok(VisitWritten {
                    visit,
                    dangers: made,
                    record_version,
                    check,
                })
            })?;
        self.flush()?;
        Ok(written)
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
        Ok(self
            .department_visit_counts_by_enterprise(year)?
            .remove(uscc)
            .unwrap_or_default())
    }

    /// [`Store::department_visit_counts`] of every visited enterprise, read
    /// in one pass over the visits.
    pub fn department_visit_counts_by_enterprise(
        &self,
        year: i16,
    ) -> Result<BTreeMap<Uscc, BTreeMap<String, u32>>, StoreError> {
        let mut counts: BTreeMap<Uscc, BTreeMap<String, u32>> = BTreeMap::new();
        for v in self.visits(None, None, None, None)? {
            if v.visit.date.year() == year {
                let of = counts.entry(v.visit.uscc.clone()).or_default();
                for d in &v.visit.departments {
                    *of.entry(d.clone()).or_insert(0) += 1;
                }
            }
        }
        Ok(counts)
    }
}

/// Stores visit `id` and audits it (`visit.record`) inside a transaction.
fn save_in(
    visits: &TransactionalTree,
    audit: &TransactionalTree,
    id: VisitId,
    new: &NewVisit,
    township: Option<String>,
    dangers: &[DangerId],
    by: &Actor,
) -> Result<Visit, ConflictableTransactionError<StoreError>> {
    let visit = Visit {
        id,
        township,
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

    #[test]
    fn a_recorded_visit_is_written_whole_or_not_at_all() {
        use crate::danger::{Action, Level, NewDanger, Source, State, TransitionRequest};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let schema = Schema::load_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/schema"),
        )
        .unwrap();
        let uscc: Uscc = "91330481MA2B00000Y".parse().unwrap();
        let by = Actor::department("应急管理局");
        let record = serde_json::json!({"uscc": uscc.as_str(), "name": "测试公司"});
        store.put(&uscc, record, &by, &schema).unwrap();
        let at: jiff::Timestamp = "2026-11-21T01:00:00Z".parse().unwrap();
        let danger = |then: Vec<TransitionRequest>| DangerWrite {
            item: 0,
            new: NewDanger {
                uscc: uscc.clone(),
                township: None,
                level: Level::General,
                title: "测试隐患".into(),
                source: Source::Inspector {
                    text: "测试".into(),
                },
                found_by: "王五".into(),
                owner: "赵六".into(),
                deadline: "2026-11-20".parse().unwrap(),
                measures: None,
                funds: None,
                rectification_plan: None,
                visit: None,
            },
            then,
        };
        let mut w = VisitWrite {
            visit: visit(uscc.as_str(), "2026-11-20", &["应急管理"]),
            township: None,
            facts: Some(serde_json::json!({"employees": 12})),
            dangers: vec![
                danger(vec![]),
                // accepting a danger still 待整改 is illegal: the whole visit is refused
                danger(vec![
                    TransitionRequest::new(Action::Accept, "王五", at).note("x"),
                ]),
            ],
        };
        let recheck = |_: &Value| -> Result<CheckResult, StoreError> {
            serde_json::from_value(serde_json::json!({
                "enterprise": "91330481MA2B00000Y", "as_of": "2026-11-21",
                "summary": {"fail": 0, "unknown": 0, "pass": 0, "not_applicable": 0},
                "findings": [], "major_hazards": []
            }))
            .map_err(|e| StoreError::Corrupt(e.to_string()))
        };
        let err = store.record_visit(&w, &by, &schema, recheck).unwrap_err();
        assert!(matches!(err, StoreError::Danger(_)), "{err}");
        assert_eq!(store.get(&uscc, None).unwrap().unwrap().version, 1);
        assert!(store.visits(None, None, None, None).unwrap().is_empty());
        assert!(store.dangers(&Default::default()).unwrap().is_empty());
        assert!(store.latest_check(&uscc).unwrap().is_none());
        // a legal visit: everything at once, facts attributed to the inspection
        w.dangers.truncate(1);
        let done = store.record_visit(&w, &by, &schema, recheck).unwrap();
        assert_eq!((done.visit.id, done.record_version), (1, 2));
        assert_eq!(done.dangers[0].state, State::Pending);
        assert_eq!(done.visit.dangers, vec![done.dangers[0].id]);
        // the danger knows its visit, also as stored
        assert_eq!(done.dangers[0].visit, Some(done.visit.id));
        let stored = store.danger(done.dangers[0].id).unwrap().unwrap();
        assert_eq!(stored.visit, Some(done.visit.id));
        let now = store.get(&uscc, None).unwrap().unwrap();
        let src = &now.provenance["/employees"];
        assert_eq!(src.by.kind, ActorKind::Inspection);
        assert_eq!(src.by.id, "visit:1");
        assert_eq!(src.by.label.as_deref(), Some("王五"));
        assert_eq!(src.observed_on, Some("2026-11-20".parse().unwrap()));
        assert_eq!(now.provenance["/name"].by.id, "应急管理局");
        assert_eq!(
            store.latest_check(&uscc).unwrap().unwrap().record_version,
            Some(2)
        );
        let actions: Vec<String> = store
            .audit_log(10, 0)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [
                "check.save",
                "visit.record",
                "danger.create",
                "record.patch",
                "record.put"
            ]
        );
    }
}
