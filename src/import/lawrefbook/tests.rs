//! The LawRefBook parser on invented fixtures (`tests/fixtures/lawrefbook/`).

use std::path::{Path, PathBuf};

use jiff::civil::date;

use super::*;
use crate::statute::ArticleNo;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lawrefbook")
}

fn parse(rel: &str) -> Result<Document, Skipped> {
    let text = std::fs::read_to_string(fixtures().join(rel)).unwrap();
    parse_lawrefbook_file(&text, Path::new(rel))
}

#[track_caller]
fn check_article(doc: &Document, no: &str, chapter: &str, paragraphs: &[(&str, usize)]) {
    let no: ArticleNo = no.parse().unwrap();
    let a = doc
        .article(no)
        .unwrap_or_else(|| panic!("{} has no {}", doc.title, no.label()));
    assert_eq!(a.chapter_path(), chapter, "{}", no.label());
    let got: Vec<(&str, usize)> = a
        .paragraphs
        .iter()
        .map(|p| (p.text.as_str(), p.items.len()))
        .collect();
    assert_eq!(got, paragraphs, "{}", no.label());
}

#[test]
fn law_with_chapters_sections_paragraphs_items() {
    let d = parse("社会法/测试法(2020-01-01).md").unwrap();
    assert_eq!(d.title, "中华人民共和国测试法");
    assert_eq!(d.kind, DocKind::Law);
    assert_eq!(d.version_date, Some(date(2020, 1, 1)));
    assert_eq!(d.effective, Some(date(2020, 6, 1)));
    assert_eq!(d.starts(), Some(date(2020, 6, 1)));
    assert_eq!(d.history.len(), 3);
    assert_eq!(
        d.history[1].event,
        "第一届全国人民代表大会常务委员会第九次会议修正"
    );
    assert_eq!(d.issuer.as_deref(), Some("全国人民代表大会常务委员会"));
    assert_eq!(d.id.0, "中华人民共和国测试法@2020-01-01");
    let nos: Vec<String> = d.articles.iter().map(|a| a.no.key()).collect();
    assert_eq!(nos, ["1", "2", "3", "3-1", "4", "5"]);
    check_article(
        &d,
        "2",
        "第一章 总则",
        &[("本法适用于测试。", 0), ("测试以外的活动，不适用本法。", 0)],
    );
    check_article(
        &d,
        "3",
        "第二章 测试单位的义务 / 第一节 一般规定",
        &[
            ("测试单位应当做到下列事项：", 3),
            ("测试单位违反前款规定的，应当改正。", 0),
        ],
    );
    let items = &d.article(ArticleNo::new(3)).unwrap().paragraphs[0].items;
    assert_eq!(items[2].number, 3);
    assert_eq!(items[2].text, "（三）保存结果。");
    check_article(
        &d,
        "3之一",
        "第二章 测试单位的义务 / 第一节 一般规定",
        &[("本条为后来插入的条文。", 0)],
    );
    // a full-width space after the number; a paragraph that cites an article is not one
    check_article(
        &d,
        "第四条",
        "第二章 测试单位的义务 / 第二节 特别规定",
        &[
            ("本条的条号后面是全角空格。", 0),
            ("第一百三十四条第二款规定的情形不是条文开头，而是正文。", 0),
        ],
    );
    check_article(&d, "5", "第三章 附则", &[("本法自2020年6月1日起施行。", 0)]);
}

#[test]
fn local_regulation_region_and_issuer() {
    let d = parse("DLC/测试省地方法规/地方性法规/测试省/测试省安全条例(2019-05-01).md").unwrap();
    assert_eq!(d.kind, DocKind::LocalRegulation);
    assert_eq!(d.region.as_deref(), Some("测试省"));
    assert_eq!(d.issuer.as_deref(), Some("测试省人民代表大会常务委员会"));
    assert_eq!(d.articles.len(), 2);
}

#[test]
fn case_sections() {
    let d = parse("案例/测试类/某测试公司违规案.md").unwrap();
    assert_eq!(d.kind, DocKind::Case);
    let titles: Vec<&str> = d.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, ["基本案情", "裁判结果", "典型意义"]);
    assert_eq!(d.sections[1].text, "法院判决乙公司改正记录。");
    assert_eq!(d.aliases, ["甲公司诉乙公司测试纠纷案"]);
    assert_eq!(d.issuer.as_deref(), Some("最高人民法院"));
    assert_eq!(d.promulgated, Some(date(2021, 5, 20)));
    assert_eq!(d.preamble, ["测试典型案例"]);
}

#[test]
fn amendment_keeps_numbered_items_as_preamble() {
    let d = parse("刑法/测试法修正案（一）.md").unwrap();
    assert_eq!(d.kind, DocKind::Law);
    assert!(d.articles.is_empty());
    assert_eq!(d.preamble.len(), 3);
    assert!(d.preamble[0].starts_with("一、"));
    assert!(
        d.preamble[0].ends_with("“演练参照测试执行。”"),
        "{:?}",
        d.preamble[0]
    );
    assert!(d.preamble[2].starts_with("三、"));
    assert_eq!(d.effective, Some(date(2021, 2, 1)));
    assert_eq!(d.issuer.as_deref(), Some("全国人民代表大会常务委员会"));
}

