//! Check results in the shape of the contract (`shared/spec/enterprise-record.md`):
//! findings per rule, a summary, and GB 18218 major hazards per unit; their
//! assembly from a validated record and the rule evaluator, and the Chinese
//! text rendering for township staff.

mod assemble;
mod render;
mod result;
mod shared_str;

pub use assemble::{CheckReport, Rejected, assemble, run, run_engine, run_valid};
pub use render::{RenderContext, cite_label, render_problems, render_text};
pub use result::{
    CheckResult, CitationOut, ConflictOut, Fact, Finding, MajorHazard, Outcome, Severity, Summary,
};
pub use shared_str::SharedStr;
