//! Building the index from the library: entries, the query dictionary and
//! the catalog, written to a fresh folder and swapped in when complete.
//!
//! ```ignore
//! let report = build_index(&library, &index_dir, "fingerprint", &vocabulary)?;
//! println!("{} entries", report.counts.entries);
//! ```

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tantivy::schema::TantivyDocument;
use tantivy::{Index, IndexWriter};

use crate::library::Library;
use crate::statute::{ArticleNo, Document};

use super::catalog::{Catalog, Counts, DocMeta, SCHEMA_VERSION, name_table};
use super::schema::{Fields, LEVEL_ARTICLE, LEVEL_DOCUMENT, normalize_region};
use super::segmenter::Segmenter;
use super::tokenizer::{JiebaTokenizer, TOKENIZER_NAME};
use super::vocabulary::Vocabulary;
use super::{CATALOG_FILE, QUERY_DICT_FILE, SearchError};

/// What a build did.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub counts: Counts,
    pub seconds: f64,
    pub dictionary_seconds: f64,
    pub query_dictionary_words: usize,
}

/// A linked interpretation or case as stored with an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LinkedMaterial {
    pub title: String,
    pub kind: String,
    pub summary: String,
}

fn tantivy_err(e: impl std::fmt::Display) -> SearchError {
    SearchError::Engine(e.to_string())
}

fn io_err(path: &Path, e: std::io::Error) -> SearchError {
    SearchError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Builds the index for `lib` into `dir` (replacing what is there).
pub fn build_index(
    lib: &Library,
    dir: &Path,
    fingerprint: &str,
    vocab: &Vocabulary,
) -> Result<BuildReport, SearchError> {
    let started = Instant::now();
    let seg = Arc::new(Segmenter::full(&vocab.user_words));
    let dictionary_seconds = started.elapsed().as_secs_f64();

    let tmp = sibling(dir, "building");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| io_err(&tmp, e))?;
    let (schema, fields) = Fields::build();
    let index = Index::create_in_dir(&tmp, schema).map_err(tantivy_err)?;
    index
        .tokenizers()
        .register(TOKENIZER_NAME, JiebaTokenizer::new(seg.clone()));
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4);
    let mut writer: IndexWriter = index
        .writer_with_num_threads(threads, threads * 96_000_000)
        .map_err(tantivy_err)?;

    let linked = linked_articles(lib);
    let mut counts = Counts::default();
    let mut docs = Vec::with_capacity(lib.documents().len());
    for (ord, doc) in lib.documents().iter().enumerate() {
        docs.push(DocMeta::from_document(lib, doc));
        counts.documents += 1;
        writer
            .add_document(document_entry(&fields, ord as u64, doc))
            .map_err(tantivy_err)?;
        counts.entries += 1;
        if !doc.kind.is_normative() {
            continue;
        }
        for article in &doc.articles {
            let material = if linked.contains(&(doc.title.clone(), article.no)) {
                lib.linked_material(&doc.title, article.no)
                    .into_iter()
                    .map(summarize)
                    .collect()
            } else {
                Vec::new()
            };
            writer
                .add_document(article_entry(&fields, ord as u64, doc, article, &material))
                .map_err(tantivy_err)?;
            counts.articles += 1;
            counts.entries += 1;
        }
    }
    writer.commit().map_err(tantivy_err)?;
    // One segment: every query term is then looked up, and every scorer
    // built, once instead of once per writer thread's segment.
    let segments = index.searchable_segment_ids().map_err(tantivy_err)?;
    if segments.len() > 1 {
        writer.merge(&segments).wait().map_err(tantivy_err)?;
    }
    writer.wait_merging_threads().map_err(tantivy_err)?;

    let dict = query_dictionary(&index, &fields, &seg, vocab)?;
    let dict_path = tmp.join(QUERY_DICT_FILE);
    std::fs::write(&dict_path, &dict).map_err(|e| io_err(&dict_path, e))?;

    let catalog = Catalog {
        schema_version: SCHEMA_VERSION,
        fingerprint: fingerprint.to_string(),
        counts: counts.clone(),
        docs,
        names: name_table(lib, &vocab.alias_names),
        synonyms_toml: vocab.synonyms_toml.clone(),
    };
    let cat_path = tmp.join(CATALOG_FILE);
    let json = serde_json::to_vec(&catalog).map_err(|e| SearchError::Engine(e.to_string()))?;
    std::fs::write(&cat_path, json).map_err(|e| io_err(&cat_path, e))?;
    drop(index);
    swap_in(&tmp, dir)?;
    Ok(BuildReport {
        counts,
        seconds: started.elapsed().as_secs_f64(),
        dictionary_seconds,
        query_dictionary_words: dict.lines().count(),
    })
}

fn sibling(dir: &Path, what: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "index".to_string());
    dir.with_file_name(format!("{name}.{what}-{}", std::process::id()))
}

