//! What the index needs besides tantivy's files, kept in `catalog.json` next
//! to them: the schema version and library fingerprint it was built from,
//! one record per document version (with its status timeline, so status as
//! of any day is known without loading the library), the law-name table for
//! citation queries, and the query vocabulary.
//!
//! ```ignore
//! let day = jiff::civil::date(2026, 3, 1);
//! let status = catalog.docs[0].status_on(day);
//! ```

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::library::{Library, normalize_law_name};
use crate::statute::{DocKind, Document, Status};

/// Bumped whenever the schema, tokenization or catalog layout changes, so an
/// old index is rebuilt instead of misread.
pub const SCHEMA_VERSION: u32 = 5;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Catalog {
    pub schema_version: u32,
    pub fingerprint: String,
    pub counts: Counts,
    /// Document versions; a hit's `doc_ord` indexes this list.
    pub docs: Vec<DocMeta>,
    /// Normalized law name (title, short title, alias) → full title.
    pub names: BTreeMap<String, String>,
    /// The synonym file the index was built with (query-time vocabulary).
    pub synonyms_toml: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub documents: usize,
    pub articles: usize,
    pub entries: usize,
}

/// One document version as search needs it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocMeta {
    pub id: String,
    pub title: String,
    pub kind: DocKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_date: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repealed: Option<Date>,
    /// Status from each change date on (`None` = from the beginning),
    /// computed by the library; the status as of a day is the last entry
    /// starting on or before it.
    pub timeline: Vec<(Option<Date>, Status)>,
}

impl DocMeta {
    pub fn from_document(lib: &Library, doc: &Document) -> Self {
        DocMeta {
            id: doc.id.0.clone(),
            title: doc.title.clone(),
            kind: doc.kind,
            region: doc.region.clone(),
            issuer: doc.issuer.clone(),
            starts: doc.starts(),
            effective: doc.effective,
            version_date: doc.version_date,
            repealed: doc.repealed,
            timeline: timeline(lib, doc),
        }
    }

    pub fn status_on(&self, day: Date) -> Status {
        let mut status = Status::InForce;
        for (from, s) in &self.timeline {
            match from {
                Some(d) if *d > day => break,
                _ => status = *s,
            }
        }
        status
    }
}

/// The library's status of `doc` is constant between the start and repeal
/// dates of the versions of its law, so evaluating it on each of those
/// dates gives the whole timeline.
fn timeline(lib: &Library, doc: &Document) -> Vec<(Option<Date>, Status)> {
    let mut points: Vec<Date> = lib
        .versions(&doc.title)
        .iter()
        .chain(std::iter::once(&doc))
        .flat_map(|d| [d.starts(), d.repealed])
        .flatten()
        .collect();
    points.sort();
    points.dedup();
    let mut out = vec![(None, lib.status(doc, Date::MIN))];
    for p in points {
        let s = lib.status(doc, p);
        if out.last().is_none_or(|(_, last)| *last != s) {
            out.push((Some(p), s));
        }
    }
    out
}

impl Catalog {
    /// The full title a name (with or without 《》, short, alias) stands for.
    pub fn resolve_title(&self, name: &str) -> Option<&str> {
        self.names
            .get(&normalize_law_name(name))
            .map(String::as_str)
    }

    /// The version of `title` that applies on `day`, by the library's rule:
    /// the one in force, else the newest that has started, else the oldest.
    pub fn version_as_of(&self, title: &str, day: Date) -> Option<usize> {
        let versions: Vec<usize> = self
            .docs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.title == title)
            .map(|(i, _)| i)
            .collect();
        self.pick_version(&self.sorted_versions(versions), day)
    }

    /// Document ords grouped by title, each group sorted by start date (for
    /// [`Catalog::pick_version`]); computed once when an index is opened.
    pub fn versions_by_title(&self) -> Vec<Vec<usize>> {
        let mut groups: std::collections::HashMap<&str, Vec<usize>> =
            std::collections::HashMap::new();
        let mut order: Vec<&str> = Vec::new();
        for (i, d) in self.docs.iter().enumerate() {
            let group = groups.entry(d.title.as_str()).or_default();
            if group.is_empty() {
                order.push(d.title.as_str());
            }
            group.push(i);
        }
        order
            .into_iter()
            .filter_map(|t| groups.remove(t))
            .map(|v| self.sorted_versions(v))
            .collect()
    }

    fn sorted_versions(&self, mut versions: Vec<usize>) -> Vec<usize> {
        versions.sort_by_key(|&i| self.docs.get(i).and_then(|d| d.starts));
        versions
    }

    /// The version among `versions` (one title's, sorted by start date)
    /// that applies on `day`.
    pub fn pick_version(&self, versions: &[usize], day: Date) -> Option<usize> {
        let doc = |i: &usize| self.docs.get(*i);
        if let Some(&i) = versions
            .iter()
            .rev()
            .find(|i| doc(i).is_some_and(|d| d.status_on(day) == Status::InForce))
        {
            return Some(i);
        }
        versions
            .iter()
            .rev()
            .find(|i| doc(i).is_some_and(|d| d.starts.is_none_or(|s| s <= day)))
            .or_else(|| versions.first())
            .copied()
    }
}

/// Every name the library resolves, as the table citation queries use:
/// titles, document aliases, titles without 中华人民共和国, and the experts'
/// alias list. The library decides what each resolves to.
pub fn name_table(lib: &Library, extra: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut add = |name: &str| {
        if let Some(title) = lib.resolve_title(name) {
            out.insert(normalize_law_name(name), title.to_string());
        }
    };
    for d in lib.documents() {
        add(&d.title);
        for a in &d.aliases {
            add(a);
        }
        if let Some(short) = d.title.strip_prefix("中华人民共和国") {
            add(short);
        }
    }
    for name in extra {
        add(name);
    }
    out
}
