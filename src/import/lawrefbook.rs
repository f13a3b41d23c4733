//! LawRefBook Markdown: one statute (or one 编 of a code) per file.
//!
//! A file opens with the title (`# 中华人民共和国民法典`), an optional
//! subtitle (`# 侵权责任编` for a code split by 编), dated history lines
//! (`2021年6月10日 …第三次修正`, `2021年1月1日 施行`) and the marker
//! `<!-- INFO END -->`. The body has `##`/`###` headings (编/章/节, told apart
//! by their text) and paragraphs; a paragraph starting `第…条 ` opens an
//! article. This is the only module that uses pulldown-cmark.
//!
//! Layout of a checkout: the first folder names the kind (`行政法规`,
//! `部门规章/<ministry>`, `司法解释`, `案例/<topic>`, `DLC/…/<province>` for local
//! regulations, any other category folder such as `社会法` or `刑法` for
//! 法律). The version date is taken from the file name `标题(2021-06-10).md`.
//!
//! Decisions:
//! - Files of one folder sharing a title and carrying subtitles are parts of
//!   one code and are merged into one document; the subtitle becomes the 编
//!   heading of its articles unless the file has its own 第X编 headings.
//!   `_index.md`, `README.md` and the format template are not documents.
//! - 修正案 (and other documents without articles, such as decisions) keep
//!   their body as preamble entries: one entry per numbered item (`一、…`),
//!   the quoted paragraphs that follow an item appended to it.
//! - Cases (`案例/`) keep their `##` sections; a heading with no text of its
//!   own (the case name) becomes an alias of the case.
//!
//! ```
//! use regkb::import::parse_lawrefbook_file;
//! let text = "# 测试法\n\n2020年1月1日 通过\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 本法用于测试。\n";
//! let doc = parse_lawrefbook_file(text, std::path::Path::new("社会法/测试法(2020-01-01).md")).unwrap();
//! assert_eq!(doc.articles.len(), 1);
//! assert_eq!(doc.kind.label(), "法律");
//! ```

mod blocks;
mod meta;

use std::collections::BTreeMap;
use std::path::Path;

use crate::statute::{DocId, DocKind, Document, Heading, HeadingLevel, Section};

use super::body::{BodyBuilder, heading_level};
use super::{ImportError, Imported, Skipped, dates};
use blocks::{Block, BlockKind};

/// Imports every statute file under `dir` (a LawRefBook checkout or any
/// folder of its files). Unreadable or malformed files are reported in
/// [`Imported::skipped`]; only an unreadable `dir` is an error.
pub fn import_lawrefbook(dir: &Path) -> Result<Imported, ImportError> {
    if !dir.is_dir() {
        return Err(ImportError::Read {
            path: dir.to_path_buf(),
            reason: "不是文件夹".into(),
        });
    }
    let mut out = Imported::default();
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        // .git, .github and other hidden folders hold no statutes
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => files.push(e.into_path()),
            Ok(_) => {}
            Err(e) => out.skipped.push(Skipped::new(
                e.path()
                    .map_or_else(|| dir.display().to_string(), |p| p.display().to_string()),
                0,
                e.to_string(),
            )),
        }
    }
    // (folder, title, version) → parts of a split code
    let mut parts: BTreeMap<(String, String, String), Vec<(Document, String)>> = BTreeMap::new();
    for path in files {
        let rel = path.strip_prefix(dir).unwrap_or(&path);
        if !is_statute_file(rel) {
            continue;
        }
        let shown = path.display().to_string();
        let text = match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    out.skipped
                        .push(Skipped::new(shown, 0, "不是 UTF-8 编码的文本".to_string()));
                    continue;
                }
            },
            Err(e) => {
                out.skipped
                    .push(Skipped::new(shown, 0, format!("无法读取：{e}")));
                continue;
            }
        };
        match parse_file(&text, rel, &shown) {
            Ok(Parsed::Template) => {}
            Ok(Parsed::Doc {
                doc,
                subtitle,
                warnings,
            }) => {
                out.skipped.extend(warnings);
                match subtitle {
                    Some(sub) if doc.kind != DocKind::Case => {
                        let folder = rel
                            .parent()
                            .map(|p| p.display().to_string())
                            .unwrap_or_default();
                        let version = doc.version_date.map(|d| d.to_string()).unwrap_or_default();
                        parts
                            .entry((folder, doc.title.clone(), version))
                            .or_default()
                            .push((*doc, sub));
                    }
                    _ => out.documents.push(*doc),
                }
            }
            Err(s) => out.skipped.push(s),
        }
    }
    for ((folder, _, _), group) in parts {
        out.documents
            .push(merge_parts(group, &dir.join(folder).display().to_string()));
    }
    Ok(out)
}

