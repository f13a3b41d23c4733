//! Law names: normalization and the experts' alias list.
//!
//! The alias file (`corpus/aliases.toml`) maps full titles to the short names
//! and abbreviations people use:
//!
//! ```toml
//! "中华人民共和国安全生产法" = ["安法", "新安法"]
//! ```

use std::collections::BTreeMap;
use std::path::Path;

/// Alias → full title.
#[derive(Debug, Clone, Default)]
pub struct Aliases {
    to_title: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AliasesError {
    #[error("cannot read alias file `{path}`: {reason}")]
    Read { path: String, reason: String },
}

impl Aliases {
    /// Parses `title = [alias, …]` tables.
    pub fn parse(text: &str, path: &str) -> Result<Self, AliasesError> {
        let table: BTreeMap<String, Vec<String>> =
            toml::from_str(text).map_err(|e| AliasesError::Read {
                path: path.to_string(),
                reason: e.to_string(),
            })?;
        let mut to_title = BTreeMap::new();
        for (title, aliases) in table {
            for alias in aliases {
                to_title.insert(alias, title.clone());
            }
        }
        Ok(Aliases { to_title })
    }

    pub fn load(path: &Path) -> Result<Self, AliasesError> {
        let text = std::fs::read_to_string(path).map_err(|e| AliasesError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// (alias, full title) pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.to_title.iter().map(|(a, t)| (a.as_str(), t.as_str()))
    }
}

/// Canonical form for name lookups: no 《》 or spaces, full-width brackets.
pub fn normalize_law_name(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '《' | '》' | '〈' | '〉' | '<' | '>' | ' ' | '\u{3000}'))
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            other => other,
        })
        .collect()
}
