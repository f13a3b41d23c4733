//! Markdown → a flat list of blocks (headings, paragraphs, the INFO END
//! marker) with their line numbers. Every line of a paragraph is a block of
//! its own: LawRefBook puts one 款 or 项 per line.

use pulldown_cmark::{
    Event, HeadingLevel as MdLevel, MetadataBlockKind, Options, Parser, Tag, TagEnd,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BlockKind {
    /// Markdown heading level 1–6.
    Heading(u8),
    Paragraph,
    InfoEnd,
}

#[derive(Debug, Clone)]
pub(super) struct Block {
    pub kind: BlockKind,
    pub text: String,
    /// 1-based line where the block starts.
    pub line: usize,
}

pub(super) struct ParsedMarkdown {
    pub blocks: Vec<Block>,
    /// The YAML front matter says `bookHidden: true` (the format template).
    pub hidden: bool,
}

pub(super) fn read_blocks(text: &str) -> ParsedMarkdown {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| match line_starts.binary_search(&offset) {
        Ok(i) => i + 1,
        Err(i) => i,
    };
    let mut out = ParsedMarkdown {
        blocks: Vec::new(),
        hidden: false,
    };
    let parser = Parser::new_ext(
        text,
        Options::ENABLE_YAML_STYLE_METADATA_BLOCKS | Options::ENABLE_TABLES,
    );
    let mut current: Option<(BlockKind, String, usize)> = None;
    let mut in_metadata = false;
    let flush = |current: &mut Option<(BlockKind, String, usize)>, out: &mut ParsedMarkdown| {
        if let Some((kind, text, line)) = current.take() {
            push_lines(out, kind, &text, line);
        }
    };
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) => in_metadata = true,
            Event::End(TagEnd::MetadataBlock(_)) => in_metadata = false,
            Event::Text(t) if in_metadata => {
                out.hidden |= t.lines().any(|l| l.replace(' ', "") == "bookHidden:true");
            }
            Event::Start(Tag::Heading { level, .. }) => {
                flush(&mut current, &mut out);
                current = Some((
                    BlockKind::Heading(md_level(level)),
                    String::new(),
                    line_of(range.start),
                ));
            }
            Event::Start(Tag::Paragraph | Tag::CodeBlock(_) | Tag::TableCell) => {
                flush(&mut current, &mut out);
                current = Some((BlockKind::Paragraph, String::new(), line_of(range.start)));
            }
            Event::Start(Tag::Item) => {
                flush(&mut current, &mut out);
                current = Some((BlockKind::Paragraph, String::new(), line_of(range.start)));
            }
            Event::End(
                TagEnd::Heading(_)
                | TagEnd::Paragraph
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::Item,
            ) => flush(&mut current, &mut out),
            Event::Text(t) | Event::Code(t) => match current.as_mut() {
                Some((_, buf, _)) => buf.push_str(&t),
                None => current = Some((BlockKind::Paragraph, t.to_string(), line_of(range.start))),
            },
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, buf, _)) = current.as_mut() {
                    buf.push('\n');
                }
            }
            Event::Html(h) | Event::InlineHtml(h) if h.contains("INFO END") => {
                flush(&mut current, &mut out);
                out.blocks.push(Block {
                    kind: BlockKind::InfoEnd,
                    text: String::new(),
                    line: line_of(range.start),
                });
            }
            // Other HTML (the template's comments) is not text.
            _ => {}
        }
    }
    flush(&mut current, &mut out);
    out
}

fn push_lines(out: &mut ParsedMarkdown, kind: BlockKind, text: &str, line: usize) {
    if let BlockKind::Heading(_) = kind {
        let t = collapse_spaces(text);
        if !t.is_empty() {
            out.blocks.push(Block {
                kind,
                text: t,
                line,
            });
        }
        return;
    }
    for (i, l) in text.lines().enumerate() {
        let t = l.trim_matches(|c: char| c.is_whitespace());
        if !t.is_empty() {
            out.blocks.push(Block {
                kind,
                text: t.to_string(),
                line: line + i,
            });
        }
    }
}

/// Headings print with runs of (full-width) spaces: `第一章　总则`, `第一章  一般规定`.
fn collapse_spaces(text: &str) -> String {
    text.split(|c: char| c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn md_level(level: MdLevel) -> u8 {
    match level {
        MdLevel::H1 => 1,
        MdLevel::H2 => 2,
        MdLevel::H3 => 3,
        MdLevel::H4 => 4,
        MdLevel::H5 => 5,
        MdLevel::H6 => 6,
    }
}
