//! Fuzz target for the rule parser (and what follows it): any text must give
//! either a parsed file or diagnostics, never a panic; a parsed file must
//! format and re-parse to the same tree, and checking and evaluating it must
//! not panic either.
//!
//! Run: `cargo +nightly fuzz run parse_rules fuzz/corpus/parse_rules` (from the repo root).

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use regkb::dsl::{self, SourceFile};
use regkb::record::Schema;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/schema");
    Schema::load_dir(&dir).unwrap_or_default()
});

fn tables(path: &str) -> Result<String, String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/tables");
    if path.contains("..") {
        return Err("outside".into());
    }
    std::fs::read_to_string(dir.join(path)).map_err(|e| e.to_string())
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let src = SourceFile::new("fuzz.rule", text);
    let Ok(file) = dsl::parse(&src) else {
        return;
    };
    let formatted = dsl::format_file(&file);
    let again = dsl::parse(&SourceFile::new("fuzz-fmt.rule", formatted.clone()))
        .unwrap_or_else(|e| panic!("formatted text does not parse: {}\n{formatted}", dsl::render_all(&e)));
    assert_eq!(file, again, "format changed the meaning:\n{formatted}");
    assert_eq!(dsl::format_file(&again), formatted, "format is not idempotent");
    if let Ok(checked) = dsl::check(&[file], &SCHEMA, &tables, None) {
        let record = serde_json::json!({"employees": 5, "units": [{"id": "A", "chemicals": []}]});
        let _ = dsl::evaluate(&checked.program, &record, jiff::civil::date(2026, 11, 28));
        let _ = dsl::run_examples(&checked.program);
    }
});
