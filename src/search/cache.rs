//! A bounded cache of search results, for the service: the same question
//! asked again (the common questions of township staff, a page reloaded) is
//! answered without running the engine.
//!
//! The key is everything that decides the answer: the query as the engine
//! reads it (trimmed, cut to [`MAX_QUERY_CHARS`]), the kinds and statuses as
//! sets, the region as the index compares it, the day statuses are judged on
//! (a request without `as_of` is keyed by today, so nothing stale survives
//! midnight), limit and offset, and the fingerprint of the library the index
//! was built from. A lookup under another fingerprint empties the cache, so
//! results of a previous index are neither returned nor kept. The cache is
//! bounded by an estimate of the bytes its results hold and evicts the least
//! useful entries (quick_cache's CLOCK-Pro policy); hits and misses are
//! counted for `/metrics`.
//!
//! ```ignore
//! let cache = ResultCache::new(DEFAULT_CACHE_BYTES);
//! let results = index.with_cache(cache.into()).search_cached(&req)?;
//! let stats = index.cache_stats(); // hits, misses, entries, bytes
//! ```
//!
//! [`MAX_QUERY_CHARS`]: super::MAX_QUERY_CHARS

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::civil::Date;
use quick_cache::sync::{Cache, GuardResult};

use crate::statute::{DocKind, Status};

use super::engine::{MAX_LIMIT, SearchRequest, SearchResults};
use super::query::cap_query;
use super::schema::normalize_region;

/// Default bound of a cache, in estimated bytes of cached results.
pub const DEFAULT_CACHE_BYTES: u64 = 32 * 1024 * 1024;
/// Typical weight of one cached page of ten hits (for sizing the table).
const TYPICAL_ENTRY_BYTES: u64 = 16 * 1024;

/// Everything that decides a search's answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    fingerprint: Arc<str>,
    query: String,
    kinds: Vec<DocKind>,
    statuses: Option<Vec<Status>>,
    region: Option<String>,
    day: Date,
    limit: usize,
    offset: usize,
}

impl CacheKey {
    /// The key of `req` judged on `day` against the index built from `fingerprint`.
    pub fn new(fingerprint: Arc<str>, req: &SearchRequest, day: Date) -> CacheKey {
        let mut kinds = req.kinds.clone();
        kinds.sort_unstable();
        kinds.dedup();
        let statuses = req.statuses.as_ref().map(|s| {
            let mut s = s.clone();
            s.sort_unstable();
            s.dedup();
            s
        });
        CacheKey {
            fingerprint,
            query: cap_query(req.query.trim()).0.to_string(),
            kinds,
            statuses,
            region: req.region.as_deref().map(normalize_region),
            day,
            limit: req.limit.min(MAX_LIMIT),
            offset: req.offset,
        }
    }
}

/// Hit and miss counts and the current size of a cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub entries: u64,
    /// Estimated bytes held.
    pub bytes: u64,
    /// The bound on `bytes`.
    pub capacity: u64,
}

#[derive(Debug, Clone, Copy)]
struct ResultWeighter;

impl quick_cache::Weighter<CacheKey, Arc<CachedResult>> for ResultWeighter {
    fn weight(&self, key: &CacheKey, val: &Arc<CachedResult>) -> u64 {
        (key.query.len() + estimated_bytes(&val.results) + val.head.len() + val.tail.len()) as u64
    }
}

/// A result and its JSON, serialised once: the JSON of a hit is the cached
/// bytes around a fresh `took_ms` (the field between `head` and `tail`).
#[derive(Debug)]
pub struct CachedResult {
    pub results: SearchResults,
    /// `{"hits":[…],"total":N,"took_ms":`
    head: Vec<u8>,
    /// `,"notices":[…],"terms":[…]}`
    tail: Vec<u8>,
}

impl CachedResult {
    /// Serialises `results` in the field order of [`SearchResults`], the
    /// same bytes `serde_json::to_vec` writes.
    pub fn new(results: SearchResults) -> Result<CachedResult, serde_json::Error> {
        let mut head = Vec::with_capacity(16 * 1024);
        head.extend_from_slice(b"{\"hits\":");
        serde_json::to_writer(&mut head, &results.hits)?;
        head.extend_from_slice(b",\"total\":");
        serde_json::to_writer(&mut head, &results.total)?;
        head.extend_from_slice(b",\"took_ms\":");
        let mut tail = Vec::with_capacity(256);
        tail.extend_from_slice(b",\"notices\":");
        serde_json::to_writer(&mut tail, &results.notices)?;
        tail.extend_from_slice(b",\"terms\":");
        serde_json::to_writer(&mut tail, &results.terms)?;
        tail.push(b'}');
        Ok(CachedResult {
            results,
            head,
            tail,
        })
    }

