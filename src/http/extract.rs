//! Extractors whose rejections speak the service's error format: a JSON body
//! (content type checked, size limited, syntax errors → 400, unknown fields
//! and wrong types → 422 naming the field), a query string that must be
//! valid UTF-8, and path segments.
//!
//! ```ignore
//! async fn handler(ApiQuery(q): ApiQuery<SearchQuery>, ApiJson(body): ApiJson<Input>) {}
//! ```

use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use super::error::{ApiError, PointerProblem};
use super::wording;

/// The largest request body accepted (413 beyond).
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Checks the content type is JSON (`application/json`, `…+json`).
fn require_json(headers: &HeaderMap, merge_patch: bool) -> Result<(), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let ok =
        mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"));
    if ok {
        return Ok(());
    }
    let wanted = if merge_patch {
        "application/merge-patch+json 或 application/json"
    } else {
        "application/json"
    };
    Err(ApiError::UnsupportedMediaType(if ct.is_empty() {
        format!("缺少内容类型：请求体须为 {wanted}")
    } else {
        format!("不支持的内容类型 `{ct}`：请求体须为 {wanted}")
    }))
}

/// Reads the whole body, mapping an over-long one to 413.
async fn read_body(req: Request) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, &()).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge {
                limit: DEFAULT_BODY_LIMIT,
            }
        } else {
            ApiError::bad_request("unreadable_body", "无法读取请求体")
        }
    })
}

/// A JSON body decoded into `T` (declare `T` with `deny_unknown_fields`).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        require_json(req.headers(), false)?;
        let bytes = read_body(req).await?;
        decode(&bytes).map(ApiJson)
    }
}

/// Decodes a JSON document: syntax errors are 400, data errors 422.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Some(at) = too_deep(bytes, MAX_DEPTH) {
        return Err(ApiError::bad_request(
            "too_deep",
            format!("JSON 嵌套层数超过上限 {MAX_DEPTH} 层（第 {at} 字节处）"),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T =
        serde_path_to_error::deserialize(&mut de).map_err(|e| json_error(e.path(), e.inner()))?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

/// Deepest nesting of arrays and objects accepted in a request body.
pub const MAX_DEPTH: usize = 32;

/// The byte offset (1-based) where nesting first exceeds `max`, if it does.
fn too_deep(bytes: &[u8], max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
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
                    return Some(i + 1);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The Chinese message for a JSON error, with its line and column. Data
/// errors (wrong type, unknown or missing field) are 422 naming the field
/// (`field`: its name at the top level, else its JSON pointer; `problems`:
/// the pointer); syntax errors are 400.
pub fn json_error(path: &serde_path_to_error::Path, e: &serde_json::Error) -> ApiError {
    let at = format!("（第 {} 行第 {} 列）", e.line(), e.column());
    let detail = e.to_string();
    let detail = detail.split(" at line ").next().unwrap_or("");
    match e.classify() {
        serde_json::error::Category::Data => {
            let w = wording::data_error(path, detail, "字段");
            let message = format!("{}{at}", w.message);
            let top_level = w.pointer.matches('/').count() <= 1;
            let field = match &w.name {
                Some(name) if top_level => Some(name.clone()),
                _ if w.pointer.is_empty() => None,
                _ => Some(w.pointer.clone()),
            };
            ApiError::Invalid {
                field,
                problems: vec![PointerProblem {
                    pointer: w.pointer,
                    message: w.message,
                }],
                message,
            }
        }
        _ => malformed(e),
    }
}

/// 400 for JSON that cannot be read, with its line and column.
fn malformed(e: &serde_json::Error) -> ApiError {
    let at = format!("（第 {} 行第 {} 列）", e.line(), e.column());
    let what = if e.is_eof() {
        "JSON 不完整".to_string()
    } else {
        let detail = e.to_string();
        wording::syntax_error(detail.split(" at line ").next().unwrap_or(""))
    };
    ApiError::bad_request("malformed_json", format!("{what}{at}"))
}

/// A JSON body kept as bytes (records: parsed and validated by `record`).
pub struct JsonBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        require_json(req.headers(), true)?;
        read_body(req).await.map(JsonBytes)
    }
}

/// Query parameters decoded into `T`; the raw query must decode to UTF-8.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("");
        check_utf8_query(raw)?;
        serde_urlencoded_from(raw).map(ApiQuery)
    }
}

