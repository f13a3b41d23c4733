//! Opening a built index and answering searches: filters, status as of a
//! day, citation queries, snippets and result records.
//!
//! ```ignore
//! let index = SearchIndex::open(&data.index_dir())?;
//! let results = index.search(&SearchRequest::new("危化品仓库要不要装监控"))?;
//! ```

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use jiff::civil::Date;
use serde::Serialize;
use tantivy::collector::{Count, FilterCollector, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, TantivyDocument};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, Term};

use crate::citation::parse_query_citation;
use crate::statute::numeral::to_chinese_numeral;
use crate::statute::{DocKind, Status};

use super::build::LinkedMaterial;
use super::cache::{CacheKey, CacheStats, CachedResult, DEFAULT_CACHE_BYTES, ResultCache};
use super::catalog::{Catalog, SCHEMA_VERSION};
use super::query::{LawNames, Plan, analyze, build, cap_query};
use super::schema::{Fields, LEVEL_DOCUMENT, normalize_region};
use super::segmenter::Segmenter;
use super::snippet::{Snippet, make_snippet};
use super::synonyms::Synonyms;
use super::{CATALOG_FILE, QUERY_DICT_FILE, SearchError};

/// Characters of text shown around the matches.
const SNIPPET_CHARS: usize = 90;
/// Most results one request may ask for.
pub const MAX_LIMIT: usize = 1000;

/// What to search for and how to filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    pub query: String,
    /// Empty: every kind.
    pub kinds: Vec<DocKind>,
    /// `None`: in force only.
    pub statuses: Option<Vec<Status>>,
    pub region: Option<String>,
    /// The day statuses are judged on; `None`: today.
    pub as_of: Option<Date>,
    pub limit: usize,
    pub offset: usize,
}

impl SearchRequest {
    pub fn new(query: impl Into<String>) -> Self {
        SearchRequest {
            query: query.into(),
            kinds: Vec::new(),
            statuses: None,
            region: None,
            as_of: None,
            limit: 10,
            offset: 0,
        }
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub doc_title: String,
    pub doc_id: String,
    pub kind: DocKind,
    pub status: Status,
    /// The article number, `null` for whole documents.
    pub article: Option<u32>,
    pub article_label: Option<String>,
    pub chapter: Option<String>,
    pub score: f32,
    /// Snippet with matches between 【 and 】.
    pub snippet: String,
    /// The snippet without markers, and the marked byte ranges in it.
    pub snippet_text: String,
    pub highlights: Vec<(usize, usize)>,
    /// `《中华人民共和国安全生产法》第二十四条`.
    pub citation: String,
    pub provision_id: String,
    /// Whether this hit is the provision a citation query named.
    pub cited: bool,
    pub interpretations: Vec<LinkedMaterial>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// Matching entries in all (the cited provision included).
    pub total: usize,
    pub took_ms: f64,
    /// Remarks for the user (query cut, citation not found), in Chinese.
    pub notices: Vec<String>,
    /// The words searched for, after stopwords and synonyms (for display).
    pub terms: Vec<String>,
}

/// An opened index.
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    catalog: Catalog,
    seg: Segmenter,
    synonyms: Synonyms,
    /// The law names of the catalog, matched against queries.
    laws: LawNames,
    /// The default filter (current versions) of the last day asked for.
    current: Mutex<Option<(Date, Arc<Vec<bool>>)>>,
    /// Score factor per document (the experts' priority list).
    priority: Arc<Vec<f32>>,
    /// Document ords grouped by title, sorted by start date.
    versions: Vec<Vec<usize>>,
    /// Results of [`SearchIndex::search_cached`].
    cache: Arc<ResultCache>,
    fingerprint: Arc<str>,
}

fn engine(e: impl std::fmt::Display) -> SearchError {
    SearchError::Engine(e.to_string())
}

/// Reads the catalog of the index in `dir`, if there is a readable one.
pub fn read_catalog(dir: &Path) -> Option<Catalog> {
    let bytes = std::fs::read(dir.join(CATALOG_FILE)).ok()?;
    let catalog: Catalog = serde_json::from_slice(&bytes).ok()?;
    (catalog.schema_version == SCHEMA_VERSION).then_some(catalog)
}

