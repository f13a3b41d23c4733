//! Data tables read from CSV (GB 18218 critical quantities, β, α, grades),
//! typed by the `table` declaration in a rule file, with lookups by key
//! columns (name, then aliases, then CAS: an ambiguous match is "unknown")
//! or by a numeric range.
//!
//! ```
//! use regkb::dsl::table::{Cell, normalize_key};
//! assert_eq!(normalize_key(" 液氯 "), "液氯");
//! assert!(Cell::Names(vec!["74-82-8(甲烷)".into()]).matches("74-82-8"));
//! ```

use std::collections::HashMap;

use super::ast::{ColumnType, Effective};
use super::types::Dim;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Names(Vec<String>),
    /// Empty cells are `None` (an open range bound, or no value).
    Num(Option<f64>),
}

impl Cell {
    /// Whether a lookup key names this cell (exactly, or without a
    /// parenthesised qualifier such as `74-82-8(甲烷)`).
    pub fn matches(&self, key: &str) -> bool {
        let key = normalize_key(key);
        let one = |s: &str| {
            let s = normalize_key(s);
            s == key || strip_qualifier(&s) == key
        };
        match self {
            Cell::Text(s) => one(s),
            Cell::Names(v) => v.iter().any(|s| one(s)),
            Cell::Num(_) => false,
        }
    }
}

/// Trims and unifies full-width brackets and spaces.
pub fn normalize_key(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '\u{3000}' => ' ',
            other => other,
        })
        .collect()
}

fn strip_qualifier(s: &str) -> &str {
    match s.find('(') {
        Some(i) if i > 0 && s.ends_with(')') => s.get(..i).unwrap_or(s).trim(),
        _ => s,
    }
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    pub dim: Dim,
    pub scale: f64,
}

#[derive(Debug, Clone)]
pub struct TableVersion {
    pub effective: Option<Effective>,
    pub rows: Vec<Vec<Cell>>,
    /// Where the rows came from (`gb18218-2018/table1-….csv`).
    pub file: String,
    /// Per key column (in `Table::keys` order): normalized name → rows.
    pub index: Vec<HashMap<String, Vec<usize>>>,
}

impl TableVersion {
    /// Builds a version and its lookup index over the key columns.
    pub fn new(
        effective: Option<Effective>,
        rows: Vec<Vec<Cell>>,
        file: String,
        keys: &[usize],
    ) -> Self {
        let mut index = Vec::with_capacity(keys.len());
        for &k in keys {
            let mut map: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, row) in rows.iter().enumerate() {
                let names: Vec<&str> = match row.get(k) {
                    Some(Cell::Text(s)) => vec![s.as_str()],
                    Some(Cell::Names(v)) => v.iter().map(String::as_str).collect(),
                    _ => Vec::new(),
                };
                for n in names {
                    let n = normalize_key(n);
                    let stripped = strip_qualifier(&n).to_string();
                    for form in [n, stripped] {
                        let rows = map.entry(form).or_default();
                        if !rows.contains(&i) {
                            rows.push(i);
                        }
                    }
                }
            }
            index.push(map);
        }
        TableVersion {
            effective,
            rows,
            file,
            index,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    /// Key columns in lookup order.
    pub keys: Vec<usize>,
    /// `(min, max, max_inclusive)` column indices for range lookups.
    pub range: Option<(usize, usize, bool)>,
    pub versions: Vec<TableVersion>,
}

/// What a lookup found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    Row(usize),
    NotFound,
    /// Several rows match the key in the same column (e.g. one CAS number for
    /// several 硝化纤维素 entries): the caller must say which.
    Ambiguous,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The version in force on `day`.
    pub fn version(&self, day: jiff::civil::Date) -> Option<usize> {
        self.versions
            .iter()
            .position(|v| v.effective.is_none_or(|e| e.covers(day)))
    }