/// Parses one file; `rel_path` (relative to the checkout) decides the kind,
/// region and version date. A part of a split code comes back as a document
/// of its own, its subtitle as the 编 heading.
pub fn parse_lawrefbook_file(text: &str, rel_path: &Path) -> Result<Document, Skipped> {
    let shown = rel_path.display().to_string();
    match parse_file(text, rel_path, &shown)? {
        Parsed::Doc { doc, subtitle, .. } => Ok(match subtitle {
            Some(sub) if doc.kind != DocKind::Case => merge_parts(vec![(*doc, sub)], &shown),
            _ => *doc,
        }),
        Parsed::Template => Err(Skipped::new(shown, 1, "这是格式模板，不是法规")),
    }
}

fn is_statute_file(rel: &Path) -> bool {
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    rel.extension().is_some_and(|x| x == "md")
        && name != "_index.md"
        && !name.eq_ignore_ascii_case("README.md")
        && !name.starts_with('.')
        && rel.components().count() > 1
}

enum Parsed {
    Doc {
        doc: Box<Document>,
        subtitle: Option<String>,
        warnings: Vec<Skipped>,
    },
    Template,
}

fn parse_file(text: &str, rel: &Path, shown: &str) -> Result<Parsed, Skipped> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let parsed = blocks::read_blocks(text);
    if parsed.hidden {
        return Ok(Parsed::Template);
    }
    let fail = |line: usize, reason: &str| Skipped::new(shown, line, reason);
    let Some(marker) = parsed
        .blocks
        .iter()
        .position(|b| b.kind == BlockKind::InfoEnd)
    else {
        return Err(fail(
            1,
            "缺少 `<!-- INFO END -->` 标记（应在标题和日期行之后）",
        ));
    };
    let (header, body) = parsed.blocks.split_at(marker);
    let body = body.get(1..).unwrap_or_default();

    let mut titles = header.iter().filter(|b| b.kind == BlockKind::Heading(1));
    let Some(title) = titles
        .next()
        .map(|b| b.text.clone())
        .filter(|t| !t.is_empty())
    else {
        return Err(fail(1, "`<!-- INFO END -->` 之前没有 `# 标题` 行"));
    };
    let subtitle = titles
        .next()
        .map(|b| b.text.clone())
        .filter(|t| !t.is_empty());
    let mut history = Vec::new();
    let mut notes = Vec::new();
    for b in header.iter().filter(|b| b.kind == BlockKind::Paragraph) {
        match dates::history_event(&b.text) {
            Some(e) => history.push(e),
            None => notes.push(b.text.clone()),
        }
    }

    let kind = meta::kind_from_path(rel);
    let file_name = rel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let version_date = dates::date_in_file_name(&file_name).or_else(|| {
        history
            .iter()
            .rev()
            .find(|e| !e.event.contains("施行"))
            .and_then(|e| e.date)
    });
    let effective = dates::effective_from_history(&history);
    let promulgated = dates::promulgated_from_history(&history);
    let issuer = meta::issuer(kind, &title, &history, &notes, rel);
    let region = meta::region(kind, rel);

    let mut doc = Document {
        id: DocId::new(&title, version_date),
        kind,
        title: title.clone(),
        aliases: Vec::new(),
        issuer,
        region,
        promulgated,
        effective,
        version_date,
        repealed: None,
        declared_status: None,
        history,
        preamble: Vec::new(),
        articles: Vec::new(),
        sections: Vec::new(),
        links: Vec::new(),
        rules: Vec::new(),
        source: shown.to_string(),
    };
    let mut warnings = Vec::new();
    if kind == DocKind::Case {
        read_case(&mut doc, body, &notes);
        if doc.sections.is_empty() && doc.preamble.is_empty() {
            return Err(fail(
                marker_line(header),
                "案例在 `<!-- INFO END -->` 之后没有正文",
            ));
        }
    } else {
        let mut builder = BodyBuilder::new(shown);
        for b in body {
            match b.kind {
                BlockKind::Heading(level) => builder.heading(&b.text, fallback_level(level)),
                BlockKind::Paragraph => builder.paragraph(&b.text, b.line),
                BlockKind::InfoEnd => {}
            }
        }
        let (preamble, articles, problems) = builder.finish();
        warnings = problems;
        doc.articles = articles;
        doc.preamble = if doc.articles.is_empty() {
            group_numbered_items(preamble)
        } else {
            preamble
        };
        let body_only_text = doc.articles.is_empty();
        let is_amendment = ["修正案", "决定", "解释", "答复", "意见", "规定"]
            .iter()
            .any(|w| title.contains(w));
        if body_only_text && (doc.preamble.is_empty() || !is_amendment) {
            let line = body.first().map_or(marker_line(header), |b| b.line);
            return Err(fail(line, "没有找到条文（以 `第…条` 开头的段落）"));
        }
    }
    Ok(Parsed::Doc {
        doc: Box::new(doc),
        subtitle,
        warnings,
    })
}

