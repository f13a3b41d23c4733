//! Reading a record's JSON text with limits checked before parsing: size and
//! nesting depth are measured by a single byte scan, so a 10 MB document or
//! 100 000 nested `[` is refused without building anything.
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

/// Parses a record document after checking [`Limits`]. Errors are problems
/// at the document root (pointer `""`).
pub fn parse_record(bytes: &[u8], limits: &Limits) -> Result<Value, Vec<Problem>> {
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
    if let Some((depth_line, depth_col)) = too_deep(bytes, limits.max_depth) {
        return Err(vec![Problem::new(
            "",
            format!(
                "嵌套层数超过上限 {} 层（第{depth_line}行第{depth_col}列）",
                limits.max_depth
            ),
            format!("对象和列表嵌套不超过 {} 层", limits.max_depth),
        )]);
    }
    serde_json::from_slice(bytes).map_err(|e| {
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
    })
}

/// The line and column where nesting first exceeds `max`, skipping brackets
/// inside strings.
fn too_deep(bytes: &[u8], max: usize) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut line = 1;
    let mut col = 0;
    for &b in bytes {
        if b == b'\n' {
            line += 1;
            col = 0;
        } else if b & 0xC0 != 0x80 {
            // count characters, not UTF-8 continuation bytes
            col += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some((line, col));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
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
    fn default_limits_refuse_huge_nesting_cleanly() {
        let deep = "[".repeat(100_000);
        let p = parse_record(deep.as_bytes(), &Limits::default()).unwrap_err();
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("上限 32 层"));
    }
}
