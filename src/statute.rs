//! The statute model: documents, their provisions, numbering and validity.
//!
//! This module is pure data and logic: no I/O, no engines. Importers build
//! [`Document`]s, the library stores them, search indexes them.
//!
//! ```
//! use regkb::statute::{ArticleNo, numeral::to_chinese_numeral};
//! assert_eq!(ArticleNo::new(39).label(), format!("第{}条", to_chinese_numeral(39)));
//! ```

mod article_no;
mod document;
mod kind;
pub mod numeral;
mod status;
mod versions;

pub use article_no::{ArticleNo, ArticleNoError};
pub use document::{
    Article, DocId, Document, Heading, HeadingLevel, HistoryEvent, Item, Paragraph, ProvisionRef,
    Section,
};
pub use kind::{DocKind, DocKindError};
pub use status::{Status, StatusError};
pub use versions::{document_status, status_as_of};
