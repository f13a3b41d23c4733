//! `regkb rules coverage`: for each source (statute or standard), which
//! articles or clauses have rules, which are marked "not checkable from
//! records" (and why), which are out of scope, and which are still open.
//!
//! The marks are data kept beside the rules, one `coverage.toml` per source
//! folder, so experts maintain them:
//!
//! ```toml
//! source = "危险化学品安全法"            # as in `cite` (short names expand)
//! # standards only: every clause, so open ones can be listed
//! clauses = ["一", "二", "三"]
//! [not_checkable]
//! "第四十二条" = "出入库核查登记制度，记录中没有该信息，需现场查看台账"
//! [out_of_scope]
//! "第一条-第十二条" = "总则：立法目的、适用范围和政府职责"
//! ```
//!
//! For statutes the full list of articles comes from the imported library
//! (when there is one); without it only the covered and marked articles are
//! listed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::dsl::{RuleMeta, full_law_title};
use crate::statute::ArticleNo;

/// One `coverage.toml` file as written by an expert.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CoverageFile {
    source: String,
    #[serde(default)]
    clauses: Vec<String>,
    #[serde(default)]
    not_checkable: BTreeMap<String, String>,
    #[serde(default)]
    out_of_scope: BTreeMap<String, String>,
}

impl CoverageFile {
    pub(super) fn parse(path: &Path, text: &str) -> Result<CoverageFile, String> {
        toml::from_str(text).map_err(|e| {
            let (line, words) = crate::toml_words::explain(text, &e);
            format!("`{}` 第 {line} 行：{words}", path.display())
        })
    }
}

/// The coverage of one source.
#[derive(Debug, Serialize, PartialEq)]
pub(super) struct SourceCoverage {
    pub source: String,
    /// `statute` or `standard`
    pub kind: &'static str,
    /// articles (第十三条) or clauses with the ids of the rules citing them, in order
    pub covered: Vec<Covered>,
    pub not_checkable: Vec<Marked>,
    pub out_of_scope: Vec<Marked>,
    /// articles or clauses neither covered nor marked (only when the full list is known)
    pub open: Vec<String>,
    /// number of articles or clauses of the source (when known)
    pub total: Option<usize>,
    /// problems in the marks (a mark on an article that has rules, an unknown article)
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize, PartialEq)]
pub(super) struct Covered {
    pub provision: String,
    pub rules: Vec<String>,
}

#[derive(Debug, Serialize, PartialEq)]
pub(super) struct Marked {
    pub provision: String,
    pub reason: String,
}

/// A provision in sort order: statute articles by number, clauses by their
/// Chinese or decimal number when they have one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key(u32, u32, String);

fn article_key(no: ArticleNo) -> Key {
    Key(no.number, no.sub, no.label())
}

fn clause_key(clause: &str) -> Key {
    match crate::statute::numeral::parse_chinese_numeral(clause) {
        Some(n) => Key(n, 0, clause.to_string()),
        None => Key(u32::MAX, 0, clause.to_string()),
    }
}

/// Expands `第一条-第十二条` (or `第一条至第十二条`) to the articles in between;
/// a single article gives itself.
fn article_range(text: &str) -> Option<Vec<ArticleNo>> {
    let parts: Vec<&str> = text.split(['-', '至', '~']).map(str::trim).collect();
    match parts.as_slice() {
        [one] => one.parse::<ArticleNo>().ok().map(|a| vec![a]),
        [a, b] => {
            let a = a.parse::<ArticleNo>().ok()?;
            let b = b.parse::<ArticleNo>().ok()?;
            if a.number > b.number {
                return None;
            }
            Some((a.number..=b.number).map(ArticleNo::new).collect())
        }
        _ => None,
    }
}

