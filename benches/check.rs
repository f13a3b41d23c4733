//! Benchmark of issue §4: evaluate a pack of ≥ 50 rules over 100 000
//! generated records on one thread, and compare seven rules interpreted with
//! the same seven written by hand in Rust (`check/hand.rs`).
//!
//! The pack is `rules/examples` (11 rules, the GB 18218 tables, derived
//! values and the major-hazard report) plus variants of its rules under new
//! ids (`AQ-030-V1`, …, every rule id renamed consistently, so exceptions
//! and conflicts work per variant) until it has at least 50 rules. Records
//! come from `RecordGenerator::new(2026)`.
//!
//! `cargo bench --bench check` prints a plain summary first (one timed pass
//! each, peak memory from `/proc/self/status`), then runs criterion.
//! `cargo bench --bench check -- --summary-only` prints just the summary;
//! `-- --shipped-only` just the shipped packs' line (for profiling them).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_precision_loss
)]

#[path = "check/hand.rs"]
mod hand;

use std::collections::BTreeSet;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use jiff::civil::Date;
use regkb::check::Outcome;
use regkb::dsl::{CheckedProgram, Engine, SourceFile, check, evaluate, parse};
use regkb::record::{RecordGenerator, Schema, validate_record};
use serde_json::Value;

/// Records per pass (`REGKB_BENCH_RECORDS` overrides, for quick runs).
fn record_count() -> usize {
    std::env::var("REGKB_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}
const MIN_RULES: usize = 50;
const SEED: u64 = 2026;
/// The rules written by hand in `check/hand.rs` (dsl-lang's five — AQ-024-2,
/// AQ-030, AQ-042, GB-MH-013, WHP-039 — and two more).
const HAND: [&str; 7] = [
    "AQ-024-2",
    "AQ-030",
    "AQ-030-R",
    "AQ-042",
    "GB-MH-013",
    "TS-040",
    "WHP-039",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn as_of() -> Date {
    jiff::civil::date(2026, 11, 28)
}

/// `(file name, text)` of every `rules/examples/*.rule`, sorted.
fn example_sources() -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("rules/examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rule"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The `rule … { … }` blocks of a file (from a line starting `rule ` to the
/// next line that is exactly `}`), with their ids.
fn rule_blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in text.lines() {
        if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
            if line == "}" {
                let (id, lines) = current.take().unwrap();
                out.push((id, lines.join("\n") + "\n"));
            }
        } else if let Some(rest) = line.strip_prefix("rule ") {
            let id = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            current = Some((id, vec![line]));
        }
    }
    out
}

/// Renames every rule id of `ids` in `text` to `ID-V{n}`.
fn rename(text: &str, ids: &BTreeSet<String>, n: usize) -> String {
    let token = regex::Regex::new(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*").unwrap();
    token
        .replace_all(text, |c: &regex::Captures<'_>| {
            let t = &c[0];
            if ids.contains(t) {
                format!("{t}-V{n}")
            } else {
                t.to_string()
            }
        })
        .to_string()
}

fn compile(sources: &[(String, String)]) -> CheckedProgram {
    let schema = Schema::load_dir(&root().join("rules/schema")).unwrap();
    let tables = root().join("rules/tables");
    let reader = move |p: &str| -> Result<String, String> {
        std::fs::read_to_string(tables.join(p)).map_err(|e| e.to_string())
    };
    let files: Vec<_> = sources
        .iter()
        .map(|(name, text)| {
            parse(&SourceFile::new(name.clone(), text.clone()))
                .unwrap_or_else(|d| panic!("{name}: {}", regkb::dsl::render_all(&d)))
        })
        .collect();
    match check(&files, &schema, &reader, None) {
        Ok(c) => c.program,
        Err(d) => panic!("{}", regkb::dsl::render_all(&d)),
    }
}

/// The example pack plus enough renamed variants for `MIN_RULES` rules.
fn benchmark_pack() -> (CheckedProgram, usize) {
    let mut sources = example_sources();
    let blocks: Vec<(String, String)> = sources.iter().flat_map(|(_, t)| rule_blocks(t)).collect();
    let ids: BTreeSet<String> = blocks.iter().map(|(id, _)| id.clone()).collect();
    let mut rules = blocks.len();
    let mut n = 0;
    while rules < MIN_RULES {
        n += 1;
        let text: String = blocks.iter().map(|(_, b)| rename(b, &ids, n)).collect();
        sources.push((format!("variant-{n}.rule"), text));
        rules += blocks.len();
    }
    (compile(&sources), rules)
}

/// `text` without the top-level blocks that `keep` rejects (a block runs from
/// a line starting with its keyword to the next line that is exactly `}`).
fn filter_blocks(text: &str, keep: impl Fn(&str) -> bool) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if skipping {
            skipping = line != "}";
            continue;
        }
        let starts_block = ["rule ", "major_hazards ", "example "]
            .iter()
            .any(|k| line.starts_with(k));
        if starts_block && !keep(line) {
            skipping = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The hand-written rules, interpreted: their rule blocks plus the GB 18218
/// tables and derived values (no major-hazard report, no other rules).
fn hand_pack() -> CheckedProgram {
    let sources: Vec<(String, String)> = example_sources()
        .into_iter()
        .map(|(name, text)| {
            let kept = filter_blocks(&text, |line| {
                line.strip_prefix("rule ")
                    .and_then(|rest| rest.split_whitespace().next())
                    .is_some_and(|id| HAND.contains(&id))
            });
            (name, kept)
        })
        .collect();
    let program = compile(&sources);
    assert_eq!(
        program.rules().count(),
        HAND.len(),
        "the hand-written rules are in rules/examples"
    );
    program
}

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// CPU time this thread has used (user + system, from
/// `/proc/thread-self/stat`, in clock ticks of 10 ms).
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Resets the peak-RSS mark (Linux ≥ 4.0); false when not possible.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mib(kb: Option<u64>) -> String {
    kb.map_or("?".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn per_second(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// Checks that hand-written and interpreted rules agree, and returns the
/// number of findings compared.
fn agreement(hand_rules: &CheckedProgram, gb: &hand::Gb18218, records: &[Value]) -> usize {
    let mut compared = 0;
    let mut outcomes = std::collections::BTreeMap::<(String, Outcome), usize>::new();
    for r in records {
        let interpreted = evaluate(hand_rules, r, as_of()).findings;
        let by_hand = hand::evaluate(r, as_of(), gb);
        assert_eq!(interpreted.len(), by_hand.len());
        for (a, b) in interpreted.iter().zip(&by_hand) {
            assert_eq!(a.rule, b.rule);
            assert_eq!(a.outcome, b.outcome, "{} on {r}", a.rule);
            if a.outcome == Outcome::Fail {
                assert_eq!(a.explanation, b.explanation, "{} on {r}", a.rule);
            }
            *outcomes.entry((a.rule.to_string(), a.outcome)).or_default() += 1;
            compared += 1;
        }
    }
    println!(
        "  outcome mix of the hand-written rules over {} records:",
        records.len()
    );
    for ((rule, outcome), n) in &outcomes {
        println!("    {rule:<9} {:<14} {n}", format!("{outcome:?}"));
    }
    compared
}

fn summary(pack: &CheckedProgram, rules: usize, hand_rules: &CheckedProgram) {
    let schema = Schema::load_dir(&root().join("rules/schema")).unwrap();
    let gb = hand::Gb18218::load(&root().join("rules/tables/gb18218-2018"));
    let n = record_count();
    println!("== regkb check benchmark (single thread) ==");
    println!(
        "pack: {rules} rules (rules/examples + renamed variants), as_of {}",
        as_of()
    );
    let rss_program = status_kb("VmRSS:");

    // One record at a time, as a checker works: generate, validate, evaluate
    // (the pack, then the hand-written rules interpreted and by hand), drop. Each
    // stage is timed on its own.
    // each program is prepared once (its rules' constant parts shared), as a
    // checker serving many records would
    let engine = Engine::new(pack);
    let hand_engine = Engine::new(hand_rules);
    let reset = reset_peak();
    let (cpu_start, wall_start) = (thread_cpu(), Instant::now());
    let (mut t_gen, mut t_val, mut t_eval) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let (mut t_five, mut t_hand) = (Duration::ZERO, Duration::ZERO);
    let mut fails = 0usize;
    let mut bytes = 0usize;
    let mut generator = RecordGenerator::new(SEED);
    for _ in 0..n {
        let t0 = Instant::now();
        let v = generator.next_record();
        let t1 = Instant::now();
        let record = validate_record(&v, &schema).unwrap();
        let t2 = Instant::now();
        let e = engine.evaluate(record.value(), as_of());
        let t3 = Instant::now();
        let f = hand_engine.evaluate(record.value(), as_of());
        let t4 = Instant::now();
        let h = hand::evaluate(record.value(), as_of(), &gb);
        let t5 = Instant::now();
        t_gen += t1 - t0;
        t_val += t2 - t1;
        t_eval += t3 - t2;
        t_five += t4 - t3;
        t_hand += t5 - t4;
        fails += e
            .findings
            .iter()
            .filter(|f| f.outcome == Outcome::Fail)
            .count();
        bytes += serde_json::to_vec(&v).map_or(0, |b| b.len());
        black_box((e, f, h));
    }
    let peak = status_kb("VmHWM:");
    // on a shared machine the thread does not get a whole core: the share it
    // got says how far the wall-clock figures below are from an idle machine's
    let share = match (cpu_start, thread_cpu()) {
        (Some(a), Some(b)) => (b - a).as_secs_f64() / wall_start.elapsed().as_secs_f64(),
        _ => f64::NAN,
    };
    println!(
        "this thread ran {:.0} % of the wall time of the loop (100 % = a core of its own)",
        share * 100.0
    );
    println!(
        "{n} records ({:.1} KiB of JSON each on average), {fails} fail findings",
        bytes as f64 / n as f64 / 1024.0
    );
    println!(
        "evaluate {rules} rules: {:.2?} = {:.0} records/s (target ≥ 20000)",
        t_eval,
        per_second(n, t_eval)
    );
    println!(
        "validate:          {:.2?} = {:.0} records/s",
        t_val,
        per_second(n, t_val)
    );
    println!(
        "validate+evaluate: {:.2?} = {:.0} records/s",
        t_val + t_eval,
        per_second(n, t_val + t_eval)
    );
    println!("(generating the records took {t_gen:.2?}, not counted)");
    println!(
        "{} hand-written rules interpreted: {:.2?} ({:.0} records/s); by hand: {:.2?} ({:.0} records/s); overhead {:.2}× (target ≤ 5×)",
        HAND.len(),
        t_five,
        per_second(n, t_five),
        t_hand,
        per_second(n, t_hand),
        t_five.as_secs_f64() / t_hand.as_secs_f64()
    );
    println!(
        "memory: RSS after loading the pack {}; peak RSS over the whole run {}{}",
        mib(rss_program),
        mib(peak),
        if reset { "" } else { " (since process start)" }
    );

    let sample: Vec<Value> = RecordGenerator::new(SEED).take(n.min(20_000)).collect();
    let compared = agreement(hand_rules, &gb, &sample);
    println!(
        "hand-written and interpreted agree on all {compared} findings (outcome, and explanation when fail)"
    );
}

/// `(path, text)` of every rule file the default rule set loads: `rules/**`
/// without the feature demos in `examples/`.
fn shipped_sources() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = walkdir::WalkDir::new(root().join("rules"))
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.file_name() != "examples")
        .map(|e| e.unwrap())
        .filter(|e| e.path().extension().is_some_and(|x| x == "rule"))
        .map(|e| {
            let name = e.path().display().to_string();
            (name, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// Issue 4's figure: the rule packs regkb ships, evaluated single-threaded
/// over the same generated records (validation outside the timing).
fn shipped_packs() {
    let program = compile(&shipped_sources());
    let rules = program.rules().count();
    let schema = Schema::load_dir(&root().join("rules/schema")).unwrap();
    let engine = Engine::new(&program);
    let n = record_count();
    let mut generator = RecordGenerator::new(SEED);
    let (cpu_start, wall_start) = (thread_cpu(), Instant::now());
    let mut t_eval = Duration::ZERO;
    let mut findings = 0usize;
    for _ in 0..n {
        let v = generator.next_record();
        let record = validate_record(&v, &schema).unwrap();
        let t0 = Instant::now();
        let e = engine.evaluate(record.value(), as_of());
        t_eval += t0.elapsed();
        findings += e.findings.len();
    }
    let share = match (cpu_start, thread_cpu()) {
        (Some(a), Some(b)) => (b - a).as_secs_f64() / wall_start.elapsed().as_secs_f64(),
        _ => f64::NAN,
    };
    println!(
        "shipped packs: {rules} rules, {n} records, {findings} findings: evaluate {:.0} records/s; peak RSS {}; thread ran {:.0} % of the wall time",
        per_second(n, t_eval),
        mib(status_kb("VmHWM:")),
        share * 100.0
    );
}

fn main() {
    let summary_only = std::env::args().any(|a| a == "--summary-only");
    if std::env::args().any(|a| a == "--shipped-only") {
        // for profiling the shipped packs alone
        shipped_packs();
        return;
    }
    let start = Instant::now();
    let base = compile(&example_sources());
    let base_time = start.elapsed();
    let start = Instant::now();
    let (pack, rules) = benchmark_pack();
    let pack_time = start.elapsed();
    assert!(rules >= MIN_RULES);
    println!(
        "parse + check: rules/examples ({} rules, 6 tables) {base_time:.2?}; the {rules}-rule pack {pack_time:.2?} (both include reading the files)",
        base.rules().count()
    );
    let hand_rules = hand_pack();
    let gb = hand::Gb18218::load(&root().join("rules/tables/gb18218-2018"));
    summary(&pack, rules, &hand_rules);
    shipped_packs();
    if summary_only {
        return;
    }
    // criterion runs on 10 000 records held in memory (100 000 parsed records
    // take over 1 GiB and measure the memory system more than the evaluator)
    let recs: Vec<Value> = RecordGenerator::new(SEED).take(10_000).collect();
    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .configure_from_args();
    let engine = Engine::new(&pack);
    let hand_engine = Engine::new(&hand_rules);
    let mut g = c.benchmark_group("check");
    g.throughput(Throughput::Elements(recs.len() as u64));
    g.bench_function(format!("evaluate_{rules}_rules_10k_records"), |b| {
        b.iter(|| {
            for r in &recs {
                black_box(engine.evaluate(r, as_of()));
            }
        });
    });
    g.bench_function("seven_rules_interpreted_10k_records", |b| {
        b.iter(|| {
            for r in &recs {
                black_box(hand_engine.evaluate(r, as_of()));
            }
        });
    });
    g.bench_function("seven_rules_by_hand_10k_records", |b| {
        b.iter(|| {
            for r in &recs {
                black_box(hand::evaluate(r, as_of(), &gb));
            }
        });
    });
    g.finish();
    c.final_summary();
}
