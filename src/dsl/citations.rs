//! Citations in rules: the short names experts write, and the resolver the
//! checker asks whether a cited article exists and is in force.
//!
//! Without a resolver (no corpus loaded) citations are checked for form only
//! and short names are expanded with a small built-in table.
//!
//! ```
//! use regkb::dsl::full_law_title;
//! assert_eq!(full_law_title("安全生产法"), "中华人民共和国安全生产法");
//! assert_eq!(full_law_title("某省条例"), "某省条例");
//! ```

use jiff::civil::Date;

use crate::statute::ArticleNo;

/// The answer about one cited provision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Found {
        full_title: String,
        /// Whether the version in force on the date has the article.
        in_force_on_date: bool,
    },
    NoSuchLaw,
    NoSuchArticle {
        full_title: String,
    },
}

/// Looks up cited provisions in a statute corpus.
pub trait CitationResolver {
    /// `on` is the first day the rule is in force (or `None` when the rule has
    /// no effective date).
    fn resolve(
        &self,
        law: &str,
        article: ArticleNo,
        paragraph: Option<u32>,
        item: Option<u32>,
        on: Option<Date>,
    ) -> Resolution;
}

const SHORT_NAMES: [(&str, &str); 6] = [
    ("危险化学品安全法", "中华人民共和国危险化学品安全法"),
    ("安全生产法", "中华人民共和国安全生产法"),
    ("消防法", "中华人民共和国消防法"),
    ("特种设备安全法", "中华人民共和国特种设备安全法"),
    ("职业病防治法", "中华人民共和国职业病防治法"),
    ("突发事件应对法", "中华人民共和国突发事件应对法"),
];

/// The full title for a short law name from the built-in table; other names
/// are returned as written.
pub fn full_law_title(name: &str) -> String {
    let name = name.trim().trim_start_matches('《').trim_end_matches('》');
    SHORT_NAMES
        .iter()
        .find(|(short, _)| *short == name)
        .map(|(_, full)| (*full).to_string())
        .unwrap_or_else(|| name.to_string())
}
