//! Statute citations in text: parsing a citation typed as a query, finding
//! every citation in free text, and checking each against the library.
//!
//! Pure logic: no I/O. Law names are kept as written; the [`Library`] resolves
//! them to full titles and versions.
//!
//! ```
//! use regkb::citation::{find_citations, parse_query_citation, NameList};
//! let q = parse_query_citation("安法 24条").unwrap();
//! assert_eq!((q.law.as_str(), q.article.number), ("安法", 24));
//!
//! let names = NameList::new(["安全生产法"]);
//! let found = find_citations("《消防法》第十六条、安全生产法第二十四条第一款", &names);
//! assert_eq!(found.len(), 2);
//! assert_eq!(found[1].paragraph, Some(1));
//! ```
//!
//! [`Library`]: crate::library::Library

mod check;
mod find;
mod names;
mod query;
mod scan;

pub(crate) use check::chinese_date;
pub use check::{CheckedCitation, CitationStatus, check_citation, cite_check, cite_check_with};
pub use find::{FindOptions, FoundCitation, LawMention, find_citations, find_citations_with};
pub use names::{KnownNames, LibraryNames, NameList};
pub use query::{QueryCitation, parse_query_citation};
