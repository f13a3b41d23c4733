//! Links between pages, built in one place: law and article paths (only
//! the ASCII that would break a segment is percent-encoded), search links with their query strings,
//! and the escape-then-mark helper for highlighted text.
//!
//! ```ignore
//! assert_eq!(article_href("安全生产法", ArticleNo::with_sub(134, 1)), "/law/安全生产法/134-1");
//! ```

use percent_encoding::percent_encode_byte;

use crate::statute::ArticleNo;

/// A path segment: ASCII that would end or change the segment is
/// percent-encoded; other characters stay as they are (browsers encode them
/// when following the link, and the page stays small and readable).
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let unsafe_ascii = c.is_ascii_control()
            || matches!(
                c,
                ' ' | '"'
                    | '#'
                    | '%'
                    | '/'
                    | '<'
                    | '>'
                    | '?'
                    | '`'
                    | '{'
                    | '}'
                    | '\\'
                    | '^'
                    | '|'
                    | '['
                    | ']'
                    | '\''
            );
        if unsafe_ascii {
            out.push_str(percent_encode_byte(c as u8));
        } else {
            out.push(c);
        }
    }
    out
}

/// `/law/{title}`: a document's overview.
pub fn law_href(title: &str) -> String {
    format!("/law/{}", segment(title))
}

/// `/law/{title}/{article}`: one article.
pub fn article_href(title: &str, no: ArticleNo) -> String {
    format!("/law/{}/{}", segment(title), no.key())
}

/// `path?k=v&…`, empty values left out.
pub fn query_href(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        ser.append_pair(k, v);
        any = true;
    }
    if any {
        format!("{path}?{}", ser.finish())
    } else {
        path.to_string()
    }
}

/// HTML-escapes `text` (askama's escaper, the one templates use).
pub fn escape(text: &str) -> String {
    match askama::filters::escape(text, askama::filters::Html) {
        Ok(safe) => safe.to_string(),
        Err(never) => match never {},
    }
}

/// `text` escaped, with the byte ranges `marks` wrapped in `<mark>`. Ranges
/// that overlap, run backwards or cut a character are left unmarked.
pub fn escape_and_mark(text: &str, marks: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len() + marks.len() * 13);
    let mut at = 0;
    let mut sorted = marks.to_vec();
    sorted.sort_unstable();
    for (start, end) in sorted {
        if start < at || end <= start {
            continue;
        }
        let (Some(before), Some(marked)) = (text.get(at..start), text.get(start..end)) else {
            continue;
        };
        out.push_str(&escape(before));
        out.push_str("<mark>");
        out.push_str(&escape(marked));
        out.push_str("</mark>");
        at = end;
    }
    out.push_str(&escape(text.get(at..).unwrap_or("")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_after_escaping() {
        let text = "<b>第一条</b> 本办法用于测试";
        let start = text.find("本办法").unwrap();
        let got = escape_and_mark(text, &[(start, start + "本办法".len())]);
        assert_eq!(
            got,
            "&#60;b&#62;第一条&#60;/b&#62; <mark>本办法</mark>用于测试"
        );
    }

    #[test]
    fn bad_ranges_are_ignored() {
        let text = "测试";
        // 1..2 cuts the first character; 5..9 runs past the end
        assert_eq!(escape_and_mark(text, &[(1, 2), (5, 9)]), "测试");
        assert_eq!(
            escape_and_mark(text, &[(0, 3), (0, 6)]),
            "<mark>测</mark>试"
        );
    }

    #[test]
    fn paths_are_encoded() {
        assert_eq!(
            article_href("a b/c", ArticleNo::with_sub(134, 1)),
            "/law/a%20b%2Fc/134-1"
        );
        assert_eq!(law_href("《安全生产法》?"), "/law/《安全生产法》%3F");
        assert_eq!(
            query_href("/search", &[("q", "安法 24条"), ("kind", "")]),
            "/search?q=%E5%AE%89%E6%B3%95+24%E6%9D%A1"
        );
        assert_eq!(query_href("/search", &[("q", "")]), "/search");
    }
}
