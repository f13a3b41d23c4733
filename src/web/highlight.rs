//! Server-side syntax highlighting of rule source (`*.rule`) for the rule
//! pages: a small lexer over the rule language's tokens (keywords, strings
//! with their `{…}` holes, numbers, dates, units after a number, article
//! references such as `第二十四条`, rule ids, comments and identifiers).
//! Every piece of text is HTML-escaped *before* it is wrapped in a
//! `<span class="hl-…">`, so the result may be inserted into a page as is.
//! The lexer never fails: whatever it does not recognise is plain text.
//!
//! ```ignore
//! use regkb::web::highlight::highlight;
//! let lines = highlight("require employees > 100 人 # <b>\n");
//! assert!(lines[0].starts_with(r#"<span class="hl-kw">require</span>"#));
//! assert!(lines[0].contains(r#"<span class="hl-com"># &lt;b&gt;</span>"#));
//! ```

use std::fmt::Write as _;

/// What a token is, by its CSS class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Keyword,
    String,
    /// A `{expression}` hole inside a string.
    Hole,
    Number,
    Date,
    Unit,
    /// `第二十四条`, `第二款`, `第三项`.
    Reference,
    /// `AQ-024-2`
    RuleId,
    Comment,
    Ident,
    /// Punctuation, operators and white space.
    Plain,
}

impl Class {
    pub fn css(self) -> &'static str {
        match self {
            Class::Keyword => "hl-kw",
            Class::String => "hl-str",
            Class::Hole => "hl-hole",
            Class::Number => "hl-num",
            Class::Date => "hl-date",
            Class::Unit => "hl-unit",
            Class::Reference => "hl-ref",
            Class::RuleId => "hl-rid",
            Class::Comment => "hl-com",
            Class::Ident => "hl-id",
            Class::Plain => "",
        }
    }
}

/// Words of the language (the grammar's keywords and field words).
const KEYWORDS: &[&str] = &[
    "rule",
    "cite",
    "standard",
    "clause",
    "severity",
    "departments",
    "effective",
    "from",
    "until",
    "subject",
    "exception",
    "to",
    "applies",
    "when",
    "require",
    "explain",
    "pass",
    "fail",
    "unknown",
    "not_applicable",
    "remedy",
    "example",
    "as_of",
    "record",
    "expect",
    "fact",
    "conflict",
    "hazard",
    "table",
    "key",
    "range",
    "column",
    "let",
    "major_hazards",
    "for",
    "and",
    "or",
    "not",
    "in",
    "contains",
    "otherwise",
    "before",
    "after",
    "if",
    "then",
    "else",
    "any",
    "all",
    "count",
    "sum",
    "list",
    "where",
    "true",
    "false",
    "none",
    "null",
    "text",
    "names",
    "number",
    "integer",
    "一般隐患",
    "重大隐患",
];

/// Units as written after a number (longest first).
const UNITS: &[&str] = &[
    "months", "month", "years", "year", "days", "day", "m³", "m3", "kg", "个月", "t", "m", "人",
    "天", "年",
];

/// One token: its class and its text (a slice of the source).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub class: Class,
    pub text: &'a str,
}

/// Splits rule source into tokens; concatenating their texts gives the
/// input back unchanged.
pub fn tokens(src: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = src;
    let mut after_number = false;
    while let Some(c) = rest.chars().next() {
        let (class, len) = if c == '#' {
            (Class::Comment, rest.find('\n').unwrap_or(rest.len()))
        } else if c == '"' {
            string_tokens(rest, &mut out);
            let len = string_len(rest);
            rest = rest.get(len..).unwrap_or_default();
            after_number = false;
            continue;
        } else if c.is_ascii_digit() {
            if let Some(len) = date_len(rest) {
                (Class::Date, len)
            } else {
                (Class::Number, number_len(rest))
            }
        } else if after_number && let Some(len) = unit_len(rest) {
            (Class::Unit, len)
        } else if c == '第'
            && let Some(len) = reference_len(rest)
        {
            (Class::Reference, len)
        } else if c.is_ascii_uppercase()
            && let Some(len) = rule_id_len(rest)
        {
            (Class::RuleId, len)
        } else if is_word_start(c) {
            let len = rest
                .char_indices()
                .find(|&(_, ch)| !is_word_continue(ch))
                .map_or(rest.len(), |(i, _)| i);
            let word = rest.get(..len).unwrap_or_default();
            let class = if KEYWORDS.contains(&word) {
                Class::Keyword
            } else {
                Class::Ident
            };
            (class, len)
        } else {
            (Class::Plain, c.len_utf8())
        };
        let len = len.max(1);
        let text = rest.get(..len).unwrap_or(rest);
        after_number = match class {
            Class::Number => true,
            Class::Plain => after_number && (c == ' ' || c == '\t'),
            _ => false,
        };
        push(&mut out, class, text);
        rest = rest.get(text.len()..).unwrap_or_default();
    }
    out
}

