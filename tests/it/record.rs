//! Record validation: fixtures (good ones validate, bad ones give every
//! problem by JSON pointer, as snapshots), limits, the published JSON Schema,
//! and "validation never panics" over arbitrary JSON.

use std::path::PathBuf;
use std::sync::LazyLock;

use proptest::prelude::*;
use regkb::record::{Limits, Problem, Schema, json_schema, parse_record, validate_record};
use serde_json::{Value, json};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

static SCHEMA: LazyLock<Schema> =
    LazyLock::new(|| Schema::load_dir(&root().join("rules/schema")).unwrap());

fn schema() -> Schema {
    SCHEMA.clone()
}

/// Parses and validates a document; `Ok(warnings)` or `Err(problems)`.
fn run(bytes: &[u8], schema: &Schema) -> Result<Vec<Problem>, Vec<Problem>> {
    let value = parse_record(bytes, &Limits::default())?;
    validate_record(&value, schema).map(|r| r.warnings().to_vec())
}

#[test]
fn good_fixtures_validate() {
    let schema = schema();
    insta::glob!("../fixtures/records", "good/*.json", |path| {
        let bytes = std::fs::read(path).unwrap();
        let warnings = run(&bytes, &schema).unwrap_or_else(|p| panic!("{path:?}: {p:#?}"));
        insta::assert_json_snapshot!(warnings);
    });
}

#[test]
fn bad_fixtures_report_every_problem() {
    let schema = schema();
    insta::glob!("../fixtures/records", "bad/*.json", |path| {
        let bytes = std::fs::read(path).unwrap();
        let problems = run(&bytes, &schema).expect_err("bad fixture validated");
        insta::assert_json_snapshot!(problems);
    });
}

#[test]
fn huge_nesting_is_a_clean_error() {
    let schema = schema();
    for doc in [
        "[".repeat(100_000),
        format!("{{\"x_a\":{}", "{\"x_a\":".repeat(100_000)),
    ] {
        let problems = run(doc.as_bytes(), &schema).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].pointer, "");
        assert!(
            problems[0].message.starts_with("嵌套层数超过上限 32 层"),
            "{problems:?}"
        );
    }
}