/// Decodes the query parameters; a bad one is 422 naming it.
fn serde_urlencoded_from<T: DeserializeOwned>(raw: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let detail = e.inner().to_string();
        let w = wording::data_error(e.path(), &detail, "参数");
        let name = w
            .name
            .unwrap_or_else(|| w.pointer.trim_start_matches('/').to_string());
        let value = form_urlencoded::parse(raw.as_bytes())
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v);
        let message = match value {
            Some(v) if !detail.starts_with("unknown field") => {
                format!("{}（收到 `{v}`）", w.message)
            }
            _ => w.message,
        };
        if name.is_empty() {
            ApiError::field("query", message)
        } else {
            ApiError::field(name, message)
        }
    })
}

/// Percent-decodes the query string and checks the bytes are UTF-8.
fn check_utf8_query(raw: &str) -> Result<(), ApiError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    std::str::from_utf8(&out).map(|_| ()).map_err(|e| {
        ApiError::bad_request(
            "bad_query",
            format!(
                "查询字符串不是有效的 UTF-8（解码后第 {} 字节处）",
                e.valid_up_to() + 1
            ),
        )
    })
}

/// Path parameters, with a JSON rejection (400 `bad_path`) naming the
/// parameter and why (`路径参数 id 应为正整数，收到 `abc``).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(p) => Ok(ApiPath(p.0)),
            Err(rejection) => {
                // the parameters' names, for the errors that give only a position
                let names: Vec<String> = RawPathParams::from_request_parts(parts, state)
                    .await
                    .map(|raw| raw.iter().map(|(k, _)| k.to_owned()).collect())
                    .unwrap_or_default();
                Err(ApiError::bad_request(
                    "bad_path",
                    path_problem(&rejection, &names),
                ))
            }
        }
    }
}

/// What is wrong with the path's parameters, in Chinese; `names` are the
/// route's parameter names in order.
fn path_problem(rejection: &PathRejection, names: &[String]) -> String {
    const GENERIC: &str = "路径参数无法解析：请检查地址是否正确";
    let PathRejection::FailedToDeserializePathParams(e) = rejection else {
        return GENERIC.to_owned();
    };
    let name_at = |i: usize| {
        names
            .get(i)
            .map_or_else(|| format!("第 {} 个", i + 1), Clone::clone)
    };
    match e.kind() {
        ErrorKind::ParseErrorAtKey {
            key,
            value,
            expected_type,
        } => wrong_type(key, value, expected_type),
        ErrorKind::ParseErrorAtIndex {
            index,
            value,
            expected_type,
        } => wrong_type(&name_at(*index), value, expected_type),
        ErrorKind::ParseError {
            value,
            expected_type,
        } => wrong_type(&name_at(0), value, expected_type),
        ErrorKind::InvalidUtf8InPathParam { key } => {
            format!("路径参数 {key} 解码后不是有效的 UTF-8 文本")
        }
        ErrorKind::DeserializeError { key, value, .. } => {
            format!("路径参数 {key} 的值无法识别，收到 `{value}`")
        }
        ErrorKind::WrongNumberOfParameters { got, expected } => {
            format!("路径参数个数不对：应为 {expected} 个，收到 {got} 个")
        }
        _ => GENERIC.to_owned(),
    }
}

/// `路径参数 NAME 应为TYPE，收到 `VALUE``.
fn wrong_type(name: &str, value: &str, expected_type: &str) -> String {
    let what = match expected_type {
        // numeric path parameters are record numbers, which start at 1
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "正整数",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "整数",
        "f32" | "f64" => "数字",
        "bool" => "true 或 false",
        _ => "符合要求的值",
    };
    format!("路径参数 {name} 应为{what}，收到 `{value}`")
}
