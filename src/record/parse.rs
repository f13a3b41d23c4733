//! Reading a record's JSON text with limits checked before parsing: size and
//! nesting depth are measured by a byte scan, so a 10 MB document or 100 000
//! nested `[` is refused without building anything. The same scan finds
//! repeated keys and, for messages, the line and column of a pointer. A
//! quick pass (string contents skipped with `memchr`, no positions) clears
//! the common clean document; only one it cannot clear is scanned in full.
//!
//! ```
//! use regkb::record::{parse_record, Limits};
//! let deep = "[".repeat(100_000);
//! let problems = parse_record(deep.as_bytes(), &Limits::default()).unwrap_err();
//! assert!(problems[0].message.contains("嵌套"));
//! assert!(parse_record(br#"{"uscc": "x"}"#, &Limits::default()).is_ok());
//! ```

use serde_json::Value;

use super::Problem;

/// Size and depth limits for a record document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted document, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of objects and arrays (the core v1 record
    /// needs 6: `/units/0/chemicals/0/flags`).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 10 * 1024 * 1024,
            max_depth: 32,
        }
    }
}

/// Parses a record document after checking [`Limits`]. Size, nesting depth
/// and duplicate keys (`{"employees": 10, "employees": -5}` is ambiguous:
/// parsers disagree on which value wins) are problems; size and depth are
/// checked before anything is built.
pub fn parse_record(bytes: &[u8], limits: &Limits) -> Result<Value, Vec<Problem>> {
    // files saved by some Windows tools start with a UTF-8 byte-order mark
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.len() > limits.max_bytes {
        return Err(vec![Problem::new(
            "",
            format!(
                "记录过大：{} 字节，超过上限 {} 字节",
                bytes.len(),
                limits.max_bytes
            ),
            format!("不超过 {} 字节的 JSON 文档", limits.max_bytes),
        )]);
    }
    // the quick pass answers for the common clean document; anything it
    // cannot vouch for (too deep, a repeated or escaped key) is scanned again
    // slowly for the line, column and pointer the messages need
    let scan = if quick_scan_is_clean(bytes, limits.max_depth) {
        Scan::default()
    } else {
        scan(bytes, limits.max_depth, &[])
    };
    if let Some((line, col)) = scan.too_deep {
        return Err(vec![Problem::new(
            "",
            format!(
                "嵌套层数超过上限 {} 层（第{line}行第{col}列）",
                limits.max_depth
            ),
            format!("对象和列表嵌套不超过 {} 层", limits.max_depth),
        )]);
    }
    let value = serde_json::from_slice(bytes).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Eof => "内容不完整",
            serde_json::error::Category::Syntax => "语法错误",
            serde_json::error::Category::Data | serde_json::error::Category::Io => "无法读取",
        };
        let detail = e.to_string();
        let detail = detail
            .rsplit_once(" at line ")
            .map_or(detail.as_str(), |(d, _)| d)
            .to_string();
        vec![Problem::new(
            "",
            format!(
                "不是合法的 JSON：{kind}（第{}行第{}列：{detail}）",
                e.line(),
                e.column()
            ),
            "一个 JSON 对象（UTF-8）".to_string(),
        )]
    })?;
    if !scan.duplicates.is_empty() {
        return Err(scan
            .duplicates
            .into_iter()
            .map(|(pointer, line, col)| {
                let key = pointer.rsplit('/').next().unwrap_or_default().to_string();
                let mut p = Problem::new(
                    pointer,
                    format!("字段 `{key}` 在同一对象中重复出现，无法确定以哪一个为准"),
                    "每个字段在同一对象中只出现一次".to_string(),
                );
                p.line = Some(line);
                p.column = Some(col);
                p
            })
            .collect());
    }
    Ok(value)
}

