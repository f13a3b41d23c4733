//! Chinese wording for what serde reports in English: JSON syntax errors,
//! and data errors (wrong type, unknown or missing field, bad value) located
//! by JSON pointer (bodies) or parameter name (query strings).
//!
//! ```ignore
//! // serde: `invalid type: string "many", expected u64` at /employees
//! assert_eq!(data_error("/employees", msg).message, "字段 /employees 应为非负整数，收到字符串 \"many\"");
//! ```

use serde_path_to_error::{Path, Segment};

/// What a data error says, in Chinese, and the place it names.
pub struct Worded {
    /// The JSON pointer (body) of the field concerned.
    pub pointer: String,
    /// The field's own name (the last key), when it has one.
    pub name: Option<String>,
    pub message: String,
}

/// A serde path as a JSON pointer (`""` for the document itself).
pub fn pointer(path: &Path) -> String {
    path.iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                Some(key.replace('~', "~0").replace('/', "~1"))
            }
            Segment::Unknown => None,
        })
        .map(|s| format!("/{s}"))
        .collect()
}

/// The text between the first pair of backticks after `after`.
fn quoted(detail: &str, after: &str) -> Option<String> {
    let rest = detail.strip_prefix(after)?;
    let start = rest.find('`')?;
    let rest = rest.get(start + 1..)?;
    let end = rest.find('`')?;
    rest.get(..end).map(str::to_string)
}

/// All backticked words after `expected` (the accepted names).
fn expected_names(detail: &str) -> Vec<String> {
    let Some((_, tail)) = detail.split_once("expected") else {
        return Vec::new();
    };
    tail.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, w)| w.to_string())
        .collect()
}

