//! Record validation against the [`Schema`]: every problem at once, each
//! named by JSON pointer, in a fixed order (per record: missing required
//! fields, then the present fields in key order, depth first).
//!
//! ```
//! use regkb::record::{validate_record, Schema};
//! # let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/schema");
//! let schema = Schema::load_dir(&dir).unwrap();
//! let bad = serde_json::json!({"uscc": "91330481MA2B00000Y", "employees": -3, "colour": "red"});
//! let problems = validate_record(&bad, &schema).unwrap_err();
//! let pointers: Vec<_> = problems.iter().map(|p| p.pointer.as_str()).collect();
//! assert_eq!(pointers, ["/name", "/colour", "/employees"]);
//! ```
//!
//! Decisions: `null` is accepted only where the schema marks a field
//! `nullable` (it then means "explicitly none"); elsewhere the way to say
//! "not known" is to leave the field out. Unknown fields are rejected at every
//! level, except keys starting with `x_`, which belong to other systems and are
//! ignored. A wrong USCC check character is a warning, not a rejection (the
//! contract's own example has one).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::schema::{FieldMeta, FieldType, Format, Schema};
use super::uscc::{Uscc, check_cas};

/// One thing wrong with a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// JSON pointer (RFC 6901) to the value, `""` for the whole document.
    pub pointer: String,
    /// What is wrong, in Chinese.
    pub message: String,
    /// What would be accepted there.
    pub expected: String,
    /// Where in the document, when known (see [`super::locate_problems`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl Problem {
    pub fn new(pointer: impl Into<String>, message: String, expected: String) -> Self {
        Problem {
            pointer: pointer.into(),
            message,
            expected,
            line: None,
            column: None,
        }
    }
}

/// A record that passed validation. Only [`validate_record`] builds one.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRecord {
    uscc: Uscc,
    value: Value,
    warnings: Vec<Problem>,
}

impl ValidRecord {
    pub fn uscc(&self) -> &Uscc {
        &self.uscc
    }

    /// The record as sent (nothing is changed by validation).
    pub fn value(&self) -> &Value {
        &self.value
    }

    pub fn into_value(self) -> Value {
        self.value
    }

    /// Things worth a look that do not reject the record (a USCC whose check
    /// character is wrong).
    pub fn warnings(&self) -> &[Problem] {
        &self.warnings
    }
}

/// Validates a record; see the module documentation for the rules.
pub fn validate_record(value: &Value, schema: &Schema) -> Result<ValidRecord, Vec<Problem>> {
    let (uscc, warnings) = walk(value, schema)?;
    Ok(ValidRecord {
        uscc,
        value: value.clone(),
        warnings,
    })
}

/// [`validate_record`] taking the record by value: a valid record keeps it
/// without a copy (the request path parses, validates and evaluates once).
pub fn validate_record_owned(value: Value, schema: &Schema) -> Result<ValidRecord, Vec<Problem>> {
    let (uscc, warnings) = walk(&value, schema)?;
    Ok(ValidRecord {
        uscc,
        value,
        warnings,
    })
}

/// The checks of [`validate_record`]: the record's USCC and warnings, or
/// every problem.
fn walk(value: &Value, schema: &Schema) -> Result<(Uscc, Vec<Problem>), Vec<Problem>> {
    let mut walker = Walker {
        schema,
        required: schema
            .metas
            .iter()
            .filter(|(_, m)| m.required)
            .map(|(k, _)| match k.rsplit_once('.') {
                Some((parent, name)) => (parent, name),
                None => ("", k.as_str()),
            })
            .collect(),
        dotted: String::new(),
        ptr: String::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    match value {
        Value::Object(_) => walker.record(value, &schema.root),
        other => walker.problem(
            format!("记录应为 JSON 对象，实际为{}", kind_of(other)),
            "一个 JSON 对象 `{\"uscc\": …, \"name\": …}`".to_string(),
        ),
    }
    if !walker.problems.is_empty() {
        return Err(walker.problems);
    }
    let uscc = value
        .get("uscc")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Uscc>().ok());
    match uscc {
        Some(uscc) => Ok((uscc, walker.warnings)),
        // unreachable after a clean walk, but never panic
        None => Err(vec![Problem::new(
            "/uscc",
            "缺少统一社会信用代码".to_string(),
            "18位统一社会信用代码".to_string(),
        )]),
    }
}

static NO_META: FieldMeta = FieldMeta {
    description: String::new(),
    required: false,
    nullable: false,
    null_means: None,
    unique: false,
    format: None,
    max: None,
    origin: super::schema::Origin::CoreV1,
};

