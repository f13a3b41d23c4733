//! Check results in the shape of the contract (`shared/spec/enterprise-record.md`):
//! findings per rule, a summary, and GB 18218 major hazards per unit.

mod result;

pub use result::{
    CheckResult, CitationOut, Fact, Finding, MajorHazard, Outcome, Severity, Summary,
};