impl SearchIndex {
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        let catalog = read_catalog(dir).ok_or_else(|| SearchError::NoIndex {
            path: dir.display().to_string(),
        })?;
        let index = Index::open_in_dir(dir).map_err(engine)?;
        let (_, fields) = Fields::build();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(engine)?;
        let dict_path = dir.join(QUERY_DICT_FILE);
        let file = std::fs::File::open(&dict_path).map_err(|e| SearchError::Io {
            path: dict_path.display().to_string(),
            reason: e.to_string(),
        })?;
        let seg = Segmenter::from_dictionary(&mut std::io::BufReader::new(file))
            .map_err(SearchError::Engine)?;
        let synonyms = Synonyms::parse(&catalog.synonyms_toml, "synonyms.toml")?;
        let priority = catalog
            .docs
            .iter()
            .map(|d| synonyms.priority(&d.title))
            .collect();
        let versions = catalog.versions_by_title();
        let laws = LawNames::new(&catalog);
        let fingerprint: Arc<str> = catalog.fingerprint.as_str().into();
        Ok(SearchIndex {
            cache: Arc::new(ResultCache::new(DEFAULT_CACHE_BYTES)),
            fingerprint,
            priority: Arc::new(priority),
            versions,
            laws,
            current: Mutex::new(None),
            reader,
            fields,
            catalog,
            seg,
            synonyms,
        })
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// This index answering [`SearchIndex::search_cached`] from `cache`
    /// (which may be shared with, or outlive, other indexes: entries are
    /// kept apart by the library fingerprint).
    pub fn with_cache(mut self, cache: Arc<ResultCache>) -> Self {
        self.cache = cache;
        self
    }

    /// Hits, misses and size of the result cache.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }

    /// [`SearchIndex::search`] through the result cache: the same request
    /// on the same day against the same library gives the same result
    /// (`took_ms` is then the time of the lookup).
    pub fn search_cached(&self, req: &SearchRequest) -> Result<SearchResults, SearchError> {
        let started = Instant::now();
        let (cached, hit) = self.lookup(req)?;
        let mut out = SearchResults::clone(&cached.results);
        if hit {
            out.took_ms = ms(started);
        }
        Ok(out)
    }

    /// [`SearchIndex::search_cached`] as JSON (the bytes `serde_json::to_vec`
    /// writes for the result): a hit is its stored JSON around a fresh
    /// `took_ms`, a miss is serialised once for the answer and the cache.
    pub fn search_cached_json(&self, req: &SearchRequest) -> Result<Vec<u8>, SearchError> {
        let started = Instant::now();
        let (cached, hit) = self.lookup(req)?;
        let took_ms = if hit {
            ms(started)
        } else {
            cached.results.took_ms
        };
        Ok(cached.json(took_ms))
    }

    fn lookup(&self, req: &SearchRequest) -> Result<(Arc<CachedResult>, bool), SearchError> {
        let day = req.as_of.unwrap_or_else(today);
        let key = CacheKey::new(self.fingerprint.clone(), req, day);
        let resolved = SearchRequest {
            as_of: Some(day),
            ..req.clone()
        };
        self.cache.get_or_compute(&key, || {
            CachedResult::new(self.search(&resolved)?).map_err(engine)
        })
    }

    /// The query plan for `query` (for tests and `--explain`-style output).
    pub fn plan(&self, query: &str) -> Plan {
        let searcher = self.reader.searcher();
        let (q, _) = cap_query(query);
        analyze(q, &self.seg, &self.synonyms, &self.laws, &|t| {
            indexed(&searcher, &self.fields, t)
        })
    }

    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults, SearchError> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        let mut notices = Vec::new();
        let day = req.as_of.unwrap_or_else(today);
        let limit = req.limit.min(MAX_LIMIT);
        let trimmed = req.query.trim();
        let (query, cut) = cap_query(trimmed);
        if cut {
            notices.push(format!(
                "查询过长，只按前 {} 个字检索",
                super::query::MAX_QUERY_CHARS
            ));
        }
        if query.is_empty() {
            notices.push("请输入要检索的内容".to_string());
            return Ok(SearchResults {
                hits: Vec::new(),
                total: 0,
                took_ms: ms(started),
                notices,
                terms: Vec::new(),
            });
        }

