//! Server-side render time of the web pages, through the whole router (routing,
//! session lookup, the page's library calls, template rendering), with the
//! LawRefBook samples imported and three invented enterprise records stored.
//!
//! ```text
//! cargo bench --bench pages
//! ```
//!
//! Besides criterion's timings the bench prints, per page, the median (p50)
//! and p95 over 300 sequential requests and the page size: the figures
//! BENCHMARKS.md quotes (target: p50 ≤ 20 ms, size ≤ 150 KB). Search results
//! come from the warm result cache after the first request; `search_uncached`
//! sends a query the cache has never seen each time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use criterion::{Criterion, criterion_group, criterion_main};
use regkb::config::{ContentPaths, Context, DataDir};
use regkb::http::{AppState, ServiceConfig, router};
use regkb::library::storage::{StoredSource, save_source};
use regkb::store::{Actor, Role};
use tower::ServiceExt;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn samples() -> PathBuf {
    repo().join("../shared/corpus-samples/lawrefbook")
}

struct Site {
    _dir: tempfile::TempDir,
    app: Router,
    token: String,
    uscc: String,
}

fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let ctx = Context {
        data: DataDir::new(dir.path()),
        content: ContentPaths {
            corpus_dir: repo().join("corpus"),
            rules_dir: repo().join("rules"),
        },
    };
    let imported = regkb::import::import_lawrefbook(&samples()).unwrap();
    save_source(
        &ctx.data,
        &StoredSource {
            key: "lawrefbook".into(),
            origin: samples().display().to_string(),
            documents: imported.documents,
        },
    )
    .unwrap();
    regkb::search::ensure_index(&ctx.data, &ctx.content, false).unwrap();
    let state = AppState::load(&ctx, ServiceConfig::default()).unwrap();
    let schema = regkb::pack::load_schema(&ctx).unwrap();
    let mut uscc = String::new();
    for file in [
        "hazchem-nitration-plant.json",
        "general-catering-lpg.json",
        "hazchem-lpg-depot.json",
    ] {
        let path = repo().join("tests/fixtures/enterprises").join(file);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let record = v["record"].clone();
        let id = record["uscc"].as_str().unwrap().to_string();
        state
            .store()
            .put(&id.parse().unwrap(), record, &Actor::cli("bench"), &schema)
            .unwrap();
        if uscc.is_empty() {
            uscc = id;
        }
    }
    let token = state
        .store()
        .create_token(Role::Admin, None, "bench", &Actor::cli("bench"))
        .unwrap()
        .0;
    Site {
        _dir: dir,
        app: router(state),
        token,
        uscc,
    }
}

fn enc(path: &str) -> String {
    let mut out = String::new();
    for c in path.chars() {
        if c.is_ascii_graphic() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// One request; returns the body size.
async fn fetch(site: &Site, path: &str) -> usize {
    let req = Request::get(enc(path))
        .header(
            header::COOKIE,
            format!("regkb_session={}; regkb_csrf=0123456789abcdef", site.token),
        )
        .body(Body::empty())
        .unwrap();
    let resp = site.app.clone().oneshot(req).await.unwrap();
    assert!(
        resp.status().is_success() || resp.status().as_u16() == 404,
        "{path}: {}",
        resp.status()
    );
    axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .len()
}

fn pages(site: &Site) -> Vec<(&'static str, String)> {
    vec![
        ("search_empty", "/search".to_string()),
        (
            "search_question",
            "/search?q=危化品仓库要不要装监控".to_string(),
        ),
        ("search_citation", "/search?q=安法 24条".to_string()),
        ("article", "/law/安法/24".to_string()),
        ("law_overview", "/law/安法".to_string()),
        ("signin", "/signin".to_string()),
        ("not_found", "/no/such/page".to_string()),
        ("enterprises", "/enterprises".to_string()),
        ("enterprise", format!("/enterprises/{}", site.uscc)),
        ("checklist", format!("/enterprises/{}/checklist", site.uscc)),
        ("check_form", "/check".to_string()),
        ("rules", "/rules".to_string()),
        ("rule", "/rules/AQ-024-1".to_string()),
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn bench_pages(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let site = site();
    println!("\npage render (whole router, sequential, 300 requests each):");
    println!(
        "{:<18} {:>9} {:>9} {:>9}",
        "page", "p50 ms", "p95 ms", "bytes"
    );
    for (name, path) in pages(&site) {
        let size = rt.block_on(fetch(&site, &path));
        let mut lat = Vec::with_capacity(300);
        for _ in 0..300 {
            let t = Instant::now();
            rt.block_on(fetch(&site, &path));
            lat.push(t.elapsed());
        }
        lat.sort();
        println!(
            "{name:<18} {:>9.3} {:>9.3} {size:>9}",
            percentile(&lat, 0.5).as_secs_f64() * 1e3,
            percentile(&lat, 0.95).as_secs_f64() * 1e3,
        );
    }
    // The search page with a query the result cache has never seen (a
    // number no other request uses): the engine's work plus the page.
    let mut lat = Vec::with_capacity(300);
    let mut size = 0;
    for i in 0..300 {
        let path = format!("/search?q=危化品仓库要不要装监控 {}", 100_000 + i);
        let t = Instant::now();
        size = rt.block_on(fetch(&site, &path));
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "{:<18} {:>9.3} {:>9.3} {size:>9}",
        "search_uncached",
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.95).as_secs_f64() * 1e3,
    );
    let mut g = c.benchmark_group("pages");
    g.sample_size(50);
    for (name, path) in pages(&site) {
        g.bench_function(name, |b| b.iter(|| rt.block_on(fetch(&site, &path))));
    }
    g.finish();
}

criterion_group!(benches, bench_pages);
criterion_main!(benches);
