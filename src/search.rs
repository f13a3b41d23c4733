//! Full-text search over the library: a tantivy index with our own jieba
//! tokenizer, query understanding for colloquial questions, citation
//! queries, filters by kind, status, region and date, and snippets.
//!
//! This is the only module that knows tantivy and jieba-rs. The index lives
//! in [`DataDir::index_dir`] with a catalog that records the library
//! fingerprint it was built from; [`ensure_index`] rebuilds it when the
//! library changed.
//!
//! ```no_run
//! use regkb::config::{ContentPaths, DataDir};
//! use regkb::search::{SearchRequest, ensure_index};
//! let data = DataDir::new("/tmp/regkb");
//! let (index, _built) = ensure_index(&data, &ContentPaths::default(), false)?;
//! let results = index.search(&SearchRequest::new("危化品仓库要不要装监控"))?;
//! for hit in results.hits {
//!     println!("{} {}", hit.citation, hit.snippet);
//! }
//! # Ok::<(), regkb::Error>(())
//! ```
//!
//! [`DataDir::index_dir`]: crate::config::DataDir::index_dir

mod build;
mod cache;
mod catalog;
mod engine;
mod normalize;
mod query;
mod relevance;
mod schema;
mod segmenter;
mod snippet;
mod synonyms;
mod tokenizer;
mod vocabulary;

use crate::config::{ContentPaths, DataDir};
use crate::library::Library;

pub use build::{BuildReport, LinkedMaterial, build_index, provision_id};
pub use cache::{CacheKey, CacheStats, CachedResult, DEFAULT_CACHE_BYTES, ResultCache};
pub use catalog::{Catalog, Counts, DocMeta, SCHEMA_VERSION};
pub use engine::{Hit, MAX_LIMIT, SearchIndex, SearchRequest, SearchResults, read_catalog, today};
pub use query::{Group, MAX_QUERY_CHARS, Plan};
pub use relevance::{Evaluation, Judgement, QueryScore, RelevanceSet, evaluate};
pub use segmenter::{DictWord, Piece, Segmenter, parse_user_dictionary};
pub use snippet::{Snippet, make_snippet};
pub use synonyms::Synonyms;
pub use vocabulary::Vocabulary;

/// The catalog file next to tantivy's files.
pub const CATALOG_FILE: &str = "catalog.json";
/// The query dictionary file next to tantivy's files.
pub const QUERY_DICT_FILE: &str = "query-dict.txt";

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("cannot read or write `{path}`: {reason}")]
    Io { path: String, reason: String },
    #[error("{}", vocabulary_message(.path, .line, .reason))]
    Vocabulary {
        path: String,
        line: Option<usize>,
        reason: String,
    },
    #[error("no search index in `{path}`; run `regkb index` first")]
    NoIndex { path: String },
    #[error("the relevance file `{path}` is invalid: {reason}")]
    Relevance { path: String, reason: String },
    #[error("search engine failure: {0}")]
    Engine(String),
}

fn vocabulary_message(path: &str, line: &Option<usize>, reason: &str) -> String {
    match line {
        Some(l) => format!("bad vocabulary file `{path}` at line {l}: {reason}"),
        None => format!("bad vocabulary file `{path}`: {reason}"),
    }
}

/// Whether [`ensure_index`] had to build.
#[derive(Debug, Clone)]
pub enum IndexState {
    UpToDate(Counts),
    Built(BuildReport),
}

/// Opens the index, building it first when it is missing, built by another
/// schema version or from a different library (or when `force` is set).
pub fn ensure_index(
    data: &DataDir,
    content: &ContentPaths,
    force: bool,
) -> crate::Result<(SearchIndex, IndexState)> {
    let dir = data.index_dir();
    let fingerprint = Library::fingerprint(data, content)?;
    let current = read_catalog(&dir).filter(|c| c.fingerprint == fingerprint);
    let state = match current {
        Some(c) if !force => IndexState::UpToDate(c.counts),
        _ => {
            let lib = Library::load(data, content)?;
            if lib.is_empty() {
                return Err(crate::library::LibraryError::Empty.into());
            }
            let vocab = Vocabulary::load(content)?;
            IndexState::Built(build_index(&lib, &dir, &fingerprint, &vocab)?)
        }
    };
    Ok((SearchIndex::open(&dir)?, state))
}
