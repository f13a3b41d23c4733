//! Law names the finder recognises without 《》: the names a library knows,
//! or a plain list, behind one small trait so the finder stays pure.

use crate::library::Library;

/// Longest law name the finder tries, in characters.
pub(crate) const MAX_NAME_CHARS: usize = 60;

/// Recognises law names at the end of a piece of text.
pub trait KnownNames {
    /// The byte length of the longest law name that `text_before` ends with,
    /// if any (`违反安全生产法` → the length of `安全生产法`).
    fn longest_name_ending_at(&self, text_before: &str) -> Option<usize>;
}

/// A fixed list of names (full titles, short titles, abbreviations).
///
/// ```
/// use regkb::citation::{KnownNames, NameList};
/// let names = NameList::new(["安全生产法", "中华人民共和国安全生产法"]);
/// assert_eq!(names.longest_name_ending_at("违反中华人民共和国安全生产法"), Some("中华人民共和国安全生产法".len()));
/// ```
#[derive(Debug, Clone, Default)]
pub struct NameList {
    names: Vec<String>,
}

impl NameList {
    pub fn new<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        NameList {
            names: names
                .into_iter()
                .map(Into::into)
                .filter(|n: &String| !n.trim().is_empty())
                .collect(),
        }
    }
}

impl KnownNames for NameList {
    fn longest_name_ending_at(&self, text_before: &str) -> Option<usize> {
        self.names
            .iter()
            .filter(|n| text_before.ends_with(n.as_str()))
            .map(String::len)
            .max()
    }
}

/// Every name the library resolves: full titles, derived short titles and the
/// experts' aliases. Tries the longest suffix first.
impl KnownNames for Library {
    fn longest_name_ending_at(&self, text_before: &str) -> Option<usize> {
        let starts: Vec<usize> = text_before
            .char_indices()
            .rev()
            .take(MAX_NAME_CHARS)
            .map(|(i, _)| i)
            .collect();
        // `starts` runs from the last character backwards; try the longest
        // candidate (earliest start) first, down to two characters.
        for &start in starts.iter().rev() {
            let candidate = text_before.get(start..)?;
            if candidate.chars().count() < 2 {
                break;
            }
            let first = candidate.chars().next()?;
            if first.is_whitespace() || matches!(first, '《' | '》' | '〈' | '〉' | '<' | '>') {
                continue;
            }
            if self.resolve_title(candidate).is_some() {
                return Some(candidate.len());
            }
        }
        None
    }
}
