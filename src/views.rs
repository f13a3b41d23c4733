//! Views: the JSON shapes both front ends answer with, built from the
//! library and the citation checker. `regkb show --json` and
//! `GET /api/v1/provisions/{law}/{article}` give one [`ShownArticle`];
//! `regkb cite-check --json` and `POST /api/v1/cite-check` give one
//! [`CitationReport`]. The web pages render the same values.
//!
//! ```
//! use regkb::library::{Aliases, Library};
//! let lib = Library::from_documents(vec![], &Aliases::default());
//! let day = jiff::civil::date(2026, 1, 1);
//! let err = regkb::views::provision(&lib, "安全生产法", "24", day).unwrap_err();
//! assert!(matches!(err, regkb::views::ProvisionError::NoStatutes));
//! let report = regkb::views::citation_report(&[], "没有引用");
//! assert!(report.citations.is_empty());
//! ```

mod citations;
mod provision;

pub use citations::{CharSpan, CitationReport, CitationView, citation_report, line_of};
pub use provision::{
    LinkedMaterial, ProvisionError, ShownArticle, ShownItem, ShownParagraph, provision,
};