#[test]
fn ten_megabytes_are_refused_before_parsing() {
    let schema = schema();
    let filler = "某".repeat(4 * 1024 * 1024);
    let doc = format!(r#"{{"uscc": "91330481MA2C10002D", "name": "{filler}"}}"#);
    assert!(doc.len() > 10 * 1024 * 1024);
    let problems = run(doc.as_bytes(), &schema).unwrap_err();
    insta::assert_json_snapshot!(problems);
}

#[test]
fn a_record_just_under_the_limit_is_fine() {
    let schema = schema();
    let filler = "x".repeat(9 * 1024 * 1024);
    let doc = format!(r#"{{"uscc": "91330481MA2C10002D", "name": "{filler}"}}"#);
    assert!(run(doc.as_bytes(), &schema).is_ok());
}

/// Validates `value` and renders the problems as `pointer: message` lines.
fn check(value: Value, expect: &[&str]) {
    let got = match validate_record(&value, &schema()) {
        Ok(_) => vec![],
        Err(p) => p
            .into_iter()
            .map(|p| format!("{}: {}", p.pointer, p.message))
            .collect(),
    };
    assert_eq!(got, expect, "{value}");
}

const USCC: &str = "91330481MA2C10002D";

#[test]
fn validation_table() {
    check(json!({"uscc": USCC, "name": "甲"}), &[]);
    check(
        json!({"uscc": USCC, "name": "甲", "special_workers": [{"name": "李某", "certificate": null}]}),
        &[],
    );
    check(
        json!({"uscc": USCC, "name": "甲", "gas_use": {"uses_gas": true, "gas_alarm": null}}),
        &[],
    );
    check(
        json!({"uscc": USCC, "name": "甲", "employees": null}),
        &["/employees: `employees`（从业人员数）不能为 null：不清楚时请省略该字段"],
    );
    check(
        json!({"uscc": USCC, "name": "甲", "employees": 12.5}),
        &["/employees: `employees`（从业人员数）应为整数，实际为数字 `12.5`"],
    );
    check(json!({"uscc": USCC, "name": "甲", "employees": 12.0}), &[]);
    check(
        json!({"uscc": USCC, "name": "甲", "employees": 1e300}),
        &["/employees: `employees`（从业人员数）数值 `1e+300` 过大"],
    );
    check(
        json!({"uscc": USCC, "name": "甲", "employees": 18446744073709551615u64}),
        &["/employees: `employees`（从业人员数）数值 `18446744073709551615` 过大"],
    );
    check(
        json!({"uscc": USCC, "name": "甲", "units": [{"id": "A", "chemicals": [{"max_quantity_t": 0}]}]}),
        &[],
    );
    check(
        json!({"uscc": USCC, "name": "甲", "units": [{"id": "A", "chemicals": [{"max_quantity_t": -0.001}]}]}),
        &[
            "/units/0/chemicals/0/max_quantity_t: `max_quantity_t`（设计最大量）不能小于 0，实际为 `-0.001`",
        ],
    );
    check(
        json!({"uscc": USCC, "name": "甲", "a/b": 1}),
        &["/a~1b: 未知字段 `a/b`：记录架构中没有这个字段"],
    );
    check(
        json!({"uscc": USCC, "name": "甲", "region": {"town": "袁花镇"}}),
        &["/region/town: 未知字段 `town`：`region`中没有这个字段"],
    );
    check(
        json!({"uscc": USCC, "name": "甲", "x_erp": {"anything": [1, 2]}, "region": {"x_code": 1}}),
        &[],
    );
    check(
        json!({"uscc": USCC, "name": "  "}),
        &["/name: `name`（企业名称）不能为空"],
    );
    check(
        json!({"uscc": USCC, "name": "甲", "licences": [{"expires": "2027-02-29"}]}),
        &["/licences/0/expires: `expires`（有效期至）的日期 `2027-02-29` 不存在"],
    );
    check(
        json!({"uscc": USCC, "name": "甲", "licences": [{"expires": "2028-02-29"}]}),
        &[],
    );
    check(
        json!("91330481MA2C10002D"),
        &[": 记录应为 JSON 对象，实际为字符串"],
    );
}

#[test]
fn problem_order_is_deterministic() {
    let schema = schema();
    let text = std::fs::read(root().join("tests/fixtures/records/bad/wrong-types.json")).unwrap();
    let first = run(&text, &schema).unwrap_err();
    for _ in 0..5 {
        assert_eq!(run(&text, &schema).unwrap_err(), first);
    }
}

#[test]
fn uscc_check_digit_is_a_warning() {
    let schema = schema();
    let v = json!({"uscc": "91330481MA2B000001", "name": "海宁某化工有限公司"});
    let record = validate_record(&v, &schema).unwrap();
    assert_eq!(record.warnings().len(), 1);
    assert_eq!(
        record.warnings()[0].message,
        "统一社会信用代码 `91330481MA2B000001` 的校验位应为 `Y`（GB 32100），请核对"
    );
}

#[test]
fn published_json_schema_is_up_to_date() {
    let generated = serde_json::to_string_pretty(&json_schema(&schema())).unwrap() + "\n";
    let path = root().join("rules/schema/record.schema.json");
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    if published != generated && std::env::var_os("REGKB_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    assert!(
        published == generated,
        "rules/schema/record.schema.json is stale: run `REGKB_BLESS=1 cargo test published_json_schema`"
    );
}

#[test]
fn json_schema_covers_core_fields() {
    let js = json_schema(&schema());
    let chem = &js["properties"]["units"]["items"]["properties"]["chemicals"]["items"];
    assert_eq!(chem["properties"]["max_quantity_t"]["x-unit"], "t");
    assert_eq!(chem["properties"]["max_quantity_t"]["minimum"], 0.0);
    assert_eq!(
        chem["properties"]["flags"]["items"]["enum"],
        json!(["剧毒", "易制爆", "重点监管"])
    );
    let cert = &js["properties"]["special_workers"]["items"]["properties"]["certificate"];
    assert_eq!(cert["anyOf"][1]["type"], "null");
    assert_eq!(js["properties"]["dust"]["x-regkb-origin"], "project");
    assert_eq!(js["additionalProperties"], false);
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[0-9A-Z-]{0,20}".prop_map(Value::String),
        prop_oneof![
            Just("2026-02-30"),
            Just("2026-02-28"),
            Just("生产"),
            Just("重大"),
            Just("液氯"),
            Just("91330481MA2C10002D")
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    let keys = prop_oneof![
        Just("uscc"),
        Just("name"),
        Just("units"),
        Just("chemicals"),
        Just("max_quantity_t"),
        Just("special_workers"),
        Just("certificate"),
        Just("expires"),
        Just("employees"),
        Just("flags"),
        Just("hazchem_activities"),
        Just("gas_use"),
        Just("gas_alarm"),
        Just("id"),
        Just("x_other"),
        Just("bogus"),
        Just("region"),
        Just("township"),
    ];
    leaf.prop_recursive(6, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..8).prop_map(|m| {
                Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #[test]
    fn validation_never_panics(v in arb_json()) {
        let schema = &*SCHEMA;
        match validate_record(&v, schema) {
            Ok(r) => prop_assert!(r.value() == &v),
            Err(problems) => prop_assert!(!problems.is_empty()),
        }
        // the text path agrees with the value path
        let text = serde_json::to_vec(&v).unwrap();
        let _ = run(&text, schema);
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_record(&bytes, &Limits { max_bytes: 200, max_depth: 4 });
    }
}

#[test]
fn generated_records_are_valid_and_varied() {
    use regkb::record::RecordGenerator;
    let schema = &*SCHEMA;
    let mut categories = std::collections::BTreeSet::new();
    let mut with_units = 0;
    let mut null_certificates = 0;
    for v in RecordGenerator::new(42).take(2000) {
        if let Err(p) = validate_record(&v, schema) {
            panic!("{v}\n{p:#?}");
        }
        if let Some(c) = v.get("category").and_then(Value::as_str) {
            categories.insert(c.to_string());
        }
        with_units += usize::from(v.get("units").is_some());
        null_certificates += v["special_workers"].as_array().map_or(0, |ws| {
            ws.iter()
                .filter(|w| w.get("certificate") == Some(&Value::Null))
                .count()
        });
    }
    assert!(categories.len() >= 12, "{categories:?}");
    assert!(with_units > 200, "{with_units}");
    assert!(null_certificates > 20, "{null_certificates}");
    let a: Vec<Value> = RecordGenerator::new(1).take(3).collect();
    let b: Vec<Value> = RecordGenerator::new(1).take(3).collect();
    assert_eq!(a, b);
}