/// serde's name of an expected type, in Chinese.
fn type_name(expected: &str) -> String {
    let e = expected.trim();
    let e = e
        .strip_prefix("a ")
        .or_else(|| e.strip_prefix("an "))
        .unwrap_or(e);
    match e {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "非负整数".to_string(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "integer" => "整数".to_string(),
        "f32" | "f64" | "number" => "数字".to_string(),
        "string" | "borrowed string" | "char" => "字符串".to_string(),
        "boolean" | "bool" => "布尔值（true 或 false）".to_string(),
        "sequence" | "list" | "array" | "tuple" => "数组".to_string(),
        "map" | "object" => "对象".to_string(),
        "unit" | "null" => "null".to_string(),
        other if other.starts_with("struct ") || other.starts_with("map") => "对象".to_string(),
        other if other.starts_with("tuple") || other.starts_with("sequence") => "数组".to_string(),
        _ => "符合要求的值".to_string(),
    }
}

/// serde's description of a value it got, in Chinese.
fn got(unexpected: &str) -> String {
    let u = unexpected.trim();
    let value = || {
        u.split_once(' ')
            .map(|(_, v)| v.trim_matches('`').to_string())
            .unwrap_or_default()
    };
    if u.starts_with("string") {
        format!("字符串 {}", value())
    } else if u.starts_with("integer") {
        format!("整数 {}", value())
    } else if u.starts_with("floating point") {
        format!(
            "小数 {}",
            u.trim_start_matches("floating point")
                .trim()
                .trim_matches('`')
        )
    } else if u.starts_with("boolean") {
        format!("布尔值 {}", value())
    } else if u == "null" || u == "unit value" {
        "null".to_string()
    } else if u.starts_with("sequence") {
        "数组".to_string()
    } else if u.starts_with("map") {
        "对象".to_string()
    } else {
        "不符合要求的值".to_string()
    }
}

/// Words a serde data error (the text before ` at line …`) found at
/// `path`. `what` names the place: `字段` (body) or `参数` (query).
pub fn data_error(path: &Path, detail: &str, what: &str) -> Worded {
    let at = pointer(path);
    let last_key = || {
        path.iter().rev().find_map(|s| match s {
            Segment::Map { key } => Some(key.clone()),
            _ => None,
        })
    };
    let place = |ptr: &str| {
        if what == "参数" {
            ptr.trim_start_matches('/').to_string()
        } else {
            ptr.to_string()
        }
    };
    if let Some(name) = quoted(detail, "missing field") {
        let ptr = format!("{at}/{name}");
        return Worded {
            message: format!("缺少必填{what} {}", place(&ptr)),
            pointer: ptr,
            name: Some(name),
        };
    }
    if let Some(name) = quoted(detail, "unknown field") {
        let known = expected_names(detail);
        let ptr = if at.ends_with(&format!("/{name}")) {
            at.clone()
        } else {
            format!("{at}/{name}")
        };
        let hint = if known.is_empty() {
            String::new()
        } else {
            format!("（可用的{what}：{}）", known.join("、"))
        };
        return Worded {
            message: format!("不认识的{what} {}{hint}", place(&ptr)),
            pointer: ptr,
            name: Some(name),
        };
    }
    let name = last_key();
    let shown = if at.is_empty() {
        "请求体".to_string()
    } else {
        format!("{what} {}", place(&at))
    };
    let message = if let Some(rest) = detail.strip_prefix("invalid type: ") {
        let (unexpected, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        format!(
            "{shown} 应为{}，收到{}",
            type_name(expected),
            got(unexpected)
        )
    } else if let Some(rest) = detail.strip_prefix("invalid value: ") {
        let (unexpected, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        format!(
            "{shown} 的值无效：应为{}，收到{}",
            type_name(expected),
            got(unexpected)
        )
    } else if let Some(variant) = quoted(detail, "unknown variant") {
        let known = expected_names(detail);
        format!(
            "{shown} 的取值 `{variant}` 无效（可选：{}）",
            known.join("、")
        )
    } else if detail.starts_with("invalid length") {
        format!("{shown} 的元素个数不符合要求")
    } else if let Some(kind) = parse_failure(detail) {
        format!("{shown} 应为{kind}")
    } else {
        format!("{shown} 的值不符合要求")
    };
    Worded {
        pointer: at,
        name,
        message,
    }
}

/// Errors from parsing a query value as a number or boolean.
fn parse_failure(detail: &str) -> Option<&'static str> {
    if detail.contains("digit")
        || detail.contains("integer")
        || detail.contains("too large")
        || detail.contains("too small")
    {
        Some("整数")
    } else if detail.contains("float") {
        Some("数字")
    } else if detail.contains("`true` or `false`") {
        Some("true 或 false")
    } else {
        None
    }
}

/// A JSON syntax error (the text before ` at line …`) in Chinese.
pub fn syntax_error(detail: &str) -> String {
    if detail.contains("recursion limit") {
        return "JSON 嵌套层数过深".to_string();
    }
    if detail.starts_with("EOF") {
        return "JSON 不完整".to_string();
    }
    let what = if detail.starts_with("expected value") {
        "此处应为一个 JSON 值"
    } else if detail.starts_with("expected `,` or `}`") {
        "此处应为 `,` 或 `}`"
    } else if detail.starts_with("expected `,` or `]`") {
        "此处应为 `,` 或 `]`"
    } else if detail.starts_with("expected `:`") {
        "此处应为 `:`"
    } else if detail.starts_with("expected ident") {
        "此处应为 true、false 或 null"
    } else if detail.starts_with("trailing comma") {
        "多余的逗号"
    } else if detail.starts_with("trailing characters") {
        "JSON 之后还有多余的内容"
    } else if detail.starts_with("key must be a string") {
        "对象的键须为字符串"
    } else if detail.starts_with("invalid escape") {
        "字符串中有无效的转义"
    } else if detail.starts_with("invalid number") || detail.starts_with("number out of range") {
        "无效或超出范围的数字"
    } else if detail.starts_with("control character") {
        "字符串中有未转义的控制字符"
    } else if detail.contains("unicode") || detail.contains("surrogate") || detail.contains("UTF-8")
    {
        "无效的 Unicode 字符"
    } else {
        "无法解析"
    };
    format!("JSON 格式错误：{what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(path: &str, detail: &str) -> (String, Option<String>, String) {
        // build a real serde path by failing at `path` in a JSON document
        let doc: serde_json::Value = serde_json::from_str(path).unwrap();
        let text = doc.to_string();
        let mut de = serde_json::Deserializer::from_str(&text);
        let err = serde_path_to_error::deserialize::<_, Shape>(&mut de).unwrap_err();
        let w = data_error(err.path(), detail, "字段");
        (w.pointer, w.name, w.message)
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Shape {
        a: Vec<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        n: u64,
    }

    fn check(doc: &str, detail: &str, expect: (&str, Option<&str>, &str)) {
        let (pointer, name, message) = data(doc, detail);
        assert_eq!(
            (pointer.as_str(), name.as_deref(), message.as_str()),
            expect,
            "{doc}"
        );
    }

    #[test]
    fn data_errors_name_the_place() {
        check(
            r#"{"a": [{"n": "x"}]}"#,
            "invalid type: string \"x\", expected u64",
            (
                "/a/0/n",
                Some("n"),
                "字段 /a/0/n 应为非负整数，收到字符串 \"x\"",
            ),
        );
        check(
            r#"{"a": [{}]}"#,
            "missing field `n`",
            ("/a/0/n", Some("n"), "缺少必填字段 /a/0/n"),
        );
        check(
            r#"{"a": 1.5}"#,
            "invalid type: floating point `1.5`, expected a sequence",
            ("/a", Some("a"), "字段 /a 应为数组，收到小数 1.5"),
        );
    }

    #[test]
    fn syntax_errors_are_chinese() {
        for (detail, expect) in [
            ("trailing comma", "JSON 格式错误：多余的逗号"),
            ("EOF while parsing an object", "JSON 不完整"),
            ("recursion limit exceeded", "JSON 嵌套层数过深"),
            ("something new", "JSON 格式错误：无法解析"),
        ] {
            assert_eq!(syntax_error(detail), expect);
        }
    }
}
