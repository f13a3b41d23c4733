//! Whole-query citations: a search box input that is nothing but a citation
//! (`安法 24条`, `《消防法》第十六条第一款第三项`, `刑法134条之一`).
//!
//! The law name is returned as written; the library resolves it.

use crate::statute::ArticleNo;

use super::scan::{Di, element_at, is_number_char};

/// A query that cites one provision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryCitation {
    /// The law name as written, trimmed, without 《》.
    pub law: String,
    pub article: ArticleNo,
    pub paragraph: Option<u32>,
    pub item: Option<u32>,
}

/// Longest law name accepted in a query, in characters.
const MAX_NAME_CHARS: usize = 80;

/// Words people add after a citation that do not change what they ask for.
const TRAILING_WORDS: &[&str] = &[
    "怎么规定的",
    "是怎么规定的",
    "说的什么",
    "讲的什么",
    "说了什么",
    "是什么",
    "的规定",
    "的内容",
    "规定",
    "内容",
    "原文",
    "全文",
];

/// Parses a query that is exactly one citation: a law name (full, short or
/// abbreviated, with or without 《》) followed by an article in Chinese or
/// Arabic numerals, optionally with 款 and 项.
///
/// ```
/// use regkb::citation::parse_query_citation;
/// let q = parse_query_citation("《消防法》第十六条第一款第三项").unwrap();
/// assert_eq!((q.law.as_str(), q.article.number, q.paragraph, q.item), ("消防法", 16, Some(1), Some(3)));
/// assert!(parse_query_citation("煤气罐放在哪里").is_none());
/// ```
pub fn parse_query_citation(query: &str) -> Option<QueryCitation> {
    let q = strip_tail(query.trim());
    if q.is_empty() {
        return None;
    }
    for (pos, c) in q.char_indices() {
        if pos == 0 || !(c == '第' || is_number_char(c)) {
            continue;
        }
        let Some(el) = element_at(q, pos, Di::OrArabic) else {
            continue;
        };
        let Some(article) = el.article else {
            continue;
        };
        if el.end != q.len() {
            continue;
        }
        let law = clean_name(q.get(..pos)?)?;
        return Some(QueryCitation {
            law,
            article,
            paragraph: el.paragraph,
            item: el.item,
        });
    }
    None
}

/// Drops trailing punctuation and filler words (`的规定`, `是什么`).
fn strip_tail(mut q: &str) -> &str {
    loop {
        let before = q;
        q = q.trim_end_matches(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '？' | '?' | '。' | '.' | '！' | '!' | '，' | ',' | '；' | ';'
                )
        });
        for w in TRAILING_WORDS {
            if let Some(s) = q.strip_suffix(w) {
                q = s;
                break;
            }
        }
        if q == before {
            return q;
        }
    }
}

