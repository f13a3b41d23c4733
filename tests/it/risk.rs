//! `regkb risk`: ranking from the record store, and weights-file errors
//! reported with file and line. (The HTTP route is tested in `http.rs`.)

use serde_json::Value;

use crate::support::{regkb_in, repo, unwrapped};

#[test]
fn cli_ranks_stored_enterprises_and_limits() {
    let dir = tempfile::tempdir().unwrap();
    regkb_in(dir.path())
        .args(["records", "stress", "--count", "5"])
        .assert()
        .success();
    let out = regkb_in(dir.path())
        .args(["risk", "--json", "--limit", "3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ranked = v.as_array().unwrap();
    assert_eq!(ranked.len(), 3);
    // nothing was checked yet: every enterprise is grey, without a score
    for a in ranked {
        assert_eq!(a["colour"], "未检查", "{a}");
        assert!(a.get("score").is_none());
    }
}

#[test]
fn cli_reports_a_bad_weights_file_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::fs::read_to_string(repo().join("rules/risk/weights.toml")).unwrap();
    let bad = shipped.replace("orange = 35", "orange = \"三十五\"");
    let line = bad.lines().position(|l| l.contains("三十五")).unwrap() + 1;
    let file = dir.path().join("weights.toml");
    std::fs::write(&file, bad).unwrap();
    let out = regkb_in(&dir.path().join("data"))
        .args(["risk", "--weights"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = unwrapped(&out.stderr);
    assert!(err.contains(&format!("line{line}:")), "{err}");
    assert!(err.contains("weights.toml"), "{err}");
}
