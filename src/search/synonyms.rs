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
    /// Title words of the statutes the knowledge base is about, with the
    /// factor their provisions' scores are multiplied by.
    priority: Vec<(String, f32)>,
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
    #[serde(default)]
    priority: BTreeMap<String, f32>,
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
            priority: file
                .priority
                .into_iter()
                .filter(|(w, f)| !w.trim().is_empty() && f.is_finite() && *f > 0.0)
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

    /// The score factor for provisions of a document titled `title`: the
    /// largest factor among the priority words the title contains, else 1.
    pub fn priority(&self, title: &str) -> f32 {
        self.priority
            .iter()
            .filter(|(w, _)| title.contains(w.as_str()))
            .map(|(_, f)| *f)
            .fold(None, |acc: Option<f32>, f| {
                Some(acc.map_or(f, |a| a.max(f)))
            })
            .unwrap_or(1.0)
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
    fn priority_takes_the_largest_matching_factor() {
        let s = Synonyms::parse(
            "[priority]\n\"安全生产\" = 1.5\n\"安全生产法\" = 2.0\n\"坏\" = -1.0\n",
            "s.toml",
        )
        .unwrap();
        assert_eq!(s.priority("中华人民共和国安全生产法"), 2.0);
        assert_eq!(s.priority("安全生产许可证条例"), 1.5);
        assert_eq!(s.priority("中华人民共和国民法典"), 1.0);
        assert_eq!(s.priority("坏"), 1.0);
    }

    #[test]
    fn reports_the_line_of_a_mistake() {
        let err =
            Synonyms::parse("[synonyms]\n\"危化品\" = \"危险化学品\"\n", "s.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("s.toml") && msg.contains("line 2"), "{msg}");
    }
}
