//! Joint inspection plan for a township of 1,000 enterprises (issue 7 §2).
//!
//! Untimed set-up: the shipped rule packs are compiled, 1,000 records from
//! `RecordGenerator::new(2026)` are moved into one township and stored in a
//! fresh record store.
//!
//! Timed, as `regkb plan` and `POST /api/v1/plans` run it: `planning::make`
//! — reading the township's records out of the store, checking each against
//! every rule in force on the plan's first day, scoring its risk, counting
//! this year's visits and overdue hidden dangers, then `plan::build`
//! (selection, merged checklists, figures). The pure `plan::build` over the
//! gathered candidates is also timed alone (their copy made beforehand). `cargo bench --bench plan`
//! prints one timed pass first, then runs criterion; `-- --summary-only`
//! prints just the pass.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use regkb::config::{ContentPaths, Context, DataDir};
use regkb::plan::{Request, Settings, build, reads_of};
use regkb::record::{RecordGenerator, Schema, Uscc};
use regkb::risk::Weights;
use regkb::store::{Actor, Store};
use serde_json::json;

const ENTERPRISES: usize = 1_000;
const TOWN: &str = "基准镇";

fn main() {
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
    let store = Store::open(&dir.path().join("store")).unwrap();
    let by = Actor::cli("bench");
    let t0 = Instant::now();
    for mut v in RecordGenerator::new(2026).take(ENTERPRISES) {
        v["region"]["township"] = json!(TOWN);
        let uscc: Uscc = v["uscc"].as_str().unwrap().parse().unwrap();
        store.put(&uscc, v, &by, &schema).unwrap();
    }
    let setup = t0.elapsed();
    let settings = Settings::shipped().unwrap();
    let weights = Weights::shipped().unwrap();
    let req = Request {
        township: Some(TOWN.into()),
        usccs: vec![],
        from: jiff::civil::date(2026, 12, 1),
        to: jiff::civil::date(2026, 12, 31),
        seed: 7,
        cap: settings.visits.cap,
    };
    let make = || {
        regkb::planning::make(&store, &program, &schema, &weights, &settings, &req, None).unwrap()
    };
    let t1 = Instant::now();
    let plan = make();
    let made = t1.elapsed();
    let candidates =
        regkb::planning::gather(&store, &program, &schema, &weights, &req, None).unwrap();
    let reads = reads_of(&program);
    let input = candidates.clone();
    let t2 = Instant::now();
    let again = build(&req, input, &settings, &schema, &reads).unwrap();
    let built = t2.elapsed();
    assert_eq!(again.enterprises.len(), plan.enterprises.len());
    let f = plan.figures;
    println!(
        "plan: {} enterprises considered, {} planned; made from the store in {:.0} ms (build alone {:.1} ms); \
         visits {} → {}, items {} → {}, minutes {} → {} (set-up: store {:.1} s)",
        plan.considered,
        plan.enterprises.len(),
        made.as_secs_f64() * 1000.0,
        built.as_secs_f64() * 1000.0,
        f.visits_before,
        f.visits_after,
        f.items_before,
        f.items_after,
        f.minutes_before,
        f.minutes_after,
        setup.as_secs_f64(),
    );
    if std::env::args().any(|a| a == "--summary-only") {
        return;
    }
    let mut c = Criterion::default().configure_from_args().sample_size(10);
    c.bench_function("plan/make_1000", |b| b.iter(|| black_box(make())));
    c.bench_function("plan/build_1000", |b| {
        b.iter_batched(
            || candidates.clone(),
            |input| black_box(build(&req, input, &settings, &schema, &reads).unwrap()),
            criterion::BatchSize::LargeInput,
        )
    });
    c.final_summary();
}