/// Fills in `line` and `column` of each problem from the document it came
/// from. A pointer to an absent field is placed at the nearest enclosing
/// value that exists.
pub fn locate_problems(bytes: &[u8], problems: &mut [Problem]) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let wanted: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
    let mut candidates: Vec<String> = Vec::new();
    for w in &wanted {
        let mut p = (*w).to_string();
        loop {
            candidates.push(p.clone());
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => break,
            }
        }
    }
    let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
    let found = scan(bytes, usize::MAX, &refs).found;
    for problem in problems.iter_mut() {
        let mut p = problem.pointer.clone();
        loop {
            if let Some((line, col)) = found.get(&p) {
                problem.line = Some(*line);
                problem.column = Some(*col);
                break;
            }
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => break,
            }
        }
    }
}

/// Keys of one object kept for the repeated-key test: compared in a list
/// while the object is small, in a hash set beyond [`LINEAR_KEYS`].
const LINEAR_KEYS: usize = 16;

/// A cheap first pass: nesting depth and repeated keys, no positions, no
/// pointers, no allocation per key. String contents are skipped with
/// `memchr`. `true` when the document is within `max_depth` and no object
/// repeats a key; `false` when it is not, or when a key holds an escape (its
/// raw bytes cannot be compared), so that [`scan`] decides. Depth counting
/// follows [`scan`] exactly (every `{`/`[` outside a string opens a level).
fn quick_scan_is_clean(bytes: &[u8], max_depth: usize) -> bool {
    type KeySet<'b> = std::collections::HashSet<&'b [u8]>;
    // per open level: is it an object, where its keys start in `keys`, and
    // its hash set once it has more than LINEAR_KEYS keys
    let mut levels: Vec<(bool, usize, Option<KeySet<'_>>)> = Vec::new();
    let mut keys: Vec<&[u8]> = Vec::new();
    let mut expect_key = false;
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let start = i + 1;
                let rest = bytes.get(start..).unwrap_or_default();
                // the closing quote, stepping over escapes
                let mut j = 0usize;
                let mut has_escape = false;
                let end = loop {
                    let tail = rest.get(j..).unwrap_or_default();
                    match memchr::memchr2(b'"', b'\\', tail) {
                        Some(k) if tail.get(k) == Some(&b'\\') => {
                            has_escape = true;
                            j += k + 2;
                        }
                        Some(k) => break Some(j + k),
                        None => break None,
                    }
                };
                let Some(end) = end else {
                    // an unterminated string: the rest is inside it, and the
                    // parser reports it
                    return true;
                };
                if expect_key {
                    expect_key = false;
                    if has_escape {
                        return false;
                    }
                    let key = rest.get(..end).unwrap_or_default();
                    if let Some((true, first, set)) = levels.last_mut() {
                        match set {
                            Some(set) => {
                                if !set.insert(key) {
                                    return false;
                                }
                            }
                            None => {
                                let mine = keys.get(*first..).unwrap_or_default();
                                if mine.contains(&key) {
                                    return false;
                                }
                                keys.push(key);
                                if keys.len() - *first > LINEAR_KEYS {
                                    let all = keys.get(*first..).unwrap_or_default();
                                    *set = Some(all.iter().copied().collect());
                                    keys.truncate(*first);
                                }
                            }
                        }
                    }
                }
                i = start + end + 1;
                continue;
            }
            b'{' | b'[' => {
                if levels.len() >= max_depth {
                    return false;
                }
                let object = b == b'{';
                levels.push((object, keys.len(), None));
                expect_key = object;
            }
            b'}' | b']' => {
                if let Some((_, first, _)) = levels.pop() {
                    keys.truncate(first);
                }
                expect_key = false;
            }
            b',' => expect_key = matches!(levels.last(), Some((true, _, _))),
            _ => {}
        }
        i += 1;
    }
    true
}

#[derive(Debug, Default)]
struct Scan {
    too_deep: Option<(usize, usize)>,
    /// (pointer, line, column) of every repeated key.
    duplicates: Vec<(String, usize, usize)>,
    /// Where each wanted pointer's value starts.
    found: std::collections::HashMap<String, (usize, usize)>,
}