    /// The JSON of the result with `took_ms` in place of the one it was computed with.
    pub fn json(&self, took_ms: f64) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.head.len() + self.tail.len() + 24);
        out.extend_from_slice(&self.head);
        // Writing an f64 into a Vec cannot fail; a non-finite one becomes null as serde_json writes it.
        if serde_json::to_writer(&mut out, &took_ms).is_err() {
            out.extend_from_slice(b"null");
        }
        out.extend_from_slice(&self.tail);
        out
    }
}

/// Roughly the heap bytes a result holds (strings dominate).
fn estimated_bytes(r: &SearchResults) -> usize {
    let strings = |v: &[String]| v.iter().map(|s| s.len() + 24).sum::<usize>();
    let hits: usize = r
        .hits
        .iter()
        .map(|h| {
            let interpretations: usize = h
                .interpretations
                .iter()
                .map(|m| m.title.len() + m.kind.len() + m.summary.len() + 96)
                .sum();
            h.doc_title.len()
                + h.doc_id.len()
                + h.article_label.as_ref().map_or(0, String::len)
                + h.chapter.as_ref().map_or(0, String::len)
                + h.snippet.len()
                + h.snippet_text.len()
                + h.highlights.len() * 16
                + h.citation.len()
                + h.provision_id.len()
                + interpretations
                + 256
        })
        .sum();
    hits + strings(&r.notices) + strings(&r.terms) + 128
}

/// A size-bounded, thread-safe cache of search results.
pub struct ResultCache {
    entries: Cache<CacheKey, Arc<CachedResult>, ResultWeighter>,
    /// `false`: a bound of 0, every lookup computes.
    enabled: bool,
    /// The fingerprint the entries belong to.
    fingerprint: Mutex<Option<Arc<str>>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl std::fmt::Debug for ResultCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultCache")
            .field("stats", &self.stats())
            .finish()
    }
}

impl ResultCache {
    /// A cache holding at most about `max_bytes` of results (0 disables it).
    pub fn new(max_bytes: u64) -> ResultCache {
        let items = (max_bytes / TYPICAL_ENTRY_BYTES).clamp(16, 1 << 20) as usize;
        ResultCache {
            entries: Cache::with_weighter(items, max_bytes.max(1), ResultWeighter),
            enabled: max_bytes > 0,
            fingerprint: Mutex::new(None),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The cached result for `key`, or the one `compute` makes (cached
    /// unless it failed). Concurrent misses on one key compute it once.
    pub fn get_or_compute<E>(
        &self,
        key: &CacheKey,
        compute: impl FnOnce() -> Result<CachedResult, E>,
    ) -> Result<(Arc<CachedResult>, bool), E> {
        if !self.enabled {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return Ok((Arc::new(compute()?), false));
        }
        self.switch_to(&key.fingerprint);
        match self.entries.get_value_or_guard(key, None) {
            GuardResult::Value(v) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Ok((v, true))
            }
            GuardResult::Guard(guard) => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                let value = Arc::new(compute()?);
                let _ = guard.insert(value.clone());
                Ok((value, false))
            }
            GuardResult::Timeout => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                Ok((Arc::new(compute()?), false))
            }
        }
    }

    /// Empties the cache when `fingerprint` is not the one its entries
    /// belong to (the index was rebuilt from another library).
    fn switch_to(&self, fingerprint: &Arc<str>) {
        let Ok(mut current) = self.fingerprint.lock() else {
            // A poisoned lock: start over rather than trust the entries.
            self.entries.clear();
            return;
        };
        if current.as_deref() != Some(&**fingerprint) {
            if current.is_some() {
                self.entries.clear();
            }
            *current = Some(fingerprint.clone());
        }
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: self.entries.len() as u64,
            bytes: self.entries.weight(),
            capacity: self.entries.capacity(),
        }
    }
}