        // A citation query: the cited provision comes first.
        let mut cited: Option<Hit> = None;
        let mut citation_law = None;
        if let Some(c) = parse_query_citation(query) {
            citation_law = Some(
                self.catalog
                    .resolve_title(&c.law)
                    .map(|t| t.strip_prefix("中华人民共和国").unwrap_or(t))
                    .map_or_else(|| c.law.clone(), str::to_string),
            );
            match self.cited_hit(&searcher, &c, day) {
                Ok(hit) => cited = Some(hit),
                Err(notice) => notices.push(notice),
            }
        }

        // After a citation, the ordinary results are about the law named
        // (the article number would only match stray numbers).
        let ordinary = citation_law.as_deref().unwrap_or(query);
        let plan = analyze(ordinary, &self.seg, &self.synonyms, &self.laws, &|t| {
            indexed(&searcher, &self.fields, t)
        });
        let terms: Vec<String> = plan.groups.iter().map(|g| g.word.clone()).collect();
        let mut hits = Vec::new();
        let mut total = 0;
        let skip_cited = cited.as_ref().map(|h| h.provision_id.clone());
        let first_page = req.offset == 0;
        if let Some(scoring) = build(&plan, &self.fields) {
            let mut query = scoring;
            if plan.laws.is_empty() {
                // A statute as a whole is a result only when the query names
                // it; otherwise its title alone would outrank the articles.
                query = Box::new(BooleanQuery::new(vec![
                    (Occur::Must, query),
                    (Occur::MustNot, self.normative_document_entries()),
                ]));
            }
            // One extra in case the cited provision is among the results.
            let extra = usize::from(cited.is_some());
            let offset = if cited.is_some() && !first_page {
                req.offset.saturating_sub(1)
            } else {
                req.offset
            };
            let want = if cited.is_some() && first_page {
                limit.saturating_sub(1) + extra
            } else {
                limit + extra
            };
            let priority = self.priority.clone();
            let top_docs = TopDocs::with_limit(want.max(1))
                .and_offset(offset)
                .tweak_score(move |segment: &tantivy::SegmentReader| {
                    let ords = segment.fast_fields().u64("doc_ord").ok();
                    let priority = priority.clone();
                    move |doc: tantivy::DocId, score: f32| {
                        let factor = ords
                            .as_ref()
                            .and_then(|c| c.first(doc))
                            .and_then(|o| priority.get(o as usize))
                            .copied()
                            .unwrap_or(1.0);
                        score * factor
                    }
                });
            // Kind, region and status are properties of the document, so the
            // filters are one lookup per matching entry by its `doc_ord`
            // (a term-set query here would build an FST per request).
            let allowed = self.allowed_docs(req, day);
            let filter = FilterCollector::new(
                "doc_ord".to_string(),
                move |ord: u64| allowed.get(ord as usize).copied().unwrap_or(false),
                (top_docs, Count),
            );
            let (top, count) = searcher.search(&query, &filter).map_err(engine)?;
            total = count;
            let highlight = plan.highlight_terms();
            for (score, addr) in top {
                let hit = self.hit(&searcher, addr, score, &highlight, day)?;
                if skip_cited.as_deref() == Some(hit.provision_id.as_str()) {
                    total = total.saturating_sub(1);
                    continue;
                }
                hits.push(hit.into_hit());
            }
        } else if cited.is_none() {
            notices.push("查询中没有可检索的词（只有标点或虚词）".to_string());
        }
        if let Some(mut c) = cited {
            total += 1;
            if first_page {
                // Ranked first: its score is above every ordinary hit's.
                c.score = hits.iter().map(|h| h.score).fold(0.0, f32::max) + 1.0;
                hits.insert(0, c);
            }
        }
        hits.truncate(limit);
        Ok(SearchResults {
            hits,
            total,
            took_ms: ms(started),
            notices,
            terms,
        })
    }

    /// Which documents (by `doc_ord`) the request's kind, region and
    /// status filters let through.
    fn allowed_docs(&self, req: &SearchRequest, day: Date) -> Arc<Vec<bool>> {
        if req.statuses.is_none() && req.kinds.is_empty() && req.region.is_none() {
            return self.current_versions_memo(day);
        }
        let docs = &self.catalog.docs;
        let mut allowed = match &req.statuses {
            Some(wanted) => docs
                .iter()
                .map(|d| wanted.contains(&d.status_on(day)))
                .collect(),
            None => self.current_versions(day),
        };
        let region = req.region.as_deref().map(normalize_region);
        for (ok, d) in allowed.iter_mut().zip(docs) {
            if !req.kinds.is_empty() && !req.kinds.contains(&d.kind) {
                *ok = false;
            }
            if let Some(r) = &region
                && d.region.as_deref().map(normalize_region).as_ref() != Some(r)
            {
                *ok = false;
            }
        }
        Arc::new(allowed)
    }

    /// [`SearchIndex::current_versions`] of the last day asked for, kept
    /// (nearly every request is about today with no other filter).
    fn current_versions_memo(&self, day: Date) -> Arc<Vec<bool>> {
        if let Ok(memo) = self.current.lock()
            && let Some((d, v)) = memo.as_ref()
            && *d == day
        {
            return v.clone();
        }
        let v = Arc::new(self.current_versions(day));
        if let Ok(mut memo) = self.current.lock() {
            *memo = Some((day, v.clone()));
        }
        v
    }

    /// Document-level entries of statutes (not of cases and interpretations).
    fn normative_document_entries(&self) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_text(self.fields.level, LEVEL_DOCUMENT),
                IndexRecordOption::Basic,
            )),
        )];
        for k in DocKind::ALL.into_iter().filter(|k| !k.is_normative()) {
            clauses.push((
                Occur::MustNot,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.kind, k.label()),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// The default view: for each title the version that applies on `day`
    /// (in force, or the newest one held when the source says a later text
    /// exists that we do not have, as for a consolidated 刑法 marked 已被修改),
    /// leaving out repealed and not-yet-effective ones.
    fn current_versions(&self, day: Date) -> Vec<bool> {
        let mut out = vec![false; self.catalog.docs.len()];
        for versions in &self.versions {
            if let Some(i) = self.catalog.pick_version(versions, day)
                && self
                    .catalog
                    .docs
                    .get(i)
                    .is_some_and(|v| matches!(v.status_on(day), Status::InForce | Status::Amended))
                && let Some(slot) = out.get_mut(i)
            {
                *slot = true;
            }
        }
        out
    }

    /// The hit for a citation query, or a notice why there is none.
    fn cited_hit(
        &self,
        searcher: &Searcher,
        c: &crate::citation::QueryCitation,
        day: Date,
    ) -> Result<Hit, String> {
        let Some(title) = self.catalog.resolve_title(&c.law) else {
            return Err(format!("未找到名为「{}」的法规", c.law));
        };
        let Some(ord) = self.catalog.version_as_of(title, day) else {
            return Err(format!("未找到名为「{}」的法规", c.law));
        };
        let doc = self
            .catalog
            .docs
            .get(ord)
            .ok_or_else(|| format!("未找到名为「{}」的法规", c.law))?;
        let id = super::build::provision_id(&doc.id, c.article);
        let q = TermQuery::new(
            Term::from_field_text(self.fields.entry_id, &id),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&q, &TopDocs::with_limit(1))
            .map_err(|e| e.to_string())?;
        let Some((_, addr)) = top.into_iter().next() else {
            return Err(format!("《{}》没有{}", title, c.article.label()));
        };
        let mut hit = self
            .hit(searcher, addr, 0.0, &[], day)
            .map_err(|e| e.to_string())?;
        hit.cited = true;
        if let Some(p) = c.paragraph {
            hit.citation
                .push_str(&format!("第{}款", to_chinese_numeral(p)));
            if let Some(i) = c.item {
                hit.citation
                    .push_str(&format!("第{}项", to_chinese_numeral(i)));
            }
            if let Some(part) = provision_part(&hit.snippet_text_full, p, c.item) {
                hit.snippet = part.clone();
                hit.snippet_text = part;
                hit.highlights.clear();
            }
        }
        Ok(hit.into_hit())
    }

    fn hit(
        &self,
        searcher: &Searcher,
        addr: DocAddress,
        score: f32,
        highlight: &[String],
        day: Date,
    ) -> Result<FullHit, SearchError> {
        let doc: TantivyDocument = searcher.doc(addr).map_err(engine)?;
        let text_of = |f| first_text(&doc, f);
        let ord = first_u64(&doc, self.fields.doc_ord).unwrap_or(0) as usize;
        let meta = self.catalog.docs.get(ord);
        let title = text_of(self.fields.law).unwrap_or_default();
        let is_doc = text_of(self.fields.level).as_deref() == Some(LEVEL_DOCUMENT);
        let article = if is_doc {
            None
        } else {
            first_u64(&doc, self.fields.article_number).map(|n| n as u32)
        };
        let label = if is_doc {
            None
        } else {
            text_of(self.fields.article_label)
        };
        let body = text_of(self.fields.text).unwrap_or_default();
        let snippet: Snippet = make_snippet(&body, highlight, SNIPPET_CHARS);
        let interpretations = text_of(self.fields.interpretations)
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default();
        let citation = match &label {
            Some(l) => format!("《{title}》{l}"),
            None => format!("《{title}》"),
        };
        Ok(FullHit {
            hit: Hit {
                doc_title: title,
                doc_id: text_of(self.fields.doc_id).unwrap_or_default(),
                kind: meta.map(|m| m.kind).unwrap_or(DocKind::Law),
                status: meta.map(|m| m.status_on(day)).unwrap_or(Status::InForce),
                article,
                article_label: label,
                chapter: text_of(self.fields.chapter).filter(|c| !c.is_empty()),
                score,
                snippet: snippet.marked("【", "】"),
                snippet_text: snippet.text,
                highlights: snippet.highlights,
                citation,
                provision_id: text_of(self.fields.entry_id).unwrap_or_default(),
                cited: false,
                interpretations,
            },
            snippet_text_full: body,
        })
    }
}

/// A hit plus the whole text, needed to cut out a cited paragraph or item.
struct FullHit {
    hit: Hit,
    snippet_text_full: String,
}

impl std::ops::Deref for FullHit {
    type Target = Hit;
    fn deref(&self) -> &Hit {
        &self.hit
    }
}

impl std::ops::DerefMut for FullHit {
    fn deref_mut(&mut self) -> &mut Hit {
        &mut self.hit
    }
}

impl FullHit {
    fn into_hit(self) -> Hit {
        self.hit
    }
}

/// The text of paragraph `p` (1-based), or of its item `i`, from an
/// article's text as [`crate::statute::Article::text`] lays it out: one line
/// per paragraph, items `（一）…` on their own lines after their paragraph.
fn provision_part(text: &str, p: u32, item: Option<u32>) -> Option<String> {
    let mut paragraphs: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        let is_item = line.starts_with('（')
            && line
                .split_once('）')
                .and_then(|(n, _)| {
                    crate::statute::numeral::parse_chinese_numeral(n.trim_start_matches('（'))
                })
                .is_some();
        match paragraphs.last_mut() {
            Some((_, items)) if is_item => items.push(line.to_string()),
            _ => paragraphs.push((line.to_string(), Vec::new())),
        }
    }
    let (para, items) = paragraphs.get(p.checked_sub(1)? as usize)?;
    match item {
        None => {
            let mut s = para.clone();
            for i in items {
                s.push('\n');
                s.push_str(i);
            }
            Some(s)
        }
        Some(i) => items.get(i.checked_sub(1)? as usize).cloned(),
    }
}

