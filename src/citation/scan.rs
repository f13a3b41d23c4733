//! The low-level reader shared by the query parser and the finder: one
//! provision reference such as `第二十四条`, `24条`, `第一百三十四条之一`,
//! `第十六条第一款第三项`, `第二款`, `第（三）项`, read at a byte position.
//!
//! It knows numbers and the units 条/款/项, nothing about law names.

use crate::statute::ArticleNo;
use crate::statute::numeral::parse_chinese_numeral;

/// Highest article number accepted (民法典 ends at 1260).
const MAX_ARTICLE: u32 = 9_999;
/// Highest paragraph or item number accepted.
const MAX_SUB: u32 = 99;

/// One reference as written, at whatever level it starts: an article with
/// optional paragraph and item, or (in lists) just a paragraph or an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Element {
    pub article: Option<ArticleNo>,
    pub paragraph: Option<u32>,
    pub item: Option<u32>,
    /// Byte offsets in the scanned text.
    pub start: usize,
    pub end: usize,
}

/// Characters that may follow 条 without it being the unit of an article
/// number: 第五条例 (the fifth regulation), 条件, 条约, 条目, 条文, 条款.
pub(crate) const NOT_AFTER_ARTICLE: &[char] =
    &['例', '件', '约', '目', '文', '幅', '线', '理', '码'];

/// Whether `c` can be part of a number: ASCII or full-width digits, or a
/// Chinese numeral character.
pub(crate) fn is_number_char(c: char) -> bool {
    crate::statute::numeral::is_numeral_char(c)
}

