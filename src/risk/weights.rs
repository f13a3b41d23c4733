//! The expert-edited weights file `rules/risk/weights.toml`: parsed and
//! validated, with errors naming the file and line in Chinese (the experts
//! who edit it read Chinese; the TOML reader's English is reworded here).
//!
//! ```
//! use regkb::risk::Weights;
//! let text = regkb::risk::DEFAULT_WEIGHTS.replace("orange = 35", "orange = \"三十五\"");
//! let err = Weights::parse(&text, "w.toml").unwrap_err().to_string();
//! assert!(err.contains("设置项 `orange` 应为非负整数，收到字符串 \"三十五\""), "{err}");
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Colour;

/// The shipped weights, compiled in so scoring works without the file.
pub const DEFAULT_WEIGHTS: &str = include_str!("../../rules/risk/weights.toml");

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WeightsError {
    #[error("风险权重文件 `{file}` 第 {line} 行：{message}")]
    Parse {
        file: String,
        line: usize,
        message: String,
    },
    #[error("风险权重文件 `{file}`：{message}")]
    Invalid { file: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub thresholds: Thresholds,
    pub major_hazard: HazardWeights,
    pub findings: FindingWeights,
    pub overdue_dangers: OverdueWeights,
    pub unknown: UnknownWeights,
    pub category: CategoryWeights,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub red: u32,
    pub orange: u32,
    pub yellow: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HazardWeights {
    pub grade1: u32,
    pub grade2: u32,
    pub grade3: u32,
    pub grade4: u32,
    pub per_extra_unit: u32,
    #[serde(default)]
    pub forces_grade1: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingWeights {
    pub major_fail: u32,
    pub general_fail: u32,
    pub general_fail_cap: u32,
    #[serde(default)]
    pub forces_major_fail: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverdueWeights {
    pub each: u32,
    pub cap: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnknownWeights {
    pub full_share: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryWeights {
    pub default: u32,
    #[serde(default)]
    pub points: BTreeMap<String, u32>,
    #[serde(default)]
    pub extra: ExtraWeights,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraWeights {
    #[serde(default)]
    pub dust: u32,
    #[serde(default)]
    pub ammonia: u32,
}

impl Weights {
    /// The shipped weights.
    pub fn shipped() -> Result<Weights, WeightsError> {
        Weights::parse(DEFAULT_WEIGHTS, "rules/risk/weights.toml")
    }

    /// Parse and validate the text of a weights file; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Weights, WeightsError> {
        let weights: Weights = toml::from_str(text).map_err(|e| {
            let start = e.span().map(|s| s.start);
            let before = start.and_then(|at| text.get(..at)).unwrap_or("");
            let line = start.map_or(1, |_| before.matches('\n').count() + 1);
            let line_text = text.lines().nth(line - 1).unwrap_or("");
            WeightsError::Parse {
                file: file.to_owned(),
                line,
                message: worded(e.message(), key_of(line_text)),
            }
        })?;
        weights.validate(file)?;
        Ok(weights)
    }

    fn validate(&self, file: &str) -> Result<(), WeightsError> {
        let invalid = |message: String| WeightsError::Invalid {
            file: file.to_owned(),
            message,
        };
        let t = &self.thresholds;
        if !(t.red > t.orange && t.orange > t.yellow) {
            return Err(invalid(format!(
                "颜色阈值须满足 red > orange > yellow（红 > 橙 > 黄），现为 red = {}、orange = {}、yellow = {}",
                t.red, t.orange, t.yellow
            )));
        }
        for (key, value) in [
            (
                "major_hazard.forces_grade1",
                &self.major_hazard.forces_grade1,
            ),
            (
                "findings.forces_major_fail",
                &self.findings.forces_major_fail,
            ),
        ] {
            if !value.is_empty() && forced_colour(value).is_none() {
                return Err(invalid(format!(
                    "设置项 `{key}` 只能是 \"红\"、\"橙\"、\"黄\" 或 \"\"（不强制），现为 `{value}`"
                )));
            }
        }
        Ok(())
    }

    /// The colour a grade-1 unit forces, if any.
    pub fn grade1_floor(&self) -> Option<Colour> {
        forced_colour(&self.major_hazard.forces_grade1)
    }

    /// The colour a 重大隐患 fail forces, if any.
    pub fn major_fail_floor(&self) -> Option<Colour> {
        forced_colour(&self.findings.forces_major_fail)
    }
}

fn forced_colour(label: &str) -> Option<Colour> {
    match label {
        "红" => Some(Colour::Red),
        "橙" => Some(Colour::Orange),
        "黄" => Some(Colour::Yellow),
        _ => None,
    }
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