/// Appends a token.
fn push<'a>(out: &mut Vec<Token<'a>>, class: Class, text: &'a str) {
    out.push(Token { class, text });
}

fn is_word_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_word_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Byte length of the string literal at the start of `s` (to the closing
/// quote, or to the end of the line when it is not closed).
fn string_len(s: &str) -> usize {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            return i + 1;
        } else if c == '\n' {
            return i;
        }
    }
    s.len()
}

/// The tokens of the string literal at the start of `s`: string text with
/// `{…}` holes marked.
fn string_tokens<'a>(s: &'a str, out: &mut Vec<Token<'a>>) {
    let lit = s.get(..string_len(s)).unwrap_or(s);
    let mut start = 0;
    let mut hole: Option<usize> = None;
    for (i, c) in lit.char_indices() {
        match (c, hole) {
            ('{', None) => {
                if i > start {
                    push(out, Class::String, lit.get(start..i).unwrap_or_default());
                }
                hole = Some(i);
            }
            ('}', Some(h)) => {
                push(out, Class::Hole, lit.get(h..=i).unwrap_or_default());
                start = i + 1;
                hole = None;
            }
            _ => {}
        }
    }
    let from = hole.unwrap_or(start);
    if from < lit.len() {
        push(out, Class::String, lit.get(from..).unwrap_or_default());
    }
}

/// `2026-05-01` (not followed by another digit).
fn date_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let shape = b.len() >= 10
        && b.iter().take(10).enumerate().all(|(i, &ch)| {
            if i == 4 || i == 7 {
                ch == b'-'
            } else {
                ch.is_ascii_digit()
            }
        });
    let next_digit = b.get(10).is_some_and(u8::is_ascii_digit);
    (shape && !next_digit).then_some(10)
}

/// `12` or `2.5`.
fn number_len(s: &str) -> usize {
    let digits = |t: &str| t.bytes().take_while(u8::is_ascii_digit).count();
    let int = digits(s);
    let frac = s
        .get(int..)
        .and_then(|t| t.strip_prefix('.'))
        .map_or(0, digits);
    if frac > 0 { int + 1 + frac } else { int }
}

/// A unit at the start of `s` that is not the start of a longer word.
fn unit_len(s: &str) -> Option<usize> {
    UNITS.iter().find_map(|u| {
        let rest = s.strip_prefix(u)?;
        let ascii = u.chars().all(|c| c.is_ascii_alphanumeric());
        let joined = rest.chars().next().is_some_and(is_word_continue);
        (!(ascii && joined)).then_some(u.len())
    })
}

/// `第二十四条`, `第134条之一`, `第二款`, `第三项`.
fn reference_len(s: &str) -> Option<usize> {
    let numeral = |c: char| c.is_ascii_digit() || "零〇一二两三四五六七八九十百千".contains(c);
    let body = s.strip_prefix('第')?;
    let n = body.chars().take_while(|&c| numeral(c)).count();
    if n == 0 {
        return None;
    }
    let after: &str = body
        .char_indices()
        .nth(n)
        .and_then(|(i, _)| body.get(i..))?;
    let kind = after.chars().next()?;
    if !"条款项".contains(kind) {
        return None;
    }
    let mut len =
        '第'.len_utf8() + body.chars().take(n).map(char::len_utf8).sum::<usize>() + kind.len_utf8();
    if kind == '条'
        && let Some(tail) = after
            .get(kind.len_utf8()..)
            .and_then(|t| t.strip_prefix('之'))
    {
        let m: usize = tail
            .chars()
            .take_while(|&c| numeral(c))
            .map(char::len_utf8)
            .sum();
        if m > 0 {
            len += '之'.len_utf8() + m;
        }
    }
    Some(len)
}