    pub fn find_text(&self, version: usize, key: &str) -> Found {
        let Some(v) = self.versions.get(version) else {
            return Found::NotFound;
        };
        let key = normalize_key(key);
        for map in &v.index {
            match map.get(&key).map(Vec::as_slice) {
                None | Some([]) => continue,
                Some([one]) => return Found::Row(*one),
                Some(_) => return Found::Ambiguous,
            }
        }
        Found::NotFound
    }

    pub fn find_number(&self, version: usize, x: f64) -> Found {
        let (Some(v), Some((lo, hi, incl))) = (self.versions.get(version), self.range) else {
            return Found::NotFound;
        };
        for (i, row) in v.rows.iter().enumerate() {
            let min = match row.get(lo) {
                Some(Cell::Num(n)) => *n,
                _ => None,
            };
            let max = match row.get(hi) {
                Some(Cell::Num(n)) => *n,
                _ => None,
            };
            let above = min.is_none_or(|m| x >= m);
            let below = max.is_none_or(|m| if incl { x <= m } else { x < m });
            if above && below {
                return Found::Row(i);
            }
        }
        Found::NotFound
    }

    pub fn cell(&self, version: usize, row: usize, column: usize) -> Option<&Cell> {
        self.versions.get(version)?.rows.get(row)?.get(column)
    }
}

/// Splits a `names` cell: alternatives separated by `;`, `；` or `、`.
pub fn split_names(cell: &str) -> Vec<String> {
    cell.split([';', '；', '、'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A CSV problem: 1-based line and the message.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvProblem {
    pub line: usize,
    pub message: String,
    pub help: String,
}

/// Reads CSV text into typed rows following the declared columns. Every
/// problem is returned (with its line), not only the first.
pub fn read_csv(text: &str, columns: &[Column]) -> Result<Vec<Vec<Cell>>, Vec<CsvProblem>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    let header: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            return Err(vec![CsvProblem {
                line: 1,
                message: format!("表头行：{}", csv_reason(&e)),
                help: "第一行写各列的列名，用英文逗号分隔".into(),
            }]);
        }
    };
    let mut index = Vec::new();
    for c in columns {
        match header.iter().position(|h| *h == c.name) {
            Some(i) => index.push(i),
            None => problems.push(CsvProblem {
                line: 1,
                message: format!("表文件里没有 `{}` 列", c.name),
                help: format!("表文件的列有：{}", header.join("、")),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                problems.push(CsvProblem {
                    line,
                    message: csv_reason(&e),
                    help: "每行的格数（以逗号分隔）须与表头相同；含逗号的格子用双引号括起来".into(),
                });
                continue;
            }
        };
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let mut row = Vec::with_capacity(columns.len());
        for (c, &i) in columns.iter().zip(&index) {
            let raw = rec.get(i).unwrap_or("").trim();
            let cell = match c.ty {
                ColumnType::Text => Cell::Text(raw.to_string()),
                ColumnType::Names => Cell::Names(split_names(raw)),
                ColumnType::Number | ColumnType::Integer => {
                    if raw.is_empty() {
                        Cell::Num(None)
                    } else {
                        match raw.parse::<f64>() {
                            Ok(n)
                                if n.is_finite()
                                    && (c.ty == ColumnType::Number || n.fract() == 0.0) =>
                            {
                                Cell::Num(Some(n * c.scale))
                            }
                            _ => {
                                problems.push(CsvProblem {
                                    line,
                                    message: format!(
                                        "`{}` 列里的 `{raw}` 不是{}",
                                        c.name,
                                        if c.ty == ColumnType::Integer {
                                            "整数"
                                        } else {
                                            "数字"
                                        }
                                    ),
                                    help: "用阿拉伯数字写，如 10 或 0.5，不知道就留空".into(),
                                });
                                Cell::Num(None)
                            }
                        }
                    }
                }
            };
            row.push(cell);
        }
        rows.push(row);
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Why a CSV line could not be read, in words a rule author knows.
fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("这一行有 {len} 格，表头有 {expected_len} 格"),
        csv::ErrorKind::Utf8 { .. } => "不是 UTF-8 编码的文字".to_string(),
        _ => format!("读不懂这一行：{e}"),
    }
}
