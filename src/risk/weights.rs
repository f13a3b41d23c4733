//! The expert-edited weights file `rules/risk/weights.toml`: parsed and
//! validated, with errors naming the file and line in Chinese (the experts
//! who edit it read Chinese; the TOML reader's English is reworded by
//! [`crate::toml_words`]).
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
            let (line, message) = crate::toml_words::explain(text, &e);
            WeightsError::Parse {
                file: file.to_owned(),
                line,
                message,
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
