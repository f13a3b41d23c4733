//! Recording a visit: read the enterprise and its latest check, prepare
//! and validate everything (nothing is written when anything is wrong),
//! then let the store write the observed facts, the hidden dangers, the
//! visit and the re-check in one transaction. The one function every
//! front end (HTTP, the web form, the CLI) records visits with.
//!
//! ```ignore
//! let written = visit::record(&store, &schema, &program, &new, &actor, today)?;
//! println!("visit {} registered {} hidden dangers", written.visit.id, written.dangers.len());
//! ```

use jiff::civil::Date;

use super::NewVisit;
use super::error::VisitError;
use super::prepare::{Basis, prepare};
use crate::dsl::CheckedProgram;
use crate::record::Schema;
use crate::store::{Actor, Store, StoreError, VisitWritten};

/// Records `new` on behalf of `by`; `today` bounds the visit date and is the
/// date of the re-check.
pub fn record(
    store: &Store,
    schema: &Schema,
    program: &CheckedProgram,
    new: &NewVisit,
    by: &Actor,
    today: Date,
) -> Result<VisitWritten, VisitError> {
    let stored = store
        .get(&new.uscc, None)?
        .ok_or_else(|| VisitError::UnknownEnterprise(new.uscc.to_string()))?;
    let latest = store.latest_check(&new.uscc)?;
    let plan = match new.plan {
        Some(id) => store.plan(id)?,
        None => None,
    };
    let basis = Basis {
        record: &stored,
        latest: latest.as_ref().map(|c| &c.result),
        program,
        schema,
        today,
        now: jiff::Timestamp::now(),
        plan: plan.as_ref(),
    };
    let write = prepare(new, &basis).map_err(VisitError::Invalid)?;
    let recheck = |record: &serde_json::Value| {
        crate::check::run(program, schema, record, today)
            .map(|r| r.result)
            .map_err(|r| StoreError::Rejected(r.problems))
    };
    Ok(store.record_visit(&write, by, schema, recheck)?)
}