/// `AQ-024-2`: capitals, digits, `_` and `.`, with at least one `-`
/// followed by a letter or digit, and not the start of a longer word.
fn rule_id_len(s: &str) -> Option<usize> {
    let ok = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '.';
    let len = s
        .char_indices()
        .find(|&(_, c)| !(ok(c) || c == '-'))
        .map_or(s.len(), |(i, _)| i);
    let id = s.get(..len)?.trim_end_matches(['-', '.']);
    let has_dash = id
        .split('-')
        .skip(1)
        .any(|part| part.starts_with(|c: char| c.is_ascii_alphanumeric()));
    let joined = s.get(id.len()..)?.chars().next().is_some_and(|c| {
        c.is_alphanumeric() && !c.is_ascii_uppercase() && !c.is_ascii_digit() || c == '_'
    });
    (has_dash && !joined).then_some(id.len())
}

/// Escapes text for HTML element content and attribute values.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// Highlights rule source: one string of escaped HTML per source line (a
/// final line break gives no extra empty line; `\r` is dropped).
pub fn highlight(src: &str) -> Vec<String> {
    let mut lines = vec![String::new()];
    for t in tokens(src) {
        let mut pieces = t.text.split('\n').peekable();
        while let Some(piece) = pieces.next() {
            let piece = piece.strip_suffix('\r').unwrap_or(piece);
            if !piece.is_empty()
                && let Some(line) = lines.last_mut()
            {
                wrap(line, t.class, piece);
            }
            if pieces.peek().is_some() {
                lines.push(String::new());
            }
        }
    }
    if src.ends_with('\n') && lines.len() > 1 {
        lines.pop();
    }
    lines
}