/// The law name part: trimmed, outer 《》 removed, and plausible as a name
/// (no sentence punctuation, not only numerals, not too long).
fn clean_name(raw: &str) -> Option<String> {
    let mut name = raw.trim();
    if let Some(inner) = name.strip_prefix('《').and_then(|n| n.strip_suffix('》')) {
        name = inner.trim();
    }
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return None;
    }
    let sentence_punct = |c: char| {
        matches!(
            c,
            '，' | ',' | '。' | '；' | ';' | '？' | '?' | '！' | '!' | '：' | ':' | '\n' | '\r'
        )
    };
    if name.chars().any(sentence_punct) {
        return None;
    }
    // `安全生产法第二十四条和` is not a name: a citation inside means the query
    // cites more than one provision.
    if name.char_indices().any(|(i, c)| {
        c == '第' && element_at(name, i, Di::Required).is_some_and(|e| e.article.is_some())
    }) {
        return None;
    }
    if !name
        .chars()
        .any(|c| !is_number_char(c) && !c.is_whitespace() && !matches!(c, '《' | '》'))
    {
        return None;
    }
    Some(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// (law, article, 之N, paragraph, item)
    type Expect<'a> = Option<(&'a str, u32, u32, Option<u32>, Option<u32>)>;

    #[track_caller]
    fn check(query: &str, expect: Expect<'_>) {
        let got = parse_query_citation(query);
        let got = got.as_ref().map(|q| {
            (
                q.law.as_str(),
                q.article.number,
                q.article.sub,
                q.paragraph,
                q.item,
            )
        });
        assert_eq!(got, expect, "parsing `{query}`");
    }

    #[test]
    fn parses_citation_queries() {
        check(
            "安全生产法第二十四条",
            Some(("安全生产法", 24, 0, None, None)),
        );
        check("安法 24条", Some(("安法", 24, 0, None, None)));
        check("危化品法 39条", Some(("危化品法", 39, 0, None, None)));
        check(
            "《消防法》第十六条第一款第三项",
            Some(("消防法", 16, 0, Some(1), Some(3))),
        );
        check("刑法134条之一", Some(("刑法", 134, 1, None, None)));
        check("刑法第一百三十四条之一", Some(("刑法", 134, 1, None, None)));
        check(
            "安全生产法第24条第2款",
            Some(("安全生产法", 24, 0, Some(2), None)),
        );
        check(
            "中华人民共和国安全生产法 第二十四条",
            Some(("中华人民共和国安全生产法", 24, 0, None, None)),
        );
        check(
            "  《安全生产法》 第24条 ",
            Some(("安全生产法", 24, 0, None, None)),
        );
        check(
            "安全生产法第二十四条？",
            Some(("安全生产法", 24, 0, None, None)),
        );
        check(
            "安全生产法第二十四条的规定",
            Some(("安全生产法", 24, 0, None, None)),
        );
        check(
            "安全生产法第二十四条是什么",
            Some(("安全生产法", 24, 0, None, None)),
        );
        check(
            "安全生产法第２４条",
            Some(("安全生产法", 24, 0, None, None)),
        );
        check(
            "刑法修正案（十一）第一条",
            Some(("刑法修正案（十一）", 1, 0, None, None)),
        );
        check(
            "《关于修改〈中华人民共和国安全生产法〉的决定》第一条",
            Some((
                "关于修改〈中华人民共和国安全生产法〉的决定",
                1,
                0,
                None,
                None,
            )),
        );
    }

    #[test]
    fn rejects_other_queries() {
        check("", None);
        check("   ", None);
        check("第二十四条", None);
        check("24条", None);
        check("煤气罐放在哪里", None);
        check("安全生产法", None);
        check("安全生产法第二十四条和第二十五条", None);
        check("安全生产法第二十四条规定了什么义务要求", None);
        check("安全生产法第五条例", None);
        check("企业第一次检查", None);
        check("老板不培训，第3天就出事了", None);
        check("《》第一条", None);
        check("，第一条", None);
        check("二十四条", None);
        check("安法 二十四", None);
    }

    proptest! {
        /// `label` then parse gives the same article number, through
        /// `ArticleNo::from_str` and through a query citation, and so does `key`.
        #[test]
        fn article_labels_round_trip(number in 1u32..=9_999, sub in prop_oneof![Just(0u32), 1u32..=20]) {
            let no = ArticleNo::with_sub(number, sub);
            prop_assert_eq!(no.label().parse::<ArticleNo>(), Ok(no));
            prop_assert_eq!(no.key().parse::<ArticleNo>(), Ok(no));
            let q = parse_query_citation(&format!("安全生产法{}", no.label()));
            prop_assert_eq!(q.map(|q| q.article), Some(no));
            let arabic = if sub == 0 { format!("安法 {number}条") } else { format!("安法{number}条之{}", crate::statute::numeral::to_chinese_numeral(sub)) };
            prop_assert_eq!(parse_query_citation(&arabic).map(|q| q.article), Some(no));
        }

        #[test]
        fn query_parser_never_panics(q in "[《》第条款项之一二三十百0-9 安全生产法？\\PC]{0,40}") {
            if let Some(c) = parse_query_citation(&q) {
                prop_assert!(!c.law.trim().is_empty());
            }
        }
    }
}
