//! Text normalization before segmentation: full-width letters and digits
//! become ASCII (`ＧＢ１８２１８` → `GB18218`) while every normalized byte
//! offset maps back to the original text, and standard numbers such as
//! `GB/T 33000-2016` are found so they can be indexed as one keyword.
//!
//! ```ignore
//! let n = Normalized::new("ＧＢ １８２１８－２０１８");
//! assert_eq!(n.text(), "GB 18218-2018");
//! assert_eq!(n.original_offset(2), 6);
//! ```

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// Normalized text plus the map back to the original's byte offsets.
pub(crate) struct Normalized<'a> {
    text: Cow<'a, str>,
    /// `map[i]` is the original byte offset of normalized byte `i` (only
    /// char boundaries are meaningful); `None` when nothing changed.
    map: Option<Vec<usize>>,
    original_len: usize,
}

fn fold_char(c: char) -> Option<char> {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '－' | '／' | '．' => {
            char::from_u32(c as u32 - 0xFEE0)
        }
        '\u{3000}' => Some(' '),
        _ => None,
    }
}

impl<'a> Normalized<'a> {
    pub(crate) fn new(original: &'a str) -> Self {
        if !original.chars().any(|c| fold_char(c).is_some()) {
            return Normalized {
                text: Cow::Borrowed(original),
                map: None,
                original_len: original.len(),
            };
        }
        let mut text = String::with_capacity(original.len());
        let mut map = Vec::with_capacity(original.len() + 1);
        for (at, c) in original.char_indices() {
            let out = fold_char(c).unwrap_or(c);
            for _ in 0..out.len_utf8() {
                map.push(at);
            }
            text.push(out);
        }
        map.push(original.len());
        Normalized {
            text: Cow::Owned(text),
            map: Some(map),
            original_len: original.len(),
        }
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The original byte offset for a normalized byte offset on a char boundary.
    pub(crate) fn original_offset(&self, at: usize) -> usize {
        match &self.map {
            None => at.min(self.original_len),
            Some(map) => map.get(at).copied().unwrap_or(self.original_len),
        }
    }
}

/// Prefixes of Chinese national and sector standards that regulations cite.
static STANDARD_NO: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(GBZ|GBJ|GB|AQ|JGJ|TSG|SY|SH|HG|DL|NB|MT|CJJ|XF|GA|WS|YB|JT|DB\d{2})\s*(/\s*[TZ]|[TZ])?\s*(\d{1,6}(?:\.\d{1,3})*)(?:\s*[-—–‐－]\s*((?:19|20)\d{2}))?",
    )
    .ok()
});

/// A standard number found in normalized text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StandardNo {
    pub start: usize,
    pub end: usize,
    /// `gb18218-2018` (or `gb18218` when no year was written).
    pub keyword: String,
    /// `gb18218`: the number without the year, so `GB 18218` finds every edition.
    pub base: String,
}

/// Finds standard numbers (`GB 18218-2018`, `GB/T 33000-2016`, `AQ 3013`).
/// A match must not continue an ASCII word (`XGB 1` is not a standard).
pub(crate) fn find_standard_numbers(text: &str) -> Vec<StandardNo> {
    let mut out = Vec::new();
    if !text.bytes().any(|b| b.is_ascii_alphabetic()) {
        return out;
    }
    let Some(re) = STANDARD_NO.as_ref() else {
        return out;
    };
    for caps in re.captures_iter(text) {
        let Some(all) = caps.get(0) else { continue };
        let before = text.get(..all.start()).and_then(|s| s.chars().next_back());
        if before.is_some_and(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        let after = text.get(all.end()..).and_then(|s| s.chars().next());
        if after.is_some_and(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        let prefix = caps
            .get(1)
            .map(|m| m.as_str().to_ascii_lowercase())
            .unwrap_or_default();
        let letter = caps
            .get(2)
            .map(|m| {
                m.as_str()
                    .chars()
                    .filter(char::is_ascii_alphabetic)
                    .collect::<String>()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        let number = caps.get(3).map(|m| m.as_str()).unwrap_or_default();
        let base = format!("{prefix}{letter}{number}");
        let keyword = match caps.get(4) {
            Some(year) => format!("{base}-{}", year.as_str()),
            None => base.clone(),
        };
        out.push(StandardNo {
            start: all.start(),
            end: all.end(),
            keyword,
            base,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, expect: &[&str]) {
        let got: Vec<String> = find_standard_numbers(text)
            .into_iter()
            .map(|s| s.keyword)
            .collect();
        assert_eq!(got, expect, "standard numbers in `{text}`");
    }

    #[test]
    fn standard_numbers_become_one_keyword() {
        check("依据GB 18218-2018辨识", &["gb18218-2018"]);
        check("GB/T 33000-2016 企业安全生产标准化", &["gbt33000-2016"]);
        check("gb/t33000—2016", &["gbt33000-2016"]);
        check("GBT 33000", &["gbt33000"]);
        check("符合AQ 3013的要求", &["aq3013"]);
        check("GB 50016—2014（2018年版）", &["gb50016-2014"]);
        check("GBZ 2.1-2019", &["gbz2.1-2019"]);
        check("没有标准号", &[]);
        check("XGB 123", &[]);
    }

    #[test]
    fn full_width_maps_back() {
        let original = "ＧＢ　１８２１８－２０１８号";
        let n = Normalized::new(original);
        assert_eq!(n.text(), "GB 18218-2018号");
        assert_eq!(n.original_offset(0), 0);
        assert_eq!(n.original_offset(1), 3);
        let end = n.text().len();
        assert_eq!(n.original_offset(end), original.len());
        let hao = n.text().find('号').unwrap();
        assert_eq!(&original[n.original_offset(hao)..], "号");
        let plain = Normalized::new("安全生产");
        assert_eq!(plain.original_offset(3), 3);
    }
}