/// Builds the coverage of every source cited by a rule or named in a
/// coverage file. `articles_of(full_title)` lists a statute's articles when
/// the library knows it.
pub(super) fn build(
    rules: &[&RuleMeta],
    files: &[CoverageFile],
    articles_of: &dyn Fn(&str) -> Option<Vec<ArticleNo>>,
) -> Vec<SourceCoverage> {
    // source → (is standard, provision key → rule ids)
    let mut cited: BTreeMap<String, (bool, BTreeMap<Key, BTreeSet<String>>)> = BTreeMap::new();
    for r in rules {
        for c in &r.citations {
            let (is_standard, key) = match c.article {
                Some(a) => (false, article_key(ArticleNo::new(a))),
                None => (true, clause_key(c.clause.as_deref().unwrap_or("全文"))),
            };
            let entry = cited
                .entry(c.law.clone())
                .or_insert_with(|| (is_standard, BTreeMap::new()));
            entry.1.entry(key).or_default().insert(r.id.clone());
        }
    }
    let mut marks: BTreeMap<String, &CoverageFile> = BTreeMap::new();
    for f in files {
        let full = full_law_title(&f.source);
        cited
            .entry(full.clone())
            .or_insert_with(|| (!f.clauses.is_empty(), BTreeMap::new()));
        marks.insert(full, f);
    }

    let mut out = Vec::new();
    for (source, (is_standard, by_key)) in cited {
        let file = marks.get(&source).copied();
        let mut warnings = Vec::new();
        let all: Option<Vec<Key>> = if is_standard {
            file.filter(|f| !f.clauses.is_empty())
                .map(|f| f.clauses.iter().map(|c| clause_key(c)).collect())
        } else {
            articles_of(&source).map(|v| v.into_iter().map(article_key).collect())
        };
        let mut expand = |label: &str| -> Vec<Key> {
            if is_standard {
                return vec![clause_key(label)];
            }
            match article_range(label) {
                Some(v) => v.into_iter().map(article_key).collect(),
                None => {
                    warnings.push(format!("无法识别的条号 `{label}`"));
                    Vec::new()
                }
            }
        };
        let mut not_checkable: BTreeMap<Key, String> = BTreeMap::new();
        let mut out_of_scope: BTreeMap<Key, String> = BTreeMap::new();
        if let Some(f) = file {
            for (label, reason) in &f.not_checkable {
                for k in expand(label) {
                    not_checkable.insert(k, reason.clone());
                }
            }
            for (label, reason) in &f.out_of_scope {
                for k in expand(label) {
                    out_of_scope.insert(k, reason.clone());
                }
            }
        }
        for k in not_checkable.keys().chain(out_of_scope.keys()) {
            if by_key.contains_key(k) {
                warnings.push(format!("{} 已有规则，却被标为无法检查或不在范围内", k.2));
            }
            if let Some(all) = &all
                && !all.contains(k)
            {
                warnings.push(format!("{} 不在该法规（标准）的条文中", k.2));
            }
        }
        let open = all
            .as_ref()
            .map(|all| {
                all.iter()
                    .filter(|k| {
                        !by_key.contains_key(k)
                            && !not_checkable.contains_key(k)
                            && !out_of_scope.contains_key(k)
                    })
                    .map(|k| k.2.clone())
                    .collect()
            })
            .unwrap_or_default();
        out.push(SourceCoverage {
            source,
            kind: if is_standard { "standard" } else { "statute" },
            covered: by_key
                .into_iter()
                .map(|(k, ids)| Covered {
                    provision: k.2,
                    rules: ids.into_iter().collect(),
                })
                .collect(),
            not_checkable: not_checkable
                .into_iter()
                .map(|(k, reason)| Marked {
                    provision: k.2,
                    reason,
                })
                .collect(),
            out_of_scope: out_of_scope
                .into_iter()
                .map(|(k, reason)| Marked {
                    provision: k.2,
                    reason,
                })
                .collect(),
            open,
            total: all.map(|a| a.len()),
            warnings,
        });
    }
    out
}

/// How many open articles the text report lists per source.
const OPEN_SHOWN: usize = 30;