enum Frame {
    Object {
        keys: std::collections::HashSet<String>,
        current: String,
    },
    Array {
        index: usize,
    },
}

/// One pass over the bytes tracking structure (strings skipped, escapes
/// honoured): nesting depth, repeated keys, and where wanted values start.
fn scan(bytes: &[u8], max_depth: usize, wanted: &[&str]) -> Scan {
    let mut out = Scan::default();
    let mut stack: Vec<Frame> = Vec::new();
    let (mut line, mut col) = (1usize, 0usize);
    let mut in_string = false;
    let mut escaped = false;
    let mut string_start = 0usize;
    let mut string_is_key = false;
    let mut expect_key = false;
    let mut expect_value = true;
    let mut key_pos = (0usize, 0usize);
    let pointer = |stack: &[Frame]| -> String {
        let mut p = String::new();
        for f in stack {
            p.push('/');
            match f {
                Frame::Object { current, .. } => {
                    p.push_str(&current.replace('~', "~0").replace('/', "~1"));
                }
                Frame::Array { index } => p.push_str(&index.to_string()),
            }
        }
        p
    };
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            line += 1;
            col = 0;
        } else if b & 0xC0 != 0x80 {
            col += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                if string_is_key {
                    let raw = bytes.get(string_start..=i).unwrap_or_default();
                    let key: String = serde_json::from_slice(raw).unwrap_or_default();
                    let dup_pointer = {
                        let parent = pointer(
                            stack
                                .get(..stack.len().saturating_sub(1))
                                .unwrap_or_default(),
                        );
                        format!("{parent}/{}", key.replace('~', "~0").replace('/', "~1"))
                    };
                    if let Some(Frame::Object { keys, current }) = stack.last_mut() {
                        if !keys.insert(key.clone()) {
                            out.duplicates.push((dup_pointer, key_pos.0, key_pos.1));
                        }
                        *current = key;
                    }
                }
            }
            continue;
        }
        if b.is_ascii_whitespace() {
            continue;
        }
        if expect_value && b != b']' && b != b'}' {
            expect_value = false;
            if !wanted.is_empty() {
                let p = pointer(&stack);
                if wanted.contains(&p.as_str()) {
                    out.found.entry(p).or_insert((line, col));
                }
            }
        }
        match b {
            b'"' => {
                in_string = true;
                string_start = i;
                string_is_key = expect_key;
                if expect_key {
                    key_pos = (line, col);
                }
                expect_key = false;
            }
            b'{' | b'[' => {
                if stack.len() >= max_depth {
                    out.too_deep = Some((line, col));
                    return out;
                }
                if b == b'{' {
                    stack.push(Frame::Object {
                        keys: std::collections::HashSet::new(),
                        current: String::new(),
                    });
                    expect_key = true;
                } else {
                    stack.push(Frame::Array { index: 0 });
                    expect_value = true;
                }
            }
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
                expect_value = false;
            }
            b':' => expect_value = true,
            b',' => match stack.last_mut() {
                Some(Frame::Object { .. }) => expect_key = true,
                Some(Frame::Array { index }) => {
                    *index += 1;
                    expect_value = true;
                }
                None => {}
            },
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        let limits = Limits {
            max_bytes: 64,
            max_depth: 3,
        };
        let got = match parse_record(input.as_bytes(), &limits) {
            Ok(v) => format!("ok {v}"),
            Err(p) => p
                .iter()
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
        };
        assert_eq!(got, expect);
    }

    #[test]
    fn limits_table() {
        check(r#"{"a":[[1]]}"#, r#"ok {"a":[[1]]}"#);
        check(r#"{"a":[[[1]]]}"#, "嵌套层数超过上限 3 层（第1行第8列）");
        check(r#"{"a":"[[[[[["}"#, r#"ok {"a":"[[[[[["}"#);
        check(r#"{"a":"\"[[[[["}"#, r#"ok {"a":"\"[[[[["}"#);
        check(&" ".repeat(65), "记录过大：65 字节，超过上限 64 字节");
        check(
            r#"{"a":"#,
            "不是合法的 JSON：内容不完整（第1行第5列：EOF while parsing a value）",
        );
        check(
            r#"{"a" 1}"#,
            "不是合法的 JSON：语法错误（第1行第6列：expected `:`）",
        );
    }

    #[test]
    fn repeated_keys_are_found_with_escapes_and_nesting() {
        let doc = "{\"a\": 1,\n \"b\": [{\"c\": 1, \"c\": 2}],\n \"\\u0061\": 3, \"s\": \"a\"}";
        let p = parse_record(doc.as_bytes(), &Limits::default()).unwrap_err();
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.pointer.as_str(), p.line, p.column))
            .collect();
        assert_eq!(
            got,
            [("/b/0/c", Some(2), Some(17)), ("/a", Some(3), Some(2))]
        );
        // the same key in different objects is fine
        assert!(parse_record(br#"[{"a": 1}, {"a": 2}]"#, &Limits::default()).is_ok());
    }

    #[test]
    fn problems_are_located() {
        let doc = "{\n  \"units\": [\n    {\"id\": \"A\", \"chemicals\": [{\"max_quantity_t\": -3}]}\n  ],\n  \"a/b\": 1\n}";
        let mut problems = vec![
            Problem::new(
                "/units/0/chemicals/0/max_quantity_t",
                String::new(),
                String::new(),
            ),
            Problem::new("/units/0/kind", String::new(), String::new()),
            Problem::new("/a~1b", String::new(), String::new()),
            Problem::new("", String::new(), String::new()),
        ];
        locate_problems(doc.as_bytes(), &mut problems);
        let got: Vec<_> = problems.iter().map(|p| (p.line, p.column)).collect();
        assert_eq!(
            got,
            [
                (Some(3), Some(50)),
                (Some(3), Some(5)),
                (Some(5), Some(10)),
                (Some(1), Some(1))
            ]
        );
    }

    /// The quick pass vouches for a document exactly when the full scan
    /// finds nothing (escaped keys are left to the full scan).
    #[test]
    fn quick_scan_agrees_with_full_scan() {
        let many: String = (0..40).map(|i| format!("\"k{i}\": {i}, ")).collect();
        let cases = [
            (r#"{"a": 1, "b": {"a": 2}}"#.to_string(), true),
            (r#"{"a": 1, "b": 2, "a": 3}"#.to_string(), false),
            (r#"[{"a": 1}, {"a": 2}]"#.to_string(), true),
            (
                r#"{"a": {"b": 1}, "c": {"b": 2, "b": 3}}"#.to_string(),
                false,
            ),
            (
                r#"{"a": "x\"y", "b": "}{][", "a\u0062": 1}"#.to_string(),
                false,
            ),
            (r#"{"a": "\\", "b": "\\\"", "c": 1}"#.to_string(), true),
            (r#"{"s": "[[[[[[[[", "t": 1}"#.to_string(), true),
            (format!("{{{many}\"z\": 1}}"), true),
            (format!("{{{many}\"k39\": 1}}"), false),
            (format!("{{{many}\"k3\": 1}}"), false),
            ("[[[[".to_string(), false),
            ("[[[".to_string(), true),
            (r#"{"a": "unterminated"#.to_string(), true),
            (r#"]]]}}{"a": 1, "a": 2}"#.to_string(), false),
        ];
        for (doc, clean) in cases {
            let full = scan(doc.as_bytes(), 3, &[]);
            let full_clean = full.too_deep.is_none() && full.duplicates.is_empty();
            assert_eq!(quick_scan_is_clean(doc.as_bytes(), 3), clean, "{doc}");
            if clean {
                assert!(full_clean, "{doc}");
            }
        }
    }

    #[test]
    fn default_limits_refuse_huge_nesting_cleanly() {
        let deep = "[".repeat(100_000);
        let p = parse_record(deep.as_bytes(), &Limits::default()).unwrap_err();
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("上限 32 层"));
    }
}