/// Walks a record along the schema. `dotted` and `ptr` are the current
/// schema path and JSON pointer, grown and shrunk in place so that a clean
/// record costs no allocation per field.
struct Walker<'a> {
    schema: &'a Schema,
    /// (parent dotted path, field name) of every required field.
    required: Vec<(&'a str, &'a str)>,
    dotted: String,
    ptr: String,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
}

/// "`name`（short description）", formatted only when a message needs it.
struct Label<'x>(&'x str, &'x FieldMeta);

impl std::fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`（{}）", self.0, short(&self.1.description))
    }
}

impl<'a> Walker<'a> {
    /// A problem at the current pointer.
    fn problem(&mut self, message: String, expected: String) {
        self.problems
            .push(Problem::new(self.ptr.clone(), message, expected));
    }

    fn meta(&self) -> &'a FieldMeta {
        self.schema.meta(&self.dotted).unwrap_or(&NO_META)
    }

    /// Steps into field `key`; returns the lengths to restore.
    fn enter(&mut self, key: &str) -> (usize, usize) {
        let saved = (self.dotted.len(), self.ptr.len());
        if !self.dotted.is_empty() {
            self.dotted.push('.');
        }
        self.dotted.push_str(key);
        self.ptr.push('/');
        if key.contains(['~', '/']) {
            self.ptr.push_str(&escape(key));
        } else {
            self.ptr.push_str(key);
        }
        saved
    }

    fn leave(&mut self, saved: (usize, usize)) {
        self.dotted.truncate(saved.0);
        self.ptr.truncate(saved.1);
    }

    fn record(&mut self, value: &Value, fields: &BTreeMap<String, FieldType>) {
        let Value::Object(map) = value else {
            return;
        };
        let missing: Vec<&'a str> = self
            .required
            .iter()
            .filter(|(parent, name)| *parent == self.dotted && !map.contains_key(*name))
            .map(|(_, name)| *name)
            .collect();
        for name in missing {
            let saved = self.enter(name);
            let meta = self.meta();
            self.problem(
                format!("缺少必填字段 `{name}`（{}）", short(&meta.description)),
                expected_of(fields.get(name), meta),
            );
            self.leave(saved);
        }
        for (key, v) in map {
            match fields.get(key) {
                Some(ty) => {
                    let saved = self.enter(key);
                    self.value(v, ty, key);
                    self.leave(saved);
                }
                None if key.starts_with("x_") => {}
                None => {
                    let hint = suggest(key, fields.keys())
                        .map(|s| format!("；是否想写 `{s}`？"))
                        .unwrap_or_default();
                    let place = if self.dotted.is_empty() {
                        "记录架构".to_string()
                    } else {
                        format!("`{}`", self.dotted)
                    };
                    let saved = self.enter(key);
                    self.problem(
                        format!("未知字段 `{key}`：{place}中没有这个字段{hint}"),
                        "架构中登记的字段，或以 `x_` 开头的扩展字段".to_string(),
                    );
                    self.leave(saved);
                }
            }
        }
    }

    fn value(&mut self, v: &Value, ty: &FieldType, name: &str) {
        let meta = self.meta();
        let label = Label(name, meta);
        if v.is_null() {
            if !meta.nullable {
                self.problem(
                    format!("{label}不能为 null：不清楚时请省略该字段"),
                    expected_of(Some(ty), meta),
                );
            }
            return;
        }
        let wrong_type = |w: &mut Self| {
            w.problem(
                format!(
                    "{label}应为{}，实际为{} `{}`",
                    type_word(ty),
                    kind_of(v),
                    snippet(v)
                ),
                expected_of(Some(ty), meta),
            );
        };
        match ty {
            FieldType::Integer { min, .. } => {
                // `12.0` is an integer too, as in JSON Schema
                let whole = v.as_f64().filter(|f| f.fract() == 0.0);
                let n = match (v.as_i64(), whole) {
                    (Some(n), _) => n,
                    #[allow(clippy::cast_possible_truncation)]
                    (None, Some(f)) if f.abs() < 9.0e15 => f as i64,
                    (None, Some(_)) => {
                        self.problem(
                            format!("{label}数值 `{}` 过大", snippet(v)),
                            expected_of(Some(ty), meta),
                        );
                        return;
                    }
                    (None, None) => return wrong_type(self),
                };
                #[allow(clippy::cast_precision_loss)]
                self.bounds(n as f64, min.map(|m| m as f64), &label, ty, v);
            }
            FieldType::Number { min, .. } => match v.as_f64() {
                Some(n) => self.bounds(n, *min, &label, ty, v),
                None => wrong_type(self),
            },
            FieldType::Bool => {
                if !v.is_boolean() {
                    wrong_type(self);
                }
            }
            FieldType::String => match v.as_str() {
                None => wrong_type(self),
                Some(s) => self.string(s, &label, ty),
            },
            FieldType::Enum(values) => match v.as_str() {
                None => wrong_type(self),
                Some(s) if values.iter().any(|x| x == s) => {}
                Some(s) => self.problem(
                    format!("{label}的值 `{s}` 不在可选范围内"),
                    expected_of(Some(ty), meta),
                ),
            },
            FieldType::Date => match v.as_str() {
                None => wrong_type(self),
                Some(s) => {
                    if let Err(why) = parse_date(s) {
                        self.problem(
                            format!("{label}{why}"),
                            "`YYYY-MM-DD` 格式的日期".to_string(),
                        );
                    }
                }
            },
            FieldType::List(elem) => {
                let Some(items) = v.as_array() else {
                    return wrong_type(self);
                };
                let mut seen = BTreeSet::new();
                for (i, item) in items.iter().enumerate() {
                    let saved_ptr = self.ptr.len();
                    self.ptr.push('/');
                    // writing into a String cannot fail
                    let _ = write!(self.ptr, "{i}");
                    match elem.as_ref() {
                        FieldType::Record(fields) => {
                            if item.is_object() {
                                self.record(item, fields);
                            } else {
                                self.problem(
                                    format!(
                                        "{label}的第{}项应为对象，实际为{} `{}`",
                                        i + 1,
                                        kind_of(item),
                                        snippet(item)
                                    ),
                                    "JSON 对象".to_string(),
                                );
                            }
                        }
                        other => {
                            self.value(item, other, name);
                            if meta.unique
                                && let Some(s) = item.as_str()
                                && !seen.insert(s)
                            {
                                self.problem(
                                    format!("{label}中 `{s}` 重复"),
                                    "每个值最多出现一次".to_string(),
                                );
                            }
                        }
                    }
                    self.ptr.truncate(saved_ptr);
                }
            }
            FieldType::Record(fields) => {
                if v.is_object() {
                    self.record(v, fields);
                } else {
                    wrong_type(self);
                }
            }
        }
    }

    fn bounds(&mut self, n: f64, min: Option<f64>, label: &Label<'_>, ty: &FieldType, v: &Value) {
        let meta = label.1;
        if let Some(min) = min
            && n < min
        {
            self.problem(
                format!("{label}不能小于 {min}，实际为 `{}`", snippet(v)),
                expected_of(Some(ty), meta),
            );
        }
        if let Some(max) = meta.max
            && n > max
        {
            self.problem(
                format!("{label}不能大于 {max}，实际为 `{}`", snippet(v)),
                expected_of(Some(ty), meta),
            );
        }
    }

    fn string(&mut self, s: &str, label: &Label<'_>, ty: &FieldType) {
        let meta = label.1;
        if meta.required && s.trim().is_empty() {
            self.problem(format!("{label}不能为空"), expected_of(Some(ty), meta));
            return;
        }
        match meta.format {
            Some(Format::Uscc) => match s.parse::<Uscc>() {
                Err(why) => self.problem(
                    format!("`{s}` 不是有效的统一社会信用代码：{why}"),
                    expected_of(Some(ty), meta),
                ),
                Ok(code) if !code.check_digit_ok() => self.warnings.push(Problem::new(
                    self.ptr.clone(),
                    format!(
                        "统一社会信用代码 `{s}` 的校验位应为 `{}`（GB 32100），请核对",
                        code.expected_check_char()
                    ),
                    expected_of(Some(ty), meta),
                )),
                Ok(_) => {}
            },
            Some(Format::Cas) => {
                if let Err(why) = check_cas(s) {
                    self.problem(format!("{label} `{s}`：{why}"), expected_of(Some(ty), meta));
                }
            }
            None => {}
        }
    }
}

/// Parses a `YYYY-MM-DD` date strictly; the error is a Chinese clause to put
/// after the field's name (`的日期 `2026-02-30` 不存在`).
pub fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    let field = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<i16>().ok());
    match (shape, field(0..4), field(5..7), field(8..10)) {
        (true, Some(y), Some(m), Some(d)) => {
            let m = i8::try_from(m).unwrap_or(0);
            let d = i8::try_from(d).unwrap_or(0);
            jiff::civil::Date::new(y, m, d).map_err(|_| format!("的日期 `{s}` 不存在"))
        }
        _ => Err(format!("应为 `YYYY-MM-DD` 格式的日期，实际为 `{s}`")),
    }
}

/// RFC 6901 escaping of one reference token.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The description up to its first clause break, for labels.
fn short(description: &str) -> &str {
    description
        .split(['，', '；', '（', ','])
        .next()
        .unwrap_or(description)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "布尔值",
        Value::Number(_) => "数字",
        Value::String(_) => "字符串",
        Value::Array(_) => "列表",
        Value::Object(_) => "对象",
    }
}

fn type_word(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::Integer { .. } => "整数",
        FieldType::Number { .. } => "数字",
        FieldType::Bool => "布尔值（true/false）",
        FieldType::String | FieldType::Enum(_) => "字符串",
        FieldType::Date => "日期字符串",
        FieldType::List(_) => "列表",
        FieldType::Record(_) => "对象",
    }
}

/// What the schema accepts at a field, in Chinese.
pub(crate) fn expected_of(ty: Option<&FieldType>, meta: &FieldMeta) -> String {
    let mut out = match ty {
        None => String::new(),
        Some(FieldType::Integer { unit, min }) => {
            let mut s = "整数".to_string();
            if let Some(u) = unit {
                s.push_str(&format!("（{}）", u.symbol()));
            }
            if let Some(m) = min {
                s.push_str(&format!("，≥ {m}"));
            }
            s
        }
        Some(FieldType::Number { unit, min }) => {
            let mut s = "数字".to_string();
            if let Some(u) = unit {
                s.push_str(&format!("（{}）", u.symbol()));
            }
            if let Some(m) = min {
                s.push_str(&format!("，≥ {m}"));
            }
            s
        }
        Some(FieldType::Bool) => "true 或 false".to_string(),
        Some(FieldType::String) => match meta.format {
            Some(Format::Uscc) => {
                "18位统一社会信用代码（数字及除 I、O、S、V、Z 外的大写字母）".to_string()
            }
            Some(Format::Cas) => "CAS 号，如 `7782-50-5`".to_string(),
            None if meta.required => "非空字符串".to_string(),
            None => "字符串".to_string(),
        },
        Some(FieldType::Enum(values)) => format!("以下之一：{}", values.join("、")),
        Some(FieldType::Date) => "`YYYY-MM-DD` 格式的日期".to_string(),
        Some(FieldType::List(elem)) => match elem.as_ref() {
            FieldType::Enum(values) => format!("列表，元素取自：{}", values.join("、")),
            FieldType::Record(_) => "对象列表".to_string(),
            other => format!("列表，元素为{}", type_word(other)),
        },
        Some(FieldType::Record(_)) => "JSON 对象".to_string(),
    };
    if let Some(max) = meta.max {
        out.push_str(&format!("，≤ {max}"));
    }
    if meta.nullable {
        let means = meta.null_means.as_deref().unwrap_or("没有");
        out.push_str(&format!("；或 null（{means}）"));
    }
    out
}

/// A compact rendering of a value for messages (at most 40 characters).
fn snippet(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 40 {
        let head: String = text.chars().take(40).collect();
        format!("{head}…")
    } else {
        text
    }
}

/// The known field closest to a misspelt one, if any is close.
fn suggest<'a>(key: &str, names: impl Iterator<Item = &'a String>) -> Option<&'a str> {
    let limit = (key.chars().count() / 3).max(1);
    names
        .map(|n| (distance(key, n), n))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, n)| n.as_str())
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(parse_date("2026-02-28").is_ok());
        assert!(parse_date("2024-02-29").is_ok());
        assert_eq!(
            parse_date("2026-02-30").unwrap_err(),
            "的日期 `2026-02-30` 不存在"
        );
        assert_eq!(
            parse_date("2026-13-01").unwrap_err(),
            "的日期 `2026-13-01` 不存在"
        );
        assert!(parse_date("20260228").unwrap_err().contains("格式"));
        assert!(parse_date("2026-2-28").unwrap_err().contains("格式"));
        assert!(parse_date("２０２６-02-28").unwrap_err().contains("格式"));
    }

    #[test]
    fn suggestions() {
        let names = ["employees".to_string(), "name".to_string()];
        assert_eq!(suggest("employes", names.iter()), Some("employees"));
        assert_eq!(suggest("colour", names.iter()), None);
    }

    #[test]
    fn pointer_escaping() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
    }
}