fn first_text(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<String> {
    use tantivy::schema::document::Value;
    doc.get_first(field)
        .and_then(|v| v.as_str().map(str::to_string))
}

fn first_u64(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<u64> {
    use tantivy::schema::document::Value;
    doc.get_first(field).and_then(|v| v.as_u64())
}

fn indexed(searcher: &Searcher, fields: &Fields, token: &str) -> bool {
    [fields.text, fields.title, fields.chapter]
        .iter()
        .any(|&f| {
            searcher
                .doc_freq(&Term::from_field_text(f, token))
                .is_ok_and(|n| n > 0)
        })
}

fn ms(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

/// Today's date in the local time zone.
pub fn today() -> Date {
    jiff::Zoned::now().date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_out_paragraphs_and_items() {
        let text = "第一款文字。\n第二款文字：\n（一）甲；\n（二）乙。\n第三款文字。";
        assert_eq!(provision_part(text, 1, None).unwrap(), "第一款文字。");
        assert_eq!(
            provision_part(text, 2, None).unwrap(),
            "第二款文字：\n（一）甲；\n（二）乙。"
        );
        assert_eq!(provision_part(text, 2, Some(2)).unwrap(), "（二）乙。");
        assert_eq!(provision_part(text, 3, None).unwrap(), "第三款文字。");
        assert!(provision_part(text, 4, None).is_none());
        assert!(provision_part(text, 0, None).is_none());
        assert!(provision_part(text, 1, Some(1)).is_none());
    }
}
