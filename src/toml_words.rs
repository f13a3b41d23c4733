//! The TOML reader's error messages, which are English, in Chinese for the
//! files experts edit (the risk weights, the rule coverage lists): the line
//! the problem is on, and what is wrong, naming the key.
//!
//! ```
//! #[derive(Debug, serde::Deserialize)]
//! struct Limits {
//!     orange: u32,
//! }
//! #[derive(Debug, serde::Deserialize)]
//! struct File {
//!     thresholds: Limits,
//! }
//! let text = "[thresholds]\norange = \"三十五\"\n";
//! let e = toml::from_str::<File>(text).unwrap_err();
//! let (line, words) = regkb::toml_words::explain(text, &e);
//! assert_eq!(line, 2);
//! assert_eq!(words, "设置项 `orange` 应为非负整数，收到字符串 \"三十五\"");
//! ```

/// The line (from 1) of the problem and what is wrong, in Chinese.
pub fn explain(text: &str, e: &toml::de::Error) -> (usize, String) {
    let start = e.span().map(|s| s.start);
    let before = start.and_then(|at| text.get(..at)).unwrap_or("");
    let line = start.map_or(1, |_| before.matches('\n').count() + 1);
    let line_text = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    (line, worded(e.message(), key_of(line_text)))
}

/// The key set on a line (`orange = "三十五"` → `orange`), if it sets one.
fn key_of(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && !key.starts_with('[') && !key.starts_with('#')).then_some(key)
}

/// The TOML reader's (English) message in Chinese; `key` is the key set on
/// the line concerned, when there is one.
fn worded(message: &str, key: Option<&str>) -> String {
    let m = message.trim();
    if let Some(name) = backticked_after(m, "missing field") {
        return format!("缺少设置项 `{name}`");
    }
    if let Some(name) = backticked_after(m, "unknown field") {
        let known = m
            .split_once("expected")
            .map(|(_, tail)| backticked(tail))
            .unwrap_or_default();
        return if known.is_empty() {
            format!("不认识的设置项 `{name}`")
        } else {
            format!("不认识的设置项 `{name}`（此处可用：{}）", known.join("、"))
        };
    }
    let subject = key.map_or_else(|| "此处的值".to_owned(), |k| format!("设置项 `{k}`"));
    if m.starts_with("duplicate key") {
        return match key {
            Some(k) => format!("设置项 `{k}` 重复出现"),
            None => "同一设置项或表重复出现".to_owned(),
        };
    }
    if let Some(rest) = m
        .strip_prefix("invalid type: ")
        .or_else(|| m.strip_prefix("invalid value: "))
    {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!(
            "{subject} 应为{}，收到{}",
            expected_words(expected),
            got_words(got)
        );
    }
    let expected = m
        .split_once("expected")
        .map(|(_, tail)| backticked(tail))
        .unwrap_or_default();
    let what = if m.starts_with("unclosed table") {
        "表头（[节]）缺少结尾的 `]`".to_owned()
    } else if m.contains("string") && expected.iter().any(|e| e == "\"" || e == "'") {
        "字符串缺少结尾的引号".to_owned()
    } else if m.starts_with("key with no value") {
        "此行缺少 `=` 和值".to_owned()
    } else if let Some(first) = expected.first() {
        format!("此处应为 `{first}`")
    } else {
        "请检查本行的等号、引号和方括号".to_owned()
    };
    format!("TOML 格式有误：{what}")
}

/// Every backticked word of `text`.
fn backticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The first backticked word after `prefix`, when `text` starts with it.
fn backticked_after(text: &str, prefix: &str) -> Option<String> {
    backticked(text.strip_prefix(prefix)?).into_iter().next()
}

/// What the reader expected, in words.
fn expected_words(expected: &str) -> &'static str {
    let e = expected.trim();
    if e.starts_with('u')
        && e.get(1..)
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
    {
        "非负整数"
    } else if e.contains("string") {
        "字符串"
    } else if e.contains("struct") || e.contains("map") || e.contains("table") {
        "一个表（[节]）"
    } else if e.contains("sequence") || e.contains("array") {
        "数组"
    } else {
        "符合要求的值"
    }
}

/// What the reader found instead, in words (with the value when given).
fn got_words(got: &str) -> String {
    let g = got.trim();
    let value = |prefix: &str| {
        g.trim_start_matches(prefix)
            .trim()
            .trim_matches('`')
            .to_owned()
    };
    if g.starts_with("string") {
        format!("字符串 {}", value("string"))
    } else if g.starts_with("integer") {
        format!("整数 {}", value("integer"))
    } else if g.starts_with("floating point") {
        format!("小数 {}", value("floating point"))
    } else if g.starts_with("boolean") {
        format!("布尔值 {}", value("boolean"))
    } else if g.starts_with("sequence") || g.starts_with("array") {
        "数组".to_owned()
    } else if g.starts_with("map") || g.starts_with("table") {
        "一个表".to_owned()
    } else {
        "不符合要求的值".to_owned()
    }
}