/// Replaces `dir` by `tmp`: the old index is moved aside first and removed
/// after, so a reader never sees half an index.
fn swap_in(tmp: &Path, dir: &Path) -> Result<(), SearchError> {
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
    }
    let old = sibling(dir, "old");
    if dir.exists() {
        let _ = std::fs::remove_dir_all(&old);
        std::fs::rename(dir, &old).map_err(|e| io_err(dir, e))?;
    }
    std::fs::rename(tmp, dir).map_err(|e| io_err(dir, e))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// (title, article) pairs some interpretation or case links to.
fn linked_articles(lib: &Library) -> HashSet<(String, ArticleNo)> {
    let mut out = HashSet::new();
    for d in lib.documents().iter().filter(|d| !d.kind.is_normative()) {
        for l in &d.links {
            if let (Some(title), Some(no)) = (lib.resolve_title(&l.law), l.article) {
                out.insert((title.to_string(), no));
            }
        }
    }
    out
}

fn summarize(d: &Document) -> LinkedMaterial {
    let body = d
        .sections
        .first()
        .map(|s| s.text.as_str())
        .or_else(|| d.preamble.first().map(String::as_str))
        .unwrap_or("");
    let flat: String = body
        .lines()
        .map(|l| l.trim().trim_start_matches(['-', '*', '#']).trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut summary: String = flat.chars().take(80).collect();
    if flat.chars().count() > 80 {
        summary.push('…');
    }
    LinkedMaterial {
        title: d.title.clone(),
        kind: d.kind.label().to_string(),
        summary,
    }
}

fn common(fields: &Fields, ord: u64, doc: &Document) -> TantivyDocument {
    let mut t = TantivyDocument::default();
    t.add_text(fields.doc_id, &doc.id.0);
    t.add_u64(fields.doc_ord, ord);
    t.add_text(fields.law, &doc.title);
    t.add_text(fields.kind, doc.kind.label());
    if let Some(r) = &doc.region {
        t.add_text(fields.region, normalize_region(r));
    }
    if let Some(i) = &doc.issuer {
        t.add_text(fields.issuer, i);
    }
    if let Some(v) = doc.version_date.or(doc.starts()) {
        t.add_text(fields.version, v.to_string());
    }
    t
}

fn document_entry(fields: &Fields, ord: u64, doc: &Document) -> TantivyDocument {
    let mut t = common(fields, ord, doc);
    t.add_text(fields.entry_id, &doc.id.0);
    t.add_text(fields.level, LEVEL_DOCUMENT);
    t.add_text(fields.title, &doc.title);
    for a in &doc.aliases {
        t.add_text(fields.title, a);
    }
    let mut body = doc.preamble.join("\n");
    for s in &doc.sections {
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(&s.title);
        body.push('：');
        body.push_str(&s.text);
    }
    if !doc.kind.is_normative() {
        for a in &doc.articles {
            body.push('\n');
            body.push_str(&a.no.label());
            body.push(' ');
            body.push_str(&a.text());
        }
    }
    t.add_text(fields.text, body);
    t
}

fn article_entry(
    fields: &Fields,
    ord: u64,
    doc: &Document,
    article: &crate::statute::Article,
    linked: &[LinkedMaterial],
) -> TantivyDocument {
    let mut t = common(fields, ord, doc);
    t.add_text(fields.entry_id, provision_id(&doc.id.0, article.no));
    t.add_text(fields.level, LEVEL_ARTICLE);
    t.add_text(fields.chapter, article.chapter_path());
    t.add_text(fields.text, article.text());
    t.add_u64(fields.article_number, u64::from(article.no.number));
    t.add_text(fields.article_key, article.no.key());
    t.add_text(fields.article_label, article.no.label());
    if !linked.is_empty()
        && let Ok(json) = serde_json::to_string(linked)
    {
        t.add_text(fields.interpretations, json);
    }
    t
}

/// The stable id of an article: `<document id>#<article key>`.
pub fn provision_id(doc_id: &str, no: ArticleNo) -> String {
    format!("{doc_id}#{}", no.key())
}

/// Words of the full dictionary that occur in the index, plus the project's
/// vocabulary: enough to segment queries the way the text was segmented.
fn query_dictionary(
    index: &Index,
    fields: &Fields,
    seg: &Segmenter,
    vocab: &Vocabulary,
) -> Result<String, SearchError> {
    // Manual reload: the default policy starts a file watcher that outlives
    // this read and logs errors once the build directory is renamed.
    let reader = index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()
        .map_err(tantivy_err)?;
    let searcher = reader.searcher();
    let mut terms: HashSet<String> = HashSet::new();
    for sr in searcher.segment_readers() {
        for field in [fields.text, fields.title, fields.chapter] {
            let inv = sr.inverted_index(field).map_err(tantivy_err)?;
            let mut stream = inv.terms().stream().map_err(tantivy_err)?;
            while stream.advance() {
                if let Ok(s) = std::str::from_utf8(stream.key()) {
                    terms.insert(s.to_string());
                }
            }
        }
    }
    let mut extra = vocab.user_words.clone();
    extra.extend(
        vocab
            .synonyms
            .vocabulary()
            .map(|w| super::segmenter::DictWord {
                word: w.to_string(),
                freq: None,
            }),
    );
    let mut sorted: Vec<&str> = terms.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    Ok(seg.export_dictionary(sorted, &extra))
}
