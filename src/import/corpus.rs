//! The project's own Markdown: interpretations (解读), case guidance (案例)
//! and standard summaries (标准) under `corpus/`, each with TOML front matter
//! fenced by `+++`:
//!
//! ```text
//! +++
//! title = "安全生产法第二十四条解读：安全管理机构和人员"
//! kind = "解读"
//! links = ["安全生产法 第二十四条", "危险化学品安全法 第三十九条 第一款"]
//! rules = ["WHP-039"]
//! summary = "一句话说明"
//! +++
//! ## 要求什么
//! …
//! ```
//!
//! `##` headings become [`Section`]s; the summary is kept as the document's
//! preamble. Links are [`ProvisionRef`]s resolved later by the library, so
//! they may use aliases (安法, 危化品法).

use std::path::Path;

use jiff::civil::Date;
use serde::Deserialize;

use crate::statute::numeral::parse_chinese_numeral;
use crate::statute::{ArticleNo, DocId, DocKind, Document, ProvisionRef, Section};

use super::{Imported, Skipped, dates};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    kind: String,
    #[serde(default)]
    links: Vec<String>,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    effective: Option<String>,
    #[serde(default)]
    repealed: Option<String>,
}

/// Reads every `*.md` under `dir` (README.md files excepted). Files that
/// fail to parse are reported, never fatal. A missing folder is empty.
pub fn load_corpus(dir: &Path) -> Imported {
    let mut out = Imported::default();
    if !dir.is_dir() {
        return out;
    }
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.eq_ignore_ascii_case("README.md"))
        })
        .collect();
    files.sort();
    for path in files {
        let shown = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => match parse_corpus_document(&text, &shown) {
                Ok(doc) => out.documents.push(doc),
                Err(s) => out.skipped.push(s),
            },
            Err(e) => out
                .skipped
                .push(Skipped::new(shown, 0, format!("无法读取：{e}"))),
        }
    }
    out
}

/// Parses one corpus file. `path` is used for the document's source and in
/// the error.
pub fn parse_corpus_document(text: &str, path: &str) -> Result<Document, Skipped> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let fail = |line: usize, reason: String| Skipped::new(path, line, reason);
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, l)) if l.trim() == "+++" => {}
        _ => return Err(fail(1, "文件开头缺少用 `+++` 包围的元数据".into())),
    }
    let mut front = String::new();
    let mut closed = false;
    for (_, l) in lines.by_ref() {
        if l.trim() == "+++" {
            closed = true;
            break;
        }
        front.push_str(l);
        front.push('\n');
    }
    if !closed {
        return Err(fail(1, "元数据没有用 `+++` 结束".into()));
    }
    let fm: FrontMatter = toml::from_str(&front).map_err(|e| {
        let line = e
            .span()
            .map(|s| front.get(..s.start).map_or(0, |p| p.lines().count().max(1)) + 1)
            .unwrap_or(1);
        fail(line, format!("元数据有误：{}", e.message().trim()))
    })?;
    let kind: DocKind = fm.kind.parse().map_err(|_| {
        fail(
            2,
            format!(
                "未知的文档类型 `{}`（可用：解读、案例、标准、规范性文件、法律、行政法规、部门规章、地方性法规、司法解释）",
                fm.kind
            ),
        )
    })?;
    let mut links = Vec::new();
    for l in &fm.links {
        match parse_provision_ref(l) {
            Some(r) => links.push(r),
            None => {
                return Err(fail(
                    2,
                    format!("链接 `{l}` 不是条文引用（例如 `安全生产法 第二十四条`）"),
                ));
            }
        }
    }
    let date = |field: &str, v: &Option<String>| -> Result<Option<Date>, Skipped> {
        match v {
            None => Ok(None),
            Some(s) => dates::parse_iso(s)
                .map(Some)
                .ok_or_else(|| fail(2, format!("{field} `{s}` 不是日期（例如 2026-05-01）"))),
        }
    };
    let effective = date("effective", &fm.effective)?;
    let repealed = date("repealed", &fm.repealed)?;

    let mut sections: Vec<Section> = Vec::new();
    let mut intro = String::new();
    for (_, l) in lines {
        if let Some(h) = l.strip_prefix("## ") {
            sections.push(Section {
                title: h.trim().to_string(),
                text: String::new(),
            });
            continue;
        }
        let target = match sections.last_mut() {
            Some(s) => &mut s.text,
            None => &mut intro,
        };
        if !target.is_empty() || !l.trim().is_empty() {
            target.push_str(l);
            target.push('\n');
        }
    }
    for s in &mut sections {
        s.text = s.text.trim_end().to_string();
    }
    let mut preamble = Vec::new();
    if let Some(s) = fm.summary.as_ref().filter(|s| !s.trim().is_empty()) {
        preamble.push(s.trim().to_string());
    } else if !intro.trim().is_empty() {
        preamble.push(intro.trim().to_string());
    }
    if fm.title.trim().is_empty() {
        return Err(fail(2, "标题为空".into()));
    }
    Ok(Document {
        id: DocId(format!("corpus:{}", fm.title.trim())),
        kind,
        title: fm.title.trim().to_string(),
        aliases: fm.aliases,
        issuer: fm.issuer,
        region: fm.region,
        promulgated: None,
        effective,
        version_date: None,
        repealed,
        declared_status: None,
        history: Vec::new(),
        preamble,
        articles: Vec::new(),
        sections,
        links,
        rules: fm.rules,
        source: path.to_string(),
    })
}