fn is_arabic(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// A small cursor over `text` at a byte position (always on a char boundary).
#[derive(Debug, Clone, Copy)]
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn eat_any(&mut self, cs: &[char]) -> bool {
        match self.peek() {
            Some(c) if cs.contains(&c) => {
                self.pos += c.len_utf8();
                true
            }
            _ => false,
        }
    }

    /// Skips ASCII and ideographic spaces (not newlines: a reference does not
    /// span lines).
    fn skip_spaces(&mut self) {
        while let Some(c) = self.peek() {
            if c == ' ' || c == '\u{3000}' || c == '\t' {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    /// Reads a number: a run of digits or a run of Chinese numerals (not mixed).
    fn number(&mut self) -> Option<(u32, bool)> {
        let rest = self.rest();
        let first = rest.chars().next()?;
        let arabic = is_arabic(first);
        let len: usize = rest
            .chars()
            .take_while(|&c| {
                if arabic {
                    is_arabic(c)
                } else {
                    is_number_char(c) && !is_arabic(c)
                }
            })
            .map(char::len_utf8)
            .sum();
        if len == 0 || len > 40 {
            return None;
        }
        let n = parse_chinese_numeral(rest.get(..len)?)?;
        self.pos += len;
        Some((n, arabic))
    }
}

/// Whether a reference must start with 第.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Di {
    /// Free text with no law named right before: `第二十四条` only.
    Required,
    /// After a law name: `24条` too, but not `二十四条` (`一条管道`).
    OrArabic,
    /// Inside a list or range (`第三十条、三十一条`): any numeral.
    Optional,
}

/// Reads a number at byte `pos` (digits or Chinese numerals), returning it and
/// the byte after it.
pub(crate) fn number_at(text: &str, pos: usize) -> Option<(u32, usize)> {
    if !text.is_char_boundary(pos) {
        return None;
    }
    let mut c = Cursor { text, pos };
    let (n, _) = c.number()?;
    Some((n, c.pos))
}

/// The unit after a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Article,
    Paragraph,
    Item,
}

/// Reads `[第] NUM UNIT` (or `[第] （NUM） 项`), returning the number and unit.
/// `di` says whether the leading 第 is needed; `above` is the unit read before
/// (after an article, only 款/项 may follow, and need no 第).
fn unit_number(c: &mut Cursor<'_>, di: Di, above: Option<Unit>) -> Option<(u32, Unit)> {
    let save = *c;
    let had_di = c.eat('第');
    if had_di {
        c.skip_spaces();
    }
    let paren = c.eat_any(&['（', '(']);
    let Some((n, arabic)) = c.number() else {
        *c = save;
        return None;
    };
    if paren && !c.eat_any(&['）', ')']) {
        *c = save;
        return None;
    }
    c.skip_spaces();
    let unit = match c.peek() {
        Some('条') if !paren => Unit::Article,
        Some('款') if !paren => Unit::Paragraph,
        Some('项') => Unit::Item,
        _ => {
            *c = save;
            return None;
        }
    };
    // Without 第, only Arabic numbers count (`24条`, `2款`); `一条管道` is not
    // a reference. After an article, `二款` is fine too.
    // Below an article only digits go without 第 (`第24条2款`): in
    // `第五十六条 一项发明` the 一项 is a word, not item 1.
    let bare_ok = match (above, di) {
        (Some(_), _) => arabic,
        (None, Di::Required) => false,
        (None, Di::OrArabic) => arabic,
        (None, Di::Optional) => true,
    };
    if !had_di && !bare_ok {
        *c = save;
        return None;
    }
    let allowed = match above {
        None => true,
        Some(Unit::Article) => unit != Unit::Article,
        Some(Unit::Paragraph) => unit == Unit::Item,
        Some(Unit::Item) => false,
    };
    let max = if unit == Unit::Article {
        MAX_ARTICLE
    } else {
        MAX_SUB
    };
    if !allowed || n == 0 || n > max {
        *c = save;
        return None;
    }
    c.pos += '条'.len_utf8(); // 条, 款 and 项 are all three bytes
    // 第五条例, 第三项目: the unit character starts another word.
    let next = c.peek();
    let bad_follow = match unit {
        Unit::Article => next.is_some_and(|n| NOT_AFTER_ARTICLE.contains(&n)),
        Unit::Item => next == Some('目'),
        Unit::Paragraph => false,
    };
    if bad_follow {
        *c = save;
        return None;
    }
    Some((n, unit))
}

/// Reads `之NUM` after an article number.
fn sub_number(c: &mut Cursor<'_>) -> Option<u32> {
    let save = *c;
    if !c.eat('之') {
        return None;
    }
    match c.number() {
        Some((n, _)) if n > 0 && n <= MAX_SUB => Some(n),
        _ => {
            *c = save;
            None
        }
    }
}

/// Reads one reference element at byte `pos` of `text`. `di` applies to the
/// first level; 款/项 after an article need no 第 (`第24条2款`).
pub(crate) fn element_at(text: &str, pos: usize, di: Di) -> Option<Element> {
    if !text.is_char_boundary(pos) {
        return None;
    }
    let mut c = Cursor { text, pos };
    let (n, unit) = unit_number(&mut c, di, None)?;
    let mut el = Element {
        article: None,
        paragraph: None,
        item: None,
        start: pos,
        end: c.pos,
    };
    let mut level = unit;
    match unit {
        Unit::Article => {
            let sub = sub_number(&mut c).unwrap_or(0);
            el.article = Some(ArticleNo::with_sub(n, sub));
        }
        Unit::Paragraph => el.paragraph = Some(n),
        Unit::Item => el.item = Some(n),
    }
    el.end = c.pos;
    // Deeper levels: 第一款第三项, 2款3项.
    loop {
        let mut probe = c;
        probe.skip_spaces();
        let Some((n, unit)) = unit_number(&mut probe, Di::Optional, Some(level)) else {
            break;
        };
        match unit {
            Unit::Paragraph => el.paragraph = Some(n),
            Unit::Item => el.item = Some(n),
            Unit::Article => break,
        }
        level = unit;
        c = probe;
        el.end = c.pos;
    }
    Some(el)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (article, 之N, paragraph, item, text read)
    type Expect<'a> = Option<(u32, u32, Option<u32>, Option<u32>, &'a str)>;

    #[track_caller]
    fn check(text: &str, need_di: bool, expect: Expect<'_>) {
        let di = if need_di { Di::Required } else { Di::OrArabic };
        let got = element_at(text, 0, di).map(|e| {
            let a = e.article.unwrap_or(ArticleNo::new(0));
            (a.number, a.sub, e.paragraph, e.item, &text[e.start..e.end])
        });
        assert_eq!(got, expect, "scanning `{text}`");
    }

    #[test]
    fn reads_articles() {
        check("第二十四条", true, Some((24, 0, None, None, "第二十四条")));
        check("第24条规定", true, Some((24, 0, None, None, "第24条")));
        check("24条", false, Some((24, 0, None, None, "24条")));
        check("24条", true, None);
        check("二十四条", false, None);
        check(
            "第一百三十四条之一",
            true,
            Some((134, 1, None, None, "第一百三十四条之一")),
        );
        check("134条之一", false, Some((134, 1, None, None, "134条之一")));
        check("第五条之规定", true, Some((5, 0, None, None, "第五条")));
        check(
            "第十六条第一款第三项",
            true,
            Some((16, 0, Some(1), Some(3), "第十六条第一款第三项")),
        );
        check(
            "第24条第2款",
            true,
            Some((24, 0, Some(2), None, "第24条第2款")),
        );
        check("第24条2款", true, Some((24, 0, Some(2), None, "第24条2款")));
        check(
            "第二条第（三）项",
            true,
            Some((2, 0, None, Some(3), "第二条第（三）项")),
        );
        check("第 24 条", true, Some((24, 0, None, None, "第 24 条")));
    }

    #[test]
    fn rejects_look_alikes() {
        check("第五条例", true, None);
        check("第一条件", true, None);
        check("第3天", true, None);
        check("第一次", true, None);
        check("第0条", true, None);
        check("第条", true, None);
        check("第", true, None);
        check("", true, None);
        check("第一二条", true, None);
        assert!(element_at("三十一条", 0, Di::Optional).is_some());
        assert!(element_at("三十一条", 0, Di::OrArabic).is_none());
        check("第三项目", true, None);
        check("第二条第三项目", true, Some((2, 0, None, None, "第二条")));
        check(
            "第五十六条 一项发明",
            true,
            Some((56, 0, None, None, "第五十六条")),
        );
        check(
            "第五十六条二款",
            true,
            Some((56, 0, None, None, "第五十六条")),
        );
    }
}