fn wrap(out: &mut String, class: Class, text: &str) {
    match class {
        Class::Plain => escape_into(out, text),
        _ => {
            let _ = write!(out, r#"<span class="{}">"#, class.css());
            escape_into(out, text);
            out.push_str("</span>");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// The classes of the non-blank tokens, as `class:text`.
    fn check(src: &str, expect: &[&str]) {
        let got: Vec<String> = tokens(src)
            .iter()
            .filter(|t| !t.text.trim().is_empty())
            .map(|t| format!("{}:{}", t.class.css(), t.text))
            .collect();
        assert_eq!(got, expect, "tokens of {src:?}");
    }

    #[test]
    fn tokens_round_trip() {
        for src in [
            "rule A-1 \"t\" {\n  require x > 1\n}\n",
            "\"unterminated\nnext",
            "第 第二 第二十四条之一 AQ- A-",
            "# only a comment",
            "2026-05-01x 12.5.3 \u{3000}全角空格",
            "",
        ] {
            let joined: String = tokens(src).iter().map(|t| t.text).collect();
            assert_eq!(joined, src);
        }
    }

    #[test]
    fn keywords_idents_and_rule_ids() {
        check(
            r#"rule AQ-024-2 "标题" {"#,
            &["hl-kw:rule", "hl-rid:AQ-024-2", "hl-str:\"标题\"", ":{"],
        );
        check(
            "applies when category in [\"矿山\"] and not x.y",
            &[
                "hl-kw:applies",
                "hl-kw:when",
                "hl-id:category",
                "hl-kw:in",
                ":[",
                "hl-str:\"矿山\"",
                ":]",
                "hl-kw:and",
                "hl-kw:not",
                "hl-id:x",
                ":.",
                "hl-id:y",
            ],
        );
        check(
            "exception to AQ-024-2",
            &["hl-kw:exception", "hl-kw:to", "hl-rid:AQ-024-2"],
        );
        // lower-case words with a minus are a subtraction, not an id
        check("a-b", &["hl-id:a", ":-", "hl-id:b"]);
        check("severity 重大隐患", &["hl-kw:severity", "hl-kw:重大隐患"]);
        check(
            "departments 应急管理, 消防救援",
            &[
                "hl-kw:departments",
                "hl-id:应急管理",
                ":,",
                "hl-id:消防救援",
            ],
        );
    }

    #[test]
    fn numbers_dates_and_units() {
        check(
            "effective from 2026-05-01 until 2030-01-01",
            &[
                "hl-kw:effective",
                "hl-kw:from",
                "hl-date:2026-05-01",
                "hl-kw:until",
                "hl-date:2030-01-01",
            ],
        );
        check(
            "x >= 3 years before as_of",
            &[
                "hl-id:x",
                ":>",
                ":=",
                "hl-num:3",
                "hl-unit:years",
                "hl-kw:before",
                "hl-kw:as_of",
            ],
        );
        check(
            "2.5 t + 500kg",
            &["hl-num:2.5", "hl-unit:t", ":+", "hl-num:500", "hl-unit:kg"],
        );
        check("100 人", &["hl-num:100", "hl-unit:人"]);
        check("20 m³", &["hl-num:20", "hl-unit:m³"]);
        // a unit word only counts right after a number
        check("t m", &["hl-id:t", "hl-id:m"]);
        check("3 tons", &["hl-num:3", "hl-id:tons"]);
    }

    #[test]
    fn strings_holes_comments_and_references() {
        check(
            r#"explain "上次{a.b}，超过""#,
            &[
                "hl-kw:explain",
                "hl-str:\"上次",
                "hl-hole:{a.b}",
                "hl-str:，超过\"",
            ],
        );
        check(r#""a\"b" x"#, &[r#"hl-str:"a\"b""#, "hl-id:x"]);
        check(
            "# 注释 \"不是字符串\"\nrule",
            &["hl-com:# 注释 \"不是字符串\"", "hl-kw:rule"],
        );
        check(
            "cite 安全生产法 第二十四条 第二款 第三项",
            &[
                "hl-kw:cite",
                "hl-id:安全生产法",
                "hl-ref:第二十四条",
                "hl-ref:第二款",
                "hl-ref:第三项",
            ],
        );
        check("第134条之一", &["hl-ref:第134条之一"]);
        check("第二", &["hl-id:第二"]);
    }

    #[test]
    fn html_is_escaped_everywhere() {
        let src =
            "# <script>alert(1)</script>\nexplain \"<script>x & 'y'</script>{a<b}\"\nrule <b> & \n";
        let lines = highlight(src);
        assert_eq!(lines.len(), 3);
        let all = lines.join("\n");
        assert!(!all.contains("<script"), "{all}");
        assert!(!all.contains("<b>"), "{all}");
        assert_eq!(
            lines[0],
            r#"<span class="hl-com"># &lt;script&gt;alert(1)&lt;/script&gt;</span>"#
        );
        assert!(lines[1].contains("&lt;script&gt;x &amp; &#39;y&#39;&lt;/script&gt;"));
        assert!(lines[1].contains(r#"<span class="hl-hole">{a&lt;b}</span>"#));
        assert_eq!(
            lines[2],
            r#"<span class="hl-kw">rule</span> &lt;<span class="hl-id">b</span>&gt; &amp; "#
        );
    }

    proptest::proptest! {
        /// Any text: the tokens give it back, and the highlighted lines
        /// hold no markup but the lexer's own spans.
        #[test]
        fn any_text_round_trips_and_is_escaped(
            src in "(?s)[a-z0-9 \"#{}<>&'第条款项之人t\\-\n\r\u{3000}甲.]{0,80}"
        ) {
            let joined: String = tokens(&src).iter().map(|t| t.text).collect();
            proptest::prop_assert_eq!(&joined, &src);
            let html = highlight(&src).join("\n");
            let stripped: String = html
                .replace("</span>", "")
                .split("<span class=\"")
                .map(|part| part.split_once("\">").map_or(part, |(_, rest)| rest))
                .collect();
            proptest::prop_assert!(!stripped.contains(['<', '>', '"']), "{}", html);
        }
    }

    #[test]
    fn lines_follow_the_source() {
        assert_eq!(
            highlight("a\nb\n"),
            [
                "<span class=\"hl-id\">a</span>",
                "<span class=\"hl-id\">b</span>"
            ]
        );
        assert_eq!(
            highlight("a\r\n\r\nb"),
            [
                "<span class=\"hl-id\">a</span>",
                "",
                "<span class=\"hl-id\">b</span>"
            ]
        );
        assert_eq!(highlight(""), [""]);
        // an unterminated string stops at the end of its line
        let lines = highlight("\"abc\nrule");
        assert_eq!(
            lines,
            [
                "<span class=\"hl-str\">&quot;abc</span>",
                "<span class=\"hl-kw\">rule</span>"
            ]
        );
    }
}
