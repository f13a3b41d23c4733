//! The citation-check report: every citation found in a text, in order of
//! appearance, with its status, the cited text and where it stands in the
//! input (character offsets and line).

use jiff::civil::Date;
use serde::Serialize;

use crate::citation::{CheckedCitation, CitationStatus};

/// `{"citations": [...]}` (`regkb cite-check --json`, `POST /cite-check`).
#[derive(Debug, Serialize)]
pub struct CitationReport<'a> {
    pub citations: Vec<CitationView<'a>>,
}

/// One cited provision.
#[derive(Debug, Serialize)]
pub struct CitationView<'a> {
    pub text: &'a str,
    pub law: &'a str,
    pub article: u32,
    pub article_label: String,
    pub paragraph: Option<u32>,
    pub item: Option<u32>,
    pub status: CitationStatus,
    pub provision_text: Option<&'a str>,
    /// Character offsets (not bytes) of `text` in the input.
    pub span: CharSpan,
    /// Line (1-based) where the citation starts.
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct CharSpan {
    pub start: usize,
    pub end: usize,
}

/// The report for the citations `checked` found in `input`.
pub fn citation_report<'a>(checked: &'a [CheckedCitation], input: &str) -> CitationReport<'a> {
    CitationReport {
        citations: checked
            .iter()
            .map(|c| CitationView::new(c, input))
            .collect(),
    }
}

impl<'a> CitationView<'a> {
    fn new(c: &'a CheckedCitation, input: &str) -> Self {
        let f = &c.citation;
        CitationView {
            text: &f.text,
            law: c.title.as_deref().unwrap_or(&f.law),
            article: f.article.number,
            article_label: f.article.label(),
            paragraph: f.paragraph,
            item: f.item,
            status: c.status,
            provision_text: c.provision_text.as_deref(),
            span: CharSpan {
                start: char_offset(input, f.span.start),
                end: char_offset(input, f.span.end),
            },
            line: line_of(input, f.span.start),
            date: c.date,
            note: c.note.as_deref(),
        }
    }
}

fn char_offset(text: &str, byte: usize) -> usize {
    text.get(..byte).map_or(0, |s| s.chars().count())
}

/// The line (1-based) of a byte offset.
pub fn line_of(text: &str, byte: usize) -> usize {
    text.get(..byte).map_or(1, |s| s.matches('\n').count() + 1)
}
