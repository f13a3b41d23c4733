//! Benchmark of issue 7 §1: 10,000 enterprises ranked by risk in ≤ 2 s.
//!
//! Untimed set-up: the shipped rule packs (`rules/`, as `regkb check` loads
//! them) are compiled, 10,000 records come from `RecordGenerator::new(2026)`,
//! each is validated and checked on 2026-11-28, giving one `CheckResult` per
//! enterprise — what the store holds as each enterprise's latest check.
//!
//! Timed: parsing the shipped weights file, scoring every enterprise
//! (`risk::assess` over its record and check result) and sorting them
//! (`risk::rank`). A second figure times the whole path `GET /api/v1/risk`
//! and `regkb risk` take: the same 10,000 records and checks stored in a
//! fresh sled store (untimed), then `risk::ranking` — reading every record,
//! its latest check and the hidden-danger ledger out of the store, scoring
//! and sorting. `cargo bench --bench risk` prints one timed pass of each
//! first, then runs criterion; `-- --summary-only` prints just the passes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use regkb::check::{CheckResult, run_engine};
use regkb::config::{ContentPaths, Context, DataDir};
use regkb::dsl::Engine;
use regkb::record::{RecordGenerator, Schema, validate_record};
use regkb::risk::{Assessment, DEFAULT_WEIGHTS, Weights, assess, rank};
use regkb::store::{Actor, ListFilter, Store};
use serde_json::Value;

const ENTERPRISES: usize = 10_000;

fn setup() -> Vec<(Value, CheckResult)> {
    let dir = tempfile::tempdir().unwrap();
    let ctx = Context {
        data: DataDir::new(dir.path()),
        content: ContentPaths::default(),
    };
    let program = match regkb::pack::compile(&[], &ctx).unwrap().result {
        Ok(checked) => checked.program,
        Err(_) => panic!("the shipped rules do not compile"),
    };
    let schema = Schema::load_dir(&ctx.content.rules_dir.join("schema")).unwrap();
    let engine = Engine::new(&program);
    let as_of = jiff::civil::date(2026, 11, 28);
    RecordGenerator::new(2026)
        .take(ENTERPRISES)
        .map(|v| {
            let valid = validate_record(&v, &schema).unwrap();
            let result = run_engine(&engine, &valid, as_of).result;
            (v, result)
        })
        .collect()
}

fn ranking(checked: &[(Value, CheckResult)]) -> Vec<Assessment> {
    let weights = Weights::parse(DEFAULT_WEIGHTS, "rules/risk/weights.toml").unwrap();
    let mut all: Vec<Assessment> = checked
        .iter()
        .map(|(record, result)| assess(&weights, record, Some(result), &[]))
        .collect();
    rank(&mut all, None);
    all
}

/// The records and their checks in a fresh store, as the service holds them.
fn stored(checked: &[(Value, CheckResult)]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let schema = Schema::load_dir(&ContentPaths::default().rules_dir.join("schema")).unwrap();
    let by = Actor::cli("bench");
    for (record, result) in checked {
        let uscc = record["uscc"].as_str().unwrap().parse().unwrap();
        let version = store.put(&uscc, record.clone(), &by, &schema).unwrap();
        store.save_check(&uscc, result, Some(version), &by).unwrap();
    }
    (dir, store)
}

fn ranking_from_store(store: &Store) -> Vec<Assessment> {
    let weights = Weights::parse(DEFAULT_WEIGHTS, "rules/risk/weights.toml").unwrap();
    let day = jiff::civil::date(2026, 11, 28);
    regkb::risk::ranking(store, &weights, &ListFilter::default(), day, None)
        .unwrap()
        .0
}

fn main() {
    let t0 = Instant::now();
    let checked = setup();
    let setup_time = t0.elapsed();
    let t1 = Instant::now();
    let ranked = ranking(&checked);
    let ranked_time = t1.elapsed();
    let findings: usize = checked.iter().map(|(_, r)| r.findings.len()).sum();
    let mut colours = std::collections::BTreeMap::new();
    for a in &ranked {
        *colours.entry(a.colour.label()).or_insert(0usize) += 1;
    }
    println!(
        "risk ranking: {} enterprises ({findings} findings) scored and ranked in {:.1} ms (set-up: generate + check {:.1} s); colours {colours:?}",
        ranked.len(),
        ranked_time.as_secs_f64() * 1000.0,
        setup_time.as_secs_f64(),
    );
    // `cargo test` runs this file too (without `--bench`): there a tenth
    // of the records is enough to exercise the store path.
    let in_store = if std::env::args().any(|a| a == "--bench") {
        checked.len()
    } else {
        checked.len() / 10
    };
    let t2 = Instant::now();
    let (_dir, store) = stored(checked.get(..in_store).unwrap_or(&checked));
    let store_time = t2.elapsed();
    let t3 = Instant::now();
    let from_store = ranking_from_store(&store);
    let from_store_time = t3.elapsed();
    assert_eq!(from_store.len(), in_store);
    println!(
        "risk ranking from the store: {} enterprises read, scored and ranked in {:.1} ms (set-up: store {:.1} s)",
        from_store.len(),
        from_store_time.as_secs_f64() * 1000.0,
        store_time.as_secs_f64(),
    );
    if std::env::args().any(|a| a == "--summary-only") {
        return;
    }
    let mut c = Criterion::default().configure_from_args().sample_size(10);
    c.bench_function("risk/rank_10000", |b| {
        b.iter(|| black_box(ranking(black_box(&checked))))
    });
    c.bench_function("risk/ranking_from_store_10000", |b| {
        b.iter(|| black_box(ranking_from_store(black_box(&store))))
    });
    c.final_summary();
}
