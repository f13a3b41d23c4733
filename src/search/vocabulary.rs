//! The project's search vocabulary, read from the corpus folder: the jieba
//! user dictionary (`userdict.txt`), synonyms and stopwords
//! (`synonyms.toml`), and the alias list (`aliases.toml`) whose names
//! citation queries accept.
//!
//! ```ignore
//! let vocab = Vocabulary::load(&ContentPaths::default())?;
//! ```

use crate::config::ContentPaths;
use crate::library::Aliases;

use super::SearchError;
use super::segmenter::{DictWord, parse_user_dictionary};
use super::synonyms::Synonyms;

pub const USER_DICT_FILE: &str = "userdict.txt";
pub const SYNONYMS_FILE: &str = "synonyms.toml";

#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    pub user_words: Vec<DictWord>,
    pub synonyms: Synonyms,
    pub synonyms_toml: String,
    pub alias_names: Vec<String>,
}

impl Vocabulary {
    /// Reads the files that exist; a missing file means an empty list, a
    /// malformed one is an error naming the file and line.
    pub fn load(content: &ContentPaths) -> Result<Self, SearchError> {
        let dir = &content.corpus_dir;
        let read = |name: &str| -> Result<Option<String>, SearchError> {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(t) => Ok(Some(t)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(SearchError::Io {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                }),
            }
        };
        let mut vocab = Vocabulary::default();
        if let Some(text) = read(USER_DICT_FILE)? {
            let (words, bad) = parse_user_dictionary(&text);
            if let Some((line, reason)) = bad.into_iter().next() {
                return Err(SearchError::Vocabulary {
                    path: dir.join(USER_DICT_FILE).display().to_string(),
                    line: Some(line),
                    reason,
                });
            }
            vocab.user_words = words;
        }
        if let Some(text) = read(SYNONYMS_FILE)? {
            vocab.synonyms =
                Synonyms::parse(&text, &dir.join(SYNONYMS_FILE).display().to_string())?;
            vocab.synonyms_toml = text;
        }
        let alias_file = dir.join("aliases.toml");
        if alias_file.is_file() {
            let aliases = Aliases::load(&alias_file).map_err(|e| SearchError::Vocabulary {
                path: alias_file.display().to_string(),
                line: None,
                reason: e.to_string(),
            })?;
            vocab.alias_names = aliases.iter().map(|(a, _)| a.to_string()).collect();
        }
        Ok(vocab)
    }
}
