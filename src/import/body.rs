//! Statute bodies from a stream of headings and paragraphs: the part both
//! statute importers share.
//!
//! Headings are classified by their text (第X编 / 第X分编 / 第X章 / 第X节);
//! a paragraph starting `第…条` (optionally `之N`) followed by a space opens an
//! article, the paragraphs after it are its 款, and a paragraph starting
//! `（一）` is a 项 of the 款 before it. Paragraphs before the first article
//! form the preamble.

use crate::statute::numeral::{self, parse_chinese_numeral};
use crate::statute::{Article, ArticleNo, Heading, HeadingLevel, Item, Paragraph};

use super::Skipped;

/// Classifies a heading by its text: `第二编 物权` → Part, `第一分编 通则` →
/// SubPart, `第三章 …` → Chapter, `第一节 …` → Section.
pub(crate) fn heading_level(text: &str) -> Option<HeadingLevel> {
    let rest = text.trim().strip_prefix('第')?;
    let end = rest
        .char_indices()
        .find(|(_, c)| !numeral::is_numeral_char(*c))
        .map(|(i, _)| i)?;
    if end == 0 {
        return None;
    }
    let after = rest.get(end..)?;
    if after.starts_with("分编") {
        Some(HeadingLevel::SubPart)
    } else if after.starts_with('编') || after.starts_with('篇') {
        Some(HeadingLevel::Part)
    } else if after.starts_with('章') {
        Some(HeadingLevel::Chapter)
    } else if after.starts_with('节') {
        Some(HeadingLevel::Section)
    } else {
        None
    }
}

/// Splits `第二十四条 正文…` into the number and the text after it. The number
/// must be followed by whitespace (or nothing), so a sentence that merely
/// begins by citing an article is not taken for one.
pub(crate) fn article_start(text: &str) -> Option<(ArticleNo, &str)> {
    let t = text.trim_start();
    let rest = t.strip_prefix('第')?;
    let end = rest.find('条')?;
    let num = parse_chinese_numeral(rest.get(..end)?)?;
    if num == 0 {
        return None;
    }
    let mut after = rest.get(end + '条'.len_utf8()..)?;
    let mut sub = 0;
    if let Some(s) = after.strip_prefix('之') {
        let send = s
            .char_indices()
            .find(|(_, c)| !numeral::is_numeral_char(*c))
            .map_or(s.len(), |(i, _)| i);
        sub = parse_chinese_numeral(s.get(..send)?)?;
        after = s.get(send..)?;
    }
    if !(after.is_empty() || after.starts_with(char::is_whitespace)) {
        return None;
    }
    Some((ArticleNo::with_sub(num, sub), after.trim()))
}

/// The number of an item line `（三）…` / `(三)…`.
pub(crate) fn item_number(text: &str) -> Option<u32> {
    let t = text.trim_start();
    let inner = t.strip_prefix('（').or_else(|| t.strip_prefix('('))?;
    let close = inner.find(['）', ')'])?;
    parse_chinese_numeral(inner.get(..close)?).filter(|n| *n > 0)
}

/// Accumulates headings and paragraphs into a preamble and articles.
pub(crate) struct BodyBuilder {
    path: String,
    headings: Vec<Heading>,
    preamble: Vec<String>,
    articles: Vec<Article>,
    skipped: Vec<Skipped>,
}