fn marker_line(header: &[Block]) -> usize {
    header.last().map_or(1, |b| b.line + 1)
}

fn fallback_level(markdown_level: u8) -> HeadingLevel {
    match markdown_level {
        1 => HeadingLevel::Part,
        2 => HeadingLevel::Chapter,
        _ => HeadingLevel::Section,
    }
}

/// Cases: `##` headings are sections; the header's notes give the
/// collection, the publisher (`最高人民法院发布`) and a date line.
fn read_case(doc: &mut Document, body: &[Block], notes: &[String]) {
    let mut sections: Vec<Section> = Vec::new();
    for b in body {
        match b.kind {
            BlockKind::Heading(_) => sections.push(Section {
                title: b.text.clone(),
                text: String::new(),
            }),
            BlockKind::Paragraph => match sections.last_mut() {
                Some(s) => {
                    if !s.text.is_empty() {
                        s.text.push('\n');
                    }
                    s.text.push_str(&b.text);
                }
                None => doc.preamble.push(b.text.clone()),
            },
            BlockKind::InfoEnd => {}
        }
    }
    for s in sections {
        if s.text.is_empty() {
            doc.aliases.push(s.title);
        } else {
            doc.sections.push(s);
        }
    }
    if let Some(collection) = notes.iter().find(|n| !n.ends_with("发布")) {
        doc.preamble.insert(0, collection.clone());
    }
    if doc.effective.is_none() {
        doc.effective = doc.promulgated;
    }
}

/// Groups a 修正案 body into one entry per numbered item (`一、…`).
fn group_numbered_items(paragraphs: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in paragraphs {
        match out.last_mut() {
            Some(last) if !starts_numbered(&p) && starts_numbered(last) => {
                last.push('\n');
                last.push_str(&p);
            }
            _ => out.push(p),
        }
    }
    out
}

fn starts_numbered(text: &str) -> bool {
    let Some((head, _)) = text.split_once('、') else {
        return false;
    };
    crate::statute::numeral::parse_chinese_numeral(head).is_some()
}

/// Merges the parts of a split code (民法典's 编 files) into one document.
fn merge_parts(mut group: Vec<(Document, String)>, source: &str) -> Document {
    group.sort_by_key(|(d, _)| d.articles.first().map(|a| a.no));
    let mut iter = group.into_iter();
    let Some((mut merged, first_sub)) = iter.next() else {
        return Document {
            id: DocId(String::new()),
            kind: DocKind::Law,
            title: String::new(),
            aliases: Vec::new(),
            issuer: None,
            region: None,
            promulgated: None,
            effective: None,
            version_date: None,
            repealed: None,
            declared_status: None,
            history: Vec::new(),
            preamble: Vec::new(),
            articles: Vec::new(),
            sections: Vec::new(),
            links: Vec::new(),
            rules: Vec::new(),
            source: source.to_string(),
        };
    };
    add_part_heading(&mut merged, &first_sub);
    for (mut part, sub) in iter {
        add_part_heading(&mut part, &sub);
        merged.articles.append(&mut part.articles);
        merged.preamble.append(&mut part.preamble);
    }
    merged.articles.sort_by_key(|a| a.no);
    merged.articles.dedup_by_key(|a| a.no);
    merged.source = source.to_string();
    merged
}

fn add_part_heading(doc: &mut Document, subtitle: &str) {
    let level = heading_level(subtitle).unwrap_or(HeadingLevel::Part);
    for a in &mut doc.articles {
        if a.headings.iter().all(|h| h.level > level) {
            a.headings.insert(
                0,
                Heading {
                    level,
                    title: subtitle.to_string(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests;
