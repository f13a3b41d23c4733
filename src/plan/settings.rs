//! The expert-edited plan settings `rules/plan/plan.toml`: sample share,
//! yearly visit cap, department order and minutes per visit and item;
//! parsed and validated, with errors naming the file and line.

use serde::{Deserialize, Serialize};

/// The shipped settings, compiled in so planning works without the file.
pub const DEFAULT_SETTINGS: &str = include_str!("../../rules/plan/plan.toml");

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SettingsError {
    #[error("plan settings `{file}` line {line}: {message}")]
    Parse {
        file: String,
        line: usize,
        message: String,
    },
    #[error("plan settings `{file}`: {message}")]
    Invalid { file: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub sample: SampleSettings,
    pub visits: VisitSettings,
    pub departments: DepartmentSettings,
    pub minutes: Minutes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleSettings {
    /// Share of the enterprises that are neither 红 nor 橙 drawn at random.
    pub share: f64,
    /// At least this many are drawn (when there are that many).
    pub minimum: usize,
    /// Passing rules spot-checked per randomly drawn enterprise.
    pub pass_items: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitSettings {
    /// On-site visits per department per enterprise per calendar year.
    pub cap: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentSettings {
    /// Tie-break order for the lead department.
    pub order: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Minutes {
    pub per_visit: u32,
    pub confirm: u32,
    pub verify: u32,
    pub spot: u32,
}

impl Settings {
    /// The shipped settings.
    pub fn shipped() -> Result<Settings, SettingsError> {
        Settings::parse(DEFAULT_SETTINGS, "rules/plan/plan.toml")
    }

    /// Parse and validate the text of a settings file; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Settings, SettingsError> {
        let settings: Settings = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text.get(..s.start).unwrap_or("").matches('\n').count() + 1)
                .unwrap_or(1);
            SettingsError::Parse {
                file: file.to_owned(),
                line,
                message: e.message().trim().to_owned(),
            }
        })?;
        let s = &settings.sample;
        if !(s.share.is_finite() && (0.0..=1.0).contains(&s.share)) {
            return Err(SettingsError::Invalid {
                file: file.to_owned(),
                message: format!("`sample.share` must lie in 0..=1, got {}", s.share),
            });
        }
        if let Some(bad) = settings
            .departments
            .order
            .iter()
            .find(|d| !crate::dsl::DEPARTMENTS.contains(&d.as_str()))
        {
            return Err(SettingsError::Invalid {
                file: file.to_owned(),
                message: format!(
                    "`departments.order` names `{bad}`, which is not a department rules can name ({})",
                    crate::dsl::DEPARTMENTS.join("、")
                ),
            });
        }
        Ok(settings)
    }

    /// Where a department stands in the tie-break order (unlisted ones after
    /// every listed one, then by name).
    pub fn department_rank<'a>(&self, department: &'a str) -> (usize, &'a str) {
        let order = &self.departments.order;
        match order.iter().position(|d| d == department) {
            Some(i) => (i, ""),
            None => (order.len(), department),
        }
    }
}