#[test]
fn judicial_interpretation_preamble_precedes_first_article() {
    let d = parse("司法解释/最高人民法院关于测试问题的解释(2021-03-01).md").unwrap();
    assert_eq!(d.kind, DocKind::JudicialInterpretation);
    assert_eq!(d.issuer.as_deref(), Some("最高人民法院"));
    assert_eq!(d.preamble.len(), 4);
    assert_eq!(d.preamble[2], "法释〔2021〕1号");
    assert_eq!(d.articles.len(), 2);
    assert_eq!(d.effective, Some(date(2021, 3, 10)));
    assert_eq!(d.version_date, Some(date(2021, 3, 1)));
}

#[test]
fn departmental_rule_issuer_from_folder() {
    let d = parse("部门规章/测试管理部/测试管理办法(2022-01-01).md").unwrap();
    assert_eq!(d.kind, DocKind::DepartmentalRule);
    assert_eq!(d.issuer.as_deref(), Some("测试管理部"));
    assert_eq!(d.promulgated, Some(date(2021, 12, 1)));
    assert_eq!(d.effective, Some(date(2022, 1, 1)));
}

#[track_caller]
fn check_broken(rel: &str, reason: &str, line: usize) {
    let e = parse(rel).unwrap_err();
    assert!(e.reason.contains(reason), "{rel}: {e:?}");
    assert_eq!(e.line, line, "{rel}: {e:?}");
}

#[test]
fn broken_files_are_reported_with_line_and_reason() {
    check_broken("坏文件/没有标题(2020-01-01).md", "没有 `# 标题` 行", 1);
    check_broken("坏文件/没有结束标记.md", "INFO END", 1);
    check_broken("坏文件/乱码.md", "没有找到条文", 5);
}

#[test]
fn whole_fixture_folder_imports_and_reports() {
    let got = import_lawrefbook(&fixtures()).unwrap();
    let mut titles: Vec<&str> = got.documents.iter().map(|d| d.title.as_str()).collect();
    titles.sort_unstable();
    assert_eq!(
        titles,
        [
            "中华人民共和国测试法",
            "中华人民共和国测试法修正案（一）",
            "最高人民法院关于测试问题的解释",
            "测试典",
            "测试单位应当如实记录",
            "测试省安全条例",
            "测试管理办法",
        ]
    );
    let mut skipped: Vec<String> = got
        .skipped
        .iter()
        .map(|s| {
            let name = Path::new(&s.path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            format!("{name}:{}", s.line)
        })
        .collect();
    skipped.sort();
    assert_eq!(
        skipped,
        [
            "乱码.md:5",
            "没有标题(2020-01-01).md:1",
            "没有结束标记.md:1",
            "非UTF8.md:0"
        ]
    );
    // the split code is one document with both parts, each under its 编
    let code = got.documents.iter().find(|d| d.title == "测试典").unwrap();
    let nos: Vec<u32> = code.articles.iter().map(|a| a.no.number).collect();
    assert_eq!(nos, [1, 2, 1164, 1165]);
    assert_eq!(
        code.articles[0].chapter_path(),
        "第一编 总则 / 第一章 基本规定"
    );
    assert_eq!(code.articles[3].chapter_path(), "责任编 / 第一章 一般规定");
    assert_eq!(code.articles[3].paragraphs.len(), 2);
    assert_eq!(code.effective, Some(date(2021, 1, 1)));
    assert_eq!(code.issuer.as_deref(), Some("全国人民代表大会"));
}

#[test]
fn never_panics_on_odd_markdown() {
    for text in [
        "",
        "<!-- INFO END -->",
        "# \n<!-- INFO END -->\n第一条",
        "# 标题\n<!-- INFO END -->\n# \n## \n第一条\n（一）\n第条 \n第一条之 x",
        "---\nbookHidden: true\n---\n# 模板\n<!-- INFO END -->\n第一条 x",
        "# 标题\n<!-- INFO END -->\n    第一条 缩进成代码块\n\n- 第二条 列表项\n\n| 第三条 表格 |\n|---|\n",
    ] {
        let _ = parse_lawrefbook_file(text, Path::new("社会法/x.md"));
    }
    let d = parse_lawrefbook_file(
        "# 标题\n<!-- INFO END -->\n    第一条 缩进成代码块\n\n- 第二条 列表项\n",
        Path::new("社会法/x.md"),
    )
    .unwrap();
    assert_eq!(d.articles.len(), 2);
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Lines built from the pieces statute files are made of, shuffled.
    fn line() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                "# ",
                "## ",
                "### ",
                "第",
                "条",
                "之",
                "一",
                "十",
                "百",
                "千",
                "章",
                "节",
                "编",
                "分编",
                "（",
                "）",
                "(",
                ")",
                "、",
                " ",
                "\u{3000}",
                "<!-- INFO END -->",
                "<!--",
                "-->",
                "2021年6月10日",
                "施行",
                "通过",
                "2022-03-15",
                "---",
                "bookHidden: true",
                "|",
                "    ",
                "*",
                "`",
                "字",
                "\u{feff}",
            ]),
            0..12,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn parser_never_panics(lines in prop::collection::vec(line(), 0..30), dlc in any::<bool>()) {
            let text = lines.join("\n");
            let path = if dlc { "DLC/某省/某省条例.md" } else { "社会法/某法(2020-01-01).md" };
            let _ = parse_lawrefbook_file(&text, Path::new(path));
            let _ = crate::import::parse_corpus_document(&text, "x.md");
            let _ = crate::import::parse_provision_ref(&text);
        }
    }
}