/// The report as township staff and experts read it.
pub(super) fn render(cov: &[SourceCoverage]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    for c in cov {
        let kind = if c.kind == "standard" {
            "标准"
        } else {
            "法律法规"
        };
        let _ = writeln!(s, "{}（{kind}）", c.source);
        let _ = writeln!(s, "  有规则 {} 条：", c.covered.len());
        for p in &c.covered {
            let _ = writeln!(s, "    {}  {}", p.provision, p.rules.join("、"));
        }
        if !c.not_checkable.is_empty() {
            let _ = writeln!(s, "  记录无法判断 {} 条：", c.not_checkable.len());
            for m in &c.not_checkable {
                let _ = writeln!(s, "    {}  {}", m.provision, m.reason);
            }
        }
        if !c.out_of_scope.is_empty() {
            let _ = writeln!(
                s,
                "  不属于企业可检查的义务 {} 条（总则、政府职责、罚则等）",
                c.out_of_scope.len()
            );
        }
        if let Some(total) = c.total {
            let handled = c.covered.len() + c.not_checkable.len() + c.out_of_scope.len();
            let _ = writeln!(
                s,
                "  共 {total} 条；有规则 {}，无法判断 {}，不在范围 {}，尚未处理 {}（已处理 {}%）",
                c.covered.len(),
                c.not_checkable.len(),
                c.out_of_scope.len(),
                c.open.len(),
                handled.min(total) * 100 / total.max(1)
            );
            if !c.open.is_empty() {
                let shown: Vec<&str> = c.open.iter().take(OPEN_SHOWN).map(String::as_str).collect();
                let more = if c.open.len() > OPEN_SHOWN {
                    format!(" 等 {} 条（--json 列出全部）", c.open.len())
                } else {
                    String::new()
                };
                let _ = writeln!(s, "  尚未处理：{}{more}", shown.join("、"));
            }
        }
        for w in &c.warnings {
            let _ = writeln!(s, "  注意：{w}");
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::check::CitationOut;
    use crate::dsl::RuleMeta;

    fn rule(id: &str, law: &str, article: Option<u32>, clause: Option<&str>) -> RuleMeta {
        RuleMeta {
            id: id.into(),
            title: "测试".into(),
            citations: vec![CitationOut {
                law: law.into(),
                article,
                paragraph: None,
                item: None,
                clause: clause.map(str::to_string),
            }],
            severity: crate::check::Severity::General,
            departments: vec![],
            effective_from: None,
            effective_until: None,
            subject: None,
            exception_to: None,
            remedy: String::new(),
            location: String::new(),
        }
    }

    fn file(text: &str) -> CoverageFile {
        CoverageFile::parse(Path::new("coverage.toml"), text).unwrap()
    }

    #[test]
    fn statute_articles_are_covered_marked_or_open() {
        let r1 = rule("A-2", "中华人民共和国测试法", Some(2), None);
        let r2 = rule("A-2B", "中华人民共和国测试法", Some(2), None);
        let f = file(
            "source = \"中华人民共和国测试法\"\n[not_checkable]\n\"第三条\" = \"没有字段\"\n[out_of_scope]\n\"第一条\" = \"总则\"\n\"第五条-第六条\" = \"罚则\"\n",
        );
        let cov = build(&[&r1, &r2], &[f], &|_| {
            Some((1..=6).map(ArticleNo::new).collect())
        });
        assert_eq!(cov.len(), 1);
        let c = &cov[0];
        assert_eq!(c.covered[0].provision, "第二条");
        assert_eq!(c.covered[0].rules, vec!["A-2", "A-2B"]);
        assert_eq!(c.not_checkable[0].provision, "第三条");
        assert_eq!(c.out_of_scope.len(), 3);
        assert_eq!(c.open, vec!["第四条"]);
        assert_eq!(c.total, Some(6));
        assert!(c.warnings.is_empty());
        assert!(render(&cov).contains("尚未处理 1"));
    }

    #[test]
    fn standards_use_their_clause_list_and_marks_on_covered_items_warn() {
        let r = rule("HZ-01", "某判定标准", None, Some("一"));
        let f = file(
            "source = \"某判定标准\"\nclauses = [\"一\", \"二\", \"三\"]\n[not_checkable]\n\"一\" = \"错标\"\n\"二\" = \"需现场看\"\n",
        );
        let cov = build(&[&r], &[f], &|_| None);
        let c = &cov[0];
        assert_eq!(c.kind, "standard");
        assert_eq!(c.open, vec!["三"]);
        assert_eq!(c.warnings.len(), 1);
    }

    #[test]
    fn without_a_library_no_open_list_and_bad_labels_warn() {
        let r = rule("X-1", "中华人民共和国测试法", Some(9), None);
        let f = file("source = \"中华人民共和国测试法\"\n[not_checkable]\n\"第几条\" = \"?\"\n");
        let cov = build(&[&r], &[f], &|_| None);
        assert_eq!(cov[0].total, None);
        assert!(cov[0].open.is_empty());
        assert_eq!(cov[0].warnings.len(), 1);
    }

    #[test]
    fn unknown_keys_in_a_coverage_file_are_rejected() {
        let e = CoverageFile::parse(Path::new("x/coverage.toml"), "source = \"a\"\nfoo = 1\n")
            .unwrap_err();
        assert!(
            e.starts_with("`x/coverage.toml` 第 2 行：不认识的设置项 `foo`（此处可用："),
            "{e}"
        );
    }
}
