//! Statute citations in text: parsing a citation typed as a query, finding
//! every citation in free text, and checking each against the library.
//!
//! Pure logic: no I/O. Law names are kept as written; the [`Library`] resolves
//! them to full titles and versions.
//!
//! ```
//! use regkb::citation::parse_query_citation;
//! let q = parse_query_citation("安法 24条").unwrap();
//! assert_eq!((q.law.as_str(), q.article.number), ("安法", 24));
//! ```
//!
//! [`Library`]: crate::library::Library

mod query;
mod scan;

pub use query::{QueryCitation, parse_query_citation};