/// Parses `安全生产法 第二十四条`, `危化品法第三十九条第一款`, `消防法 16条 第一款 第三项`.
pub fn parse_provision_ref(text: &str) -> Option<ProvisionRef> {
    let t = text.trim();
    // The law name ends where the article number begins: the last `第` that
    // starts a valid article number, or a run of digits followed by 条.
    let bytes_positions: Vec<usize> = t
        .char_indices()
        .filter(|(_, c)| *c == '第' || c.is_ascii_digit())
        .map(|(i, _)| i)
        .collect();
    for start in bytes_positions {
        let (law, rest) = (t.get(..start)?, t.get(start..)?);
        let law = law.trim().trim_matches(['《', '》']).trim();
        if law.is_empty() {
            continue;
        }
        let Some(end) = rest.find('条') else {
            continue;
        };
        let mut art_end = end + '条'.len_utf8();
        let after = rest.get(art_end..)?;
        if let Some(s) = after.strip_prefix('之') {
            let n = s
                .char_indices()
                .find(|(_, c)| {
                    !c.is_ascii_digit() && parse_chinese_numeral(&c.to_string()).is_none()
                })
                .map_or(s.len(), |(i, _)| i);
            art_end += '之'.len_utf8() + n;
        }
        let Ok(article) = rest.get(..art_end)?.parse::<ArticleNo>() else {
            continue;
        };
        let mut tail = rest.get(art_end..)?.trim();
        let mut paragraph = None;
        let mut item = None;
        if let Some((n, r)) = counted(tail, '款') {
            paragraph = Some(n);
            tail = r;
        }
        if let Some((n, r)) = counted(tail, '项') {
            item = Some(n);
            tail = r;
        }
        if !tail.is_empty() {
            return None;
        }
        return Some(ProvisionRef {
            law: law.to_string(),
            article: Some(article),
            paragraph,
            item,
        });
    }
    None
}

/// `第一款 …` → (1, rest).
fn counted(text: &str, unit: char) -> Option<(u32, &str)> {
    let t = text.trim_start();
    let t = t.strip_prefix('第').unwrap_or(t);
    let end = t.find(unit)?;
    let inner = t.get(..end)?.trim_matches(['（', '）', '(', ')']);
    let n = parse_chinese_numeral(inner).filter(|n| *n > 0)?;
    Some((n, t.get(end + unit.len_utf8()..)?.trim_start()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (law, article, sub, paragraph, item)
    type Expect<'a> = (&'a str, u32, u32, Option<u32>, Option<u32>);

    #[track_caller]
    fn check(text: &str, expect: Option<Expect<'_>>) {
        let got = parse_provision_ref(text).map(|r| {
            let a = r.article.unwrap();
            (r.law, a.number, a.sub, r.paragraph, r.item)
        });
        assert_eq!(
            got.as_ref()
                .map(|(l, n, s, p, i)| (l.as_str(), *n, *s, *p, *i)),
            expect,
            "ref `{text}`"
        );
    }

    #[test]
    fn parses_links() {
        check(
            "安全生产法 第二十四条",
            Some(("安全生产法", 24, 0, None, None)),
        );
        check(
            "危险化学品安全法 第三十九条 第一款",
            Some(("危险化学品安全法", 39, 0, Some(1), None)),
        );
        check(
            "《消防法》第十六条第一款第三项",
            Some(("消防法", 16, 0, Some(1), Some(3))),
        );
        check(
            "刑法 第一百三十四条之一",
            Some(("刑法", 134, 1, None, None)),
        );
        check("安法 24条", Some(("安法", 24, 0, None, None)));
        check("安全生产法", None);
        check("第二十四条", None);
        check("安全生产法 第二十四条 乱写", None);
    }

    #[test]
    fn parses_a_document() {
        let text = "+++\ntitle = \"测试解读\"\nkind = \"解读\"\nlinks = [\"测试法 第三条\"]\nrules = [\"T-1\"]\nsummary = \"摘要。\"\n+++\n\n## 要求什么\n第一段。\n\n## 常见问题\n问答。\n";
        let d = parse_corpus_document(text, "x.md").unwrap();
        assert_eq!(d.kind, DocKind::Interpretation);
        assert_eq!(d.sections.len(), 2);
        assert_eq!(d.sections[0].title, "要求什么");
        assert_eq!(d.sections[0].text, "第一段。");
        assert_eq!(d.preamble, vec!["摘要。"]);
        assert_eq!(d.rules, vec!["T-1"]);
    }

    #[test]
    fn reports_bad_documents() {
        let e = parse_corpus_document("no front matter", "a.md").unwrap_err();
        assert!(e.reason.contains("元数据"), "{e:?}");
        let e = parse_corpus_document("+++\ntitle = \"x\"\n", "a.md").unwrap_err();
        assert!(e.reason.contains("没有用 `+++` 结束"), "{e:?}");
        let e = parse_corpus_document("+++\ntitle = \"x\"\nkind = \"诗歌\"\n+++\n", "a.md")
            .unwrap_err();
        assert!(e.reason.contains("诗歌"), "{e:?}");
        let e = parse_corpus_document(
            "+++\ntitle = \"x\"\nkind = \"解读\"\nlinks = [\"乱写\"]\n+++\n",
            "a.md",
        )
        .unwrap_err();
        assert!(e.reason.contains("乱写"), "{e:?}");
        let e = parse_corpus_document("+++\ntitle = \n+++\n", "a.md").unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
    }
}
