//! Citation checking: `cite_check` statuses over a small invented library, and
//! `regkb cite-check` end to end (invented library and the LawRefBook samples).

use std::path::PathBuf;

use assert_cmd::Command;
use jiff::civil::{Date, date};
use regkb::citation::{CitationStatus, KnownNames, LibraryNames, cite_check};
use regkb::config::DataDir;
use regkb::library::{Aliases, Library};
use regkb::statute::{Article, ArticleNo, DocId, DocKind, Document, Item, Paragraph, Status};
use serde_json::Value;

use crate::support::{repo, save_documents};

// ---------------------------------------------------------------------------
// An invented library: every sentence below is made up for the tests.

const TEST_LAW: &str = "中华人民共和国测试安全法";

/// `(article, [(paragraph text, [item texts])])`
type Body<'a> = &'a [(u32, &'a [(&'a str, &'a [&'a str])])];

fn doc(title: &str, kind: DocKind, starts: Date, body: Body<'_>) -> Document {
    Document {
        id: DocId::new(title, Some(starts)),
        kind,
        title: title.to_string(),
        aliases: Vec::new(),
        issuer: None,
        region: None,
        promulgated: Some(starts),
        effective: Some(starts),
        version_date: Some(starts),
        repealed: None,
        declared_status: None,
        history: Vec::new(),
        preamble: Vec::new(),
        articles: body
            .iter()
            .map(|(no, paras)| Article {
                no: ArticleNo::new(*no),
                headings: Vec::new(),
                paragraphs: paras
                    .iter()
                    .map(|(text, items)| Paragraph {
                        text: text.to_string(),
                        items: items
                            .iter()
                            .enumerate()
                            .map(|(i, t)| Item {
                                number: i as u32 + 1,
                                text: t.to_string(),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
        sections: Vec::new(),
        links: Vec::new(),
        rules: Vec::new(),
        source: "invented for tests".to_string(),
    }
}

fn documents() -> Vec<Document> {
    let old = doc(
        TEST_LAW,
        DocKind::Law,
        date(2014, 12, 1),
        &[
            (1, &[("旧版第一条：本法用于测试。", &[])]),
            (2, &[("旧版第二条：测试单位应当记录。", &[])]),
            (
                3,
                &[
                    ("旧版第三条第一款：测试单位应当培训。", &[]),
                    (
                        "旧版第三条第二款：培训包括：",
                        &["（一）甲；", "（二）乙。"],
                    ),
                ],
            ),
        ],
    );
    let new = doc(
        TEST_LAW,
        DocKind::Law,
        date(2021, 9, 1),
        &[
            (1, &[("新版第一条：本法用于测试。", &[])]),
            (2, &[("新版第二条：测试单位应当记录。", &[])]),
            (
                3,
                &[
                    ("新版第三条第一款：测试单位应当培训。", &[]),
                    (
                        "新版第三条第二款：培训包括：",
                        &["（一）甲；", "（二）乙；", "（三）丙。"],
                    ),
                ],
            ),
            (4, &[("新版第四条：新增的一条。", &[])]),
        ],
    );
    let mut repealed = doc(
        "某某测试旧条例",
        DocKind::AdministrativeRegulation,
        date(2000, 1, 1),
        &[(1, &[("旧条例第一条：早已废止。", &[])])],
    );
    repealed.repealed = Some(date(2020, 1, 1));
    repealed.declared_status = Some(Status::Repealed);
    let mut pending = doc(
        "测试化学品安全法",
        DocKind::Law,
        date(2026, 5, 1),
        &[
            (1, &[("未生效法第一条：尚待施行。", &[])]),
            (39, &[("未生效法第三十九条：尚待施行。", &[])]),
        ],
    );
    pending.promulgated = Some(date(2025, 12, 27));
    pending.version_date = Some(date(2025, 12, 27));
    vec![old, new, repealed, pending]
}

fn aliases() -> Aliases {
    Aliases::parse(
        "\"中华人民共和国测试安全法\" = [\"测安法\"]\n\"测试化学品安全法\" = [\"测化法\"]\n",
        "aliases.toml",
    )
    .unwrap()
}

fn library() -> Library {
    Library::from_documents(documents(), &aliases())
}

/// Renders each citation as `law article[款p][项i] status[@date]`.
#[track_caller]
fn check(text: &str, as_of: Date, expect: &[&str]) {
    let lib = library();
    let got: Vec<String> = cite_check(text, &lib, as_of)
        .iter()
        .map(|c| {
            let f = &c.citation;
            let mut s = format!(
                "{} {}",
                c.title.as_deref().unwrap_or(&f.law),
                f.article.key()
            );
            if let Some(p) = f.paragraph {
                s.push_str(&format!("款{p}"));
            }
            if let Some(i) = f.item {
                s.push_str(&format!("项{i}"));
            }
            s.push(' ');
            s.push_str(match c.status {
                CitationStatus::Valid => "valid",
                CitationStatus::NoSuchArticle => "no_such_article",
                CitationStatus::NoSuchLaw => "no_such_law",
                CitationStatus::NotInForce => "not_in_force",
            });
            if let Some(d) = c.date {
                s.push_str(&format!("@{d}"));
            }
            s
        })
        .collect();
    assert_eq!(got, expect, "checking `{text}` as of {as_of}");
}

#[test]
fn valid_citations_in_both_numeral_styles() {
    check(
        "依照《中华人民共和国测试安全法》第二条、测安法第3条第2款第3项",
        date(2025, 1, 1),
        &[
            "中华人民共和国测试安全法 2 valid",
            "中华人民共和国测试安全法 3款2项3 valid",
        ],
    );
}

#[test]
fn version_in_force_decides_which_articles_exist() {
    // Article 4 came with the 2021 version; item 3 too.
    check(
        "测试安全法第四条",
        date(2020, 1, 1),
        &["中华人民共和国测试安全法 4 no_such_article"],
    );
    check(
        "测试安全法第四条",
        date(2021, 9, 1),
        &["中华人民共和国测试安全法 4 valid"],
    );
    check(
        "测试安全法第三条第二款第三项",
        date(2020, 1, 1),
        &["中华人民共和国测试安全法 3款2项3 no_such_article"],
    );
    // The whole law did not exist yet.
    check(
        "测试安全法第一条",
        date(2010, 1, 1),
        &["中华人民共和国测试安全法 1 not_in_force@2014-12-01"],
    );
}

#[test]
fn missing_paragraphs_items_and_laws() {
    check(
        "测安法第三条第三款；测安法第三条第二款第九项；测安法第九十九条；《不存在的测试法》第一条",
        date(2025, 1, 1),
        &[
            "中华人民共和国测试安全法 3款3 no_such_article",
            "中华人民共和国测试安全法 3款2项9 no_such_article",
            "中华人民共和国测试安全法 99 no_such_article",
            "不存在的测试法 1 no_such_law",
        ],
    );
}

#[test]
fn not_yet_effective_and_repealed_laws() {
    check(
        "测化法 39条",
        date(2026, 3, 1),
        &["测试化学品安全法 39 not_in_force@2026-05-01"],
    );
    check(
        "测化法 39条",
        date(2026, 5, 1),
        &["测试化学品安全法 39 valid"],
    );
    check(
        "《某某测试旧条例》第一条",
        date(2026, 3, 1),
        &["某某测试旧条例 1 not_in_force@2020-01-01"],
    );
    check(
        "《某某测试旧条例》第一条",
        date(2019, 12, 31),
        &["某某测试旧条例 1 valid"],
    );
}

#[test]
fn ranges_lists_and_this_law() {
    check(
        "《中华人民共和国测试安全法》第一条至第三条，该法第四条和第五条",
        date(2025, 1, 1),
        &[
            "中华人民共和国测试安全法 1 valid",
            "中华人民共和国测试安全法 2 valid",
            "中华人民共和国测试安全法 3 valid",
            "中华人民共和国测试安全法 4 valid",
            "中华人民共和国测试安全法 5 no_such_article",
        ],
    );
}

#[test]
fn cited_text_is_as_precise_as_the_citation() {
    let lib = library();
    let got = cite_check(
        "测安法第三条；测安法第三条第二款；测安法第三条第二款第一项",
        &lib,
        date(2025, 1, 1),
    );
    let texts: Vec<&str> = got
        .iter()
        .map(|c| c.provision_text.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(
        texts,
        [
            "新版第三条第一款：测试单位应当培训。\n新版第三条第二款：培训包括：\n（一）甲；\n（二）乙；\n（三）丙。",
            "新版第三条第二款：培训包括：\n（一）甲；\n（二）乙；\n（三）丙。",
            "（一）甲；",
        ]
    );
}

#[test]
fn prepared_names_agree_with_the_library() {
    let lib = library();
    let fast = LibraryNames::new(&lib);
    for text in [
        "违反中华人民共和国测试安全法",
        "依照测试安全法",
        "测安法",
        "依照测化法",
        "测试 安全法",
        "《中华人民共和国测试安全法",
        "某某测试旧条例",
        "无关文字",
        "法",
        "",
    ] {
        assert_eq!(
            fast.longest_name_ending_at(text),
            lib.longest_name_ending_at(text),
            "`{text}`"
        );
    }
    assert_eq!(
        fast.longest_name_ending_at("违反中华人民共和国测试安全法"),
        Some(TEST_LAW.len())
    );
}

// ---------------------------------------------------------------------------
// The command line.

/// A data directory holding the invented library, and an empty corpus folder
/// so the repository's own corpus does not change the results.
struct Env {
    _dir: tempfile::TempDir,
    data: PathBuf,
    corpus: PathBuf,
}

fn env_with(docs: Vec<Document>) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(
        corpus.join("aliases.toml"),
        "\"中华人民共和国测试安全法\" = [\"测安法\"]\n\"测试化学品安全法\" = [\"测化法\"]\n",
    )
    .unwrap();
    if !docs.is_empty() {
        save_documents(&DataDir::new(&data), "invented", "tests", docs);
    }
    Env {
        _dir: dir,
        data,
        corpus,
    }
}

fn regkb(env: &Env) -> Command {
    let mut cmd = Command::cargo_bin("regkb").unwrap();
    cmd.arg("--data-dir")
        .arg(&env.data)
        .arg("--corpus-dir")
        .arg(&env.corpus);
    cmd
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(out)
                .chars()
                .take(500)
                .collect::<String>()
        )
    })
}

#[test]
fn cli_json_report_in_order_of_appearance() {
    let env = env_with(documents());
    let out = regkb(&env)
        .args(["cite-check", "--json", "--as-of", "2026-03-01", "-"])
        .write_stdin("第一段：测安法第三条第二款第一项。\n第二段：《测试化学品安全法》第三十九条；《不存在的测试法》第一条；测安法第八十条")
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    let cites = v["citations"].as_array().unwrap();
    let summary: Vec<(String, i64, String)> = cites
        .iter()
        .map(|c| {
            (
                c["law"].as_str().unwrap().to_string(),
                c["article"].as_i64().unwrap(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (TEST_LAW.to_string(), 3, "valid".to_string()),
            (
                "测试化学品安全法".to_string(),
                39,
                "not_in_force".to_string()
            ),
            ("不存在的测试法".to_string(), 1, "no_such_law".to_string()),
            (TEST_LAW.to_string(), 80, "no_such_article".to_string()),
        ]
    );
    let first = &cites[0];
    assert_eq!(first["text"], "测安法第三条第二款第一项");
    assert_eq!(first["paragraph"], 2);
    assert_eq!(first["item"], 1);
    assert_eq!(first["provision_text"], "（一）甲；");
    assert_eq!(first["article_label"], "第三条");
    // Character offsets, not bytes.
    assert_eq!(first["span"]["start"], 4);
    assert_eq!(first["span"]["end"], 16);
    assert_eq!(cites[1]["date"], "2026-05-01");
    assert_eq!(cites[1]["line"], 2);
    assert!(cites[2]["provision_text"].is_null());
}

#[test]
fn cli_exit_zero_when_all_valid_and_human_output() {
    let env = env_with(documents());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("通知.txt");
    std::fs::write(&file, "\u{feff}依照测安法第一条至第二条整改。").unwrap();
    let out = regkb(&env)
        .args(["cite-check", "--as-of", "2025-01-01"])
        .arg(&file)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches('✓').count(), 2, "{text}");
    assert!(!text.contains('✗'), "{text}");
    assert!(text.contains("全部有效"), "{text}");
}

#[test]
fn cli_human_output_marks_problems() {
    let env = env_with(documents());
    let out = regkb(&env)
        .args(["cite-check", "--as-of", "2026-03-01"])
        .write_stdin("测化法第一条、《某某测试旧条例》第一条")
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches('✗').count(), 2, "{text}");
    assert!(text.contains("2026年5月1日起施行"), "{text}");
    assert!(text.contains("2020年1月1日废止"), "{text}");
    assert!(text.contains("不在有效期内 2"), "{text}");
}

#[test]
fn cli_this_law_with_law_option() {
    let env = env_with(documents());
    let out = regkb(&env)
        .args([
            "cite-check",
            "--json",
            "--law",
            "测安法",
            "--as-of",
            "2025-01-01",
        ])
        .write_stdin("违反本法第四条规定的，依照第二条处理。")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    let articles: Vec<i64> = v["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["article"].as_i64().unwrap())
        .collect();
    assert_eq!(articles, [4, 2]);
    regkb(&env)
        .args(["cite-check", "--law", "没有这部法"])
        .write_stdin("本法第一条")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("`没有这部法`"));
}

#[test]
fn cli_no_citations_is_success() {
    let env = env_with(documents());
    regkb(&env)
        .args(["cite-check"])
        .write_stdin("今天第一次检查，第3天复查，一切正常。")
        .assert()
        .code(0)
        .stdout(predicates::str::contains("未发现法条引用"));
}

#[test]
fn cli_rejects_unreadable_input() {
    let env = env_with(documents());
    regkb(&env)
        .args(["cite-check"])
        .write_stdin(vec![0xff_u8, 0xfe, 0x00, 0x9f, 0x80, 0x12])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("不是 UTF-8"));
    regkb(&env)
        .args(["cite-check", "/no/such/file.txt"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("`/no/such/file.txt`"));
    regkb(&env)
        .args(["cite-check", "--as-of", "明天"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("`明天`"));
}

#[test]
fn cli_needs_an_imported_library() {
    let env = env_with(Vec::new());
    regkb(&env)
        .args(["cite-check"])
        .write_stdin("测安法第一条")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("regkb import"));
}

#[test]
fn cli_help_documents_exit_status() {
    let env = env_with(Vec::new());
    regkb(&env)
        .args(["cite-check", "--help"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("Exit status: 0"));
}

// ---------------------------------------------------------------------------
// Against the LawRefBook samples (read from the shared folder, never copied).

fn samples() -> PathBuf {
    repo().join("../shared/corpus-samples/lawrefbook")
}

#[test]
fn cli_over_imported_lawrefbook_samples() {
    let env = env_with(Vec::new());
    regkb(&env)
        .args(["import", "lawrefbook"])
        .arg(samples())
        .assert()
        .success();
    let text = "依照《中华人民共和国安全生产法》第二十四条第一款、消防法第十六条第一款第三项，\
                违反安全生产法第九百条；《不存在的测试法》第一条。";
    let out = regkb(&env)
        .args(["cite-check", "--json", "--as-of", "2025-01-01"])
        .write_stdin(text)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    let cites = v["citations"].as_array().unwrap();
    let statuses: Vec<&str> = cites
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["valid", "valid", "no_such_article", "no_such_law"]
    );
    assert_eq!(cites[0]["law"], "中华人民共和国安全生产法");
    assert_eq!(cites[1]["law"], "中华人民共和国消防法");
    for c in &cites[..2] {
        let t = c["provision_text"].as_str().unwrap();
        assert!(!t.is_empty());
    }
    // A cited item is one line starting with its marker.
    let item = cites[1]["provision_text"].as_str().unwrap();
    assert!(item.starts_with("（三）") && !item.contains('\n'), "{item}");

    // Only the 2021 text of the work-safety law is in the samples: before it
    // started, the citation is not in force, with the day it starts.
    let out = regkb(&env)
        .args(["cite-check", "--json", "--as-of", "2021-01-01"])
        .write_stdin("安全生产法第二十四条")
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["citations"][0]["status"], "not_in_force");
    let starts = v["citations"][0]["date"].as_str().unwrap();
    assert!(
        starts.starts_with("2021-") && starts > "2021-01-01",
        "{starts}"
    );
}

#[test]
fn cli_human_report_snapshot() {
    let env = env_with(documents());
    let out = regkb(&env)
        .args(["cite-check", "--as-of", "2026-03-01"])
        .write_stdin(
            "经查，该单位违反《中华人民共和国测试安全法》第三条第二款第三项、测安法第二条，\n\
             依照该法第九条处理；另见测化法第三十九条、《某某测试旧条例》第一条和《不存在的测试法》第一条。",
        )
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn cli_closed_stdout_is_not_a_crash() {
    use std::io::Write;
    use std::process::Stdio;
    let env = env_with(documents());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_regkb"))
        .arg("--data-dir")
        .arg(&env.data)
        .arg("--corpus-dir")
        .arg(&env.corpus)
        .args(["cite-check", "--as-of", "2025-01-01"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the report is written (`… | head`).
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all("测安法第一条至第三条。".repeat(2_000).as_bytes())
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Either the report finished quietly or the process stopped on SIGPIPE,
    // as Unix tools do; a panic would exit with 101.
    use std::os::unix::process::ExitStatusExt;
    let quiet = out.status.code() == Some(0) || out.status.signal() == Some(libc::SIGPIPE);
    assert!(quiet, "status {:?}: {stderr}", out.status);
}
