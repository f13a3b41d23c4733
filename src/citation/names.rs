//! Law names the finder recognises without 《》: the names a library knows,
//! or a plain list, behind one small trait so the finder stays pure.

use std::collections::HashSet;

use crate::library::{Library, normalize_law_name};

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
/// experts' aliases. Tries the longest suffix first. For many lookups (a whole
/// text) prefer [`LibraryNames`], which answers most of them without
/// normalizing each candidate.
impl KnownNames for Library {
    fn longest_name_ending_at(&self, text_before: &str) -> Option<usize> {
        longest_suffix(text_before, MAX_NAME_CHARS, |candidate, _| {
            self.resolve_title(candidate).is_some()
        })
    }
}

/// Longest alias (in characters) looked up through the library for every
/// candidate; longer names are found in [`LibraryNames`]'s own table.
const SHORT_ALIAS_CHARS: usize = 8;

/// The library's names prepared for scanning a whole text: titles, document
/// aliases and short titles (without 中华人民共和国) in a table of their own, so
/// that only short candidates (the experts' abbreviations, 安法) go through
/// [`Library::resolve_title`].
///
/// ```
/// use regkb::citation::{KnownNames, LibraryNames};
/// use regkb::library::{Aliases, Library};
/// let lib = Library::from_documents(vec![], &Aliases::default());
/// assert_eq!(LibraryNames::new(&lib).longest_name_ending_at("违反安全生产法"), None);
/// ```
#[derive(Debug)]
pub struct LibraryNames<'a> {
    library: &'a Library,
    names: HashSet<String>,
    /// The first two characters of every name in `names`: most candidates
    /// are rejected on these before being hashed whole.
    prefixes: HashSet<(char, char)>,
    max_chars: usize,
}

fn first_two(s: &str) -> (char, char) {
    let mut it = s.chars();
    (it.next().unwrap_or(' '), it.next().unwrap_or(' '))
}

impl<'a> LibraryNames<'a> {
    pub fn new(library: &'a Library) -> Self {
        let mut names = HashSet::new();
        for d in library.documents() {
            for name in std::iter::once(&d.title).chain(d.aliases.iter()) {
                let n = normalize_law_name(name);
                if let Some(short) = n.strip_prefix("中华人民共和国") {
                    names.insert(short.to_string());
                }
                names.insert(n);
            }
        }
        let max_chars = names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(SHORT_ALIAS_CHARS, MAX_NAME_CHARS);
        let prefixes = names.iter().map(|n| first_two(n)).collect();
        LibraryNames {
            library,
            names,
            prefixes,
            max_chars,
        }
    }
}

impl KnownNames for LibraryNames<'_> {
    fn longest_name_ending_at(&self, text_before: &str) -> Option<usize> {
        longest_suffix(text_before, self.max_chars, |candidate, chars| {
            let short = chars <= SHORT_ALIAS_CHARS;
            if !short && !self.prefixes.contains(&first_two(candidate)) {
                return false;
            }
            let plain = !candidate.chars().any(|c| {
                matches!(c, '《' | '》' | '〈' | '〉' | '<' | '>' | '(' | ')') || c.is_whitespace()
            });
            if plain && self.names.contains(candidate) {
                return true;
            }
            // Short candidates may be the experts' aliases, which only the
            // library knows; others need normalizing (spaces, 〈〉 inside).
            (short || !plain) && self.library.resolve_title(candidate).is_some()
        })
    }
}

/// The byte length of the longest suffix of `text` (at most `max_chars`
/// characters, at least two) for which `known(suffix, chars)` holds. Suffixes
/// starting with a space or a bracket are not names.
fn longest_suffix(
    text: &str,
    max_chars: usize,
    known: impl Fn(&str, usize) -> bool,
) -> Option<usize> {
    let starts: Vec<usize> = text
        .char_indices()
        .rev()
        .take(max_chars)
        .map(|(i, _)| i)
        .collect();
    // starts[k] begins a suffix of k + 1 characters; longest first.
    for (k, &start) in starts.iter().enumerate().rev() {
        let chars = k + 1;
        if chars < 2 {
            break;
        }
        let candidate = text.get(start..)?;
        let first = candidate.chars().next()?;
        if first.is_whitespace() || matches!(first, '《' | '》' | '〈' | '〉' | '<' | '>') {
            continue;
        }
        if known(candidate, chars) {
            return Some(candidate.len());
        }
    }
    None
}