impl BodyBuilder {
    pub(crate) fn new(path: impl Into<String>) -> Self {
        BodyBuilder {
            path: path.into(),
            headings: Vec::new(),
            preamble: Vec::new(),
            articles: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// A heading; `fallback` is used when its text does not say its level.
    pub(crate) fn heading(&mut self, text: &str, fallback: HeadingLevel) {
        let title = tidy(text);
        if title.is_empty() {
            return;
        }
        let level = heading_level(&title).unwrap_or(fallback);
        self.headings.retain(|h| h.level < level);
        self.headings.push(Heading { level, title });
    }

    /// Replaces the heading path wholesale (sources with chapter columns).
    pub(crate) fn set_headings(&mut self, headings: Vec<Heading>) {
        self.headings = headings;
    }

    /// One paragraph of body text at `line` (1-based, for reports).
    pub(crate) fn paragraph(&mut self, text: &str, line: usize) {
        let text = tidy(text);
        if text.is_empty() {
            return;
        }
        if let Some((no, rest)) = article_start(&text) {
            self.open_article(no, rest, line);
            return;
        }
        self.continuation(&text);
    }

    /// A paragraph that belongs to the current article whatever it starts
    /// with (sources that already split articles).
    pub(crate) fn continuation(&mut self, text: &str) {
        let text = tidy(text);
        if text.is_empty() {
            return;
        }
        let Some(article) = self.articles.last_mut() else {
            self.preamble.push(text);
            return;
        };
        if let Some(number) = item_number(&text)
            && let Some(p) = article.paragraphs.last_mut()
        {
            p.items.push(Item { number, text });
            return;
        }
        article.paragraphs.push(Paragraph {
            text,
            items: Vec::new(),
        });
    }

    /// Adds a preamble entry (text before or outside the articles).
    pub(crate) fn preamble(&mut self, text: String) {
        self.preamble.push(text);
    }

    /// Opens article `no` whose first paragraph is `first` (may be empty).
    pub(crate) fn open_article(&mut self, no: ArticleNo, first: &str, line: usize) {
        if self.articles.iter().any(|a| a.no == no) {
            self.skipped.push(Skipped::new(
                self.path.clone(),
                line,
                format!("重复的{}，保留第一条", no.label()),
            ));
            // Swallow the duplicate's paragraphs into a detached article.
            self.articles.push(Article {
                no: ArticleNo::with_sub(u32::MAX, 0),
                headings: Vec::new(),
                paragraphs: Vec::new(),
            });
            return;
        }
        let mut paragraphs = Vec::new();
        let first = tidy(first);
        if !first.is_empty() {
            paragraphs.push(Paragraph {
                text: first,
                items: Vec::new(),
            });
        }
        self.articles.push(Article {
            no,
            headings: self.headings.clone(),
            paragraphs,
        });
    }

    /// Preamble paragraphs, articles and problems found.
    pub(crate) fn finish(self) -> (Vec<String>, Vec<Article>, Vec<Skipped>) {
        let articles = self
            .articles
            .into_iter()
            .filter(|a| a.no.number != u32::MAX)
            .collect();
        (self.preamble, articles, self.skipped)
    }
}

/// Trims ordinary and full-width spaces and collapses inner runs of spaces
/// after the article number.
pub(crate) fn tidy(text: &str) -> String {
    text.trim_matches(|c: char| c.is_whitespace()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_article(text: &str, expect: Option<(u32, u32, &str)>) {
        let got = article_start(text).map(|(n, r)| (n.number, n.sub, r));
        assert_eq!(got, expect, "text `{text}`");
    }

    #[test]
    fn recognises_article_starts() {
        check_article("第一条 本法用于测试。", Some((1, 0, "本法用于测试。")));
        check_article("第二十四条　全角空格。", Some((24, 0, "全角空格。")));
        check_article("第一百三十四条之一 插入条。", Some((134, 1, "插入条。")));
        check_article("第一千一百六十四条 编。", Some((1164, 0, "编。")));
        check_article("第三条", Some((3, 0, "")));
        check_article("第一百三十四条第二款规定的情形", None);
        check_article("第一章 总则", None);
        check_article("依照第三条", None);
    }

    #[test]
    fn classifies_headings() {
        assert_eq!(heading_level("第七编 侵权责任"), Some(HeadingLevel::Part));
        assert_eq!(heading_level("第一分编 通则"), Some(HeadingLevel::SubPart));
        assert_eq!(
            heading_level("第一章  一般规定"),
            Some(HeadingLevel::Chapter)
        );
        assert_eq!(heading_level("第二节 生产"), Some(HeadingLevel::Section));
        assert_eq!(heading_level("附则"), None);
        assert_eq!(heading_level("第 章"), None);
    }

    #[test]
    fn builds_paragraphs_and_items() {
        let mut b = BodyBuilder::new("t");
        b.paragraph("前言。", 1);
        b.heading("第一章 总则", HeadingLevel::Chapter);
        b.paragraph("第一条 第一款。", 3);
        b.paragraph("（一）甲；", 4);
        b.paragraph("（二）乙。", 5);
        b.paragraph("第二款。", 6);
        b.paragraph("第一条 重复。", 7);
        b.paragraph("重复的款。", 8);
        b.heading("第一节 细则", HeadingLevel::Section);
        b.paragraph("第二条 另一条。", 9);
        let (pre, arts, skipped) = b.finish();
        assert_eq!(pre, vec!["前言。"]);
        assert_eq!(arts.len(), 2);
        assert_eq!(arts[0].paragraphs.len(), 2);
        assert_eq!(arts[0].paragraphs[0].items.len(), 2);
        assert_eq!(arts[0].paragraphs[0].items[1].number, 2);
        assert_eq!(arts[1].chapter_path(), "第一章 总则 / 第一节 细则");
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].line, 7);
    }

    #[test]
    fn item_numbers() {
        assert_eq!(item_number("（十二）某项"), Some(12));
        assert_eq!(item_number("(3) 某项"), Some(3));
        assert_eq!(item_number("（注）"), None);
    }
}
