//! The experts' query vocabulary (`corpus/synonyms.toml`): colloquial words
//! mapped to the terms statutes use, and stopwords dropped from queries.
//!
//! ```toml
//! stopwords = ["的", "吗", "要不要"]
//! [synonyms]
//! "危化品" = ["危险化学品"]
//! "煤气罐" = ["液化石油气", "钢瓶", "气瓶"]
//! ```
//!
//! A key stands for itself plus its expansions; keys are matched on the
//! query's words, so a key jieba splits (罚多少 → 罚 多少) still matches.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use super::SearchError;

#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    map: HashMap<String, Vec<String>>,
    stopwords: HashSet<String>,
    /// Longest key in characters, to bound the window when matching keys.
    max_key_chars: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    synonyms: BTreeMap<String, Vec<String>>,
}

impl Synonyms {
    pub fn parse(text: &str, path: &str) -> Result<Self, SearchError> {
        let file: File = toml::from_str(text).map_err(|e| SearchError::Vocabulary {
            path: path.to_string(),
            reason: e.message().to_string(),
            line: e
                .span()
                .map(|s| text.get(..s.start).unwrap_or("").lines().count().max(1)),
        })?;
        let mut map = HashMap::new();
        let mut max_key_chars = 0;
        for (key, values) in file.synonyms {
            let key = key.trim().to_lowercase();
            if key.is_empty() {
                continue;
            }
            max_key_chars = max_key_chars.max(key.chars().count());
            map.insert(
                key,
                values
                    .into_iter()
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect(),
            );
        }
        Ok(Synonyms {
            map,
            stopwords: file
                .stopwords
                .into_iter()
                .map(|s| s.trim().to_lowercase())
                .collect(),
            max_key_chars,
        })
    }

    pub fn expansions(&self, word: &str) -> Option<&[String]> {
        self.map.get(word).map(Vec::as_slice)
    }

    pub fn is_key(&self, word: &str) -> bool {
        self.map.contains_key(word)
    }

    pub fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.contains(word)
    }

    pub fn max_key_chars(&self) -> usize {
        self.max_key_chars
    }

    /// Keys and stopwords: colloquial words the query segmenter should keep
    /// whole. (Expansions are statute wording and must be segmented exactly
    /// as the indexed text was, so they are not added.)
    pub fn vocabulary(&self) -> impl Iterator<Item = &str> {
        self.map
            .keys()
            .map(String::as_str)
            .chain(self.stopwords.iter().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_and_stopwords() {
        let s = Synonyms::parse(
            "stopwords = [\"吗\", \"要不要\"]\n[synonyms]\n\"危化品\" = [\"危险化学品\"]\n\"LPG\" = [\"液化石油气\"]\n",
            "synonyms.toml",
        )
        .unwrap();
        assert_eq!(s.expansions("危化品").unwrap(), ["危险化学品"]);
        assert_eq!(s.expansions("lpg").unwrap(), ["液化石油气"]);
        assert!(s.is_stopword("要不要"));
        assert_eq!(s.max_key_chars(), 3);
    }

    #[test]
    fn reports_the_line_of_a_mistake() {
        let err =
            Synonyms::parse("[synonyms]\n\"危化品\" = \"危险化学品\"\n", "s.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("s.toml") && msg.contains("line 2"), "{msg}");
    }
}
