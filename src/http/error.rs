//! [`ApiError`]: every failure a handler or extractor can answer with, and
//! the one place that maps them to an HTTP status and the JSON error body
//! `{"error": {"code", "message", "field"?, "problems"?: [{"pointer", "message"}]}}`.
//!
//! Server-side failures (5xx) are logged with their detail and answered with
//! a generic Chinese message: nothing internal reaches the client.
//!
//! ```ignore
//! return Err(ApiError::not_found("找不到该企业档案"));
//! ```

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One problem in a request body, located by JSON pointer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PointerProblem {
    pub pointer: String,
    pub message: String,
}

#[derive(Debug)]
pub enum ApiError {
    /// 400: the request cannot be read (malformed JSON, bad query string).
    BadRequest { code: &'static str, message: String },
    /// 401: no token, or a token that is unknown or revoked.
    Unauthorized(String),
    /// 403: the token's role or region does not allow this.
    Forbidden(String),
    /// 404
    NotFound(String),
    /// 409: the write conflicts with the current state.
    Conflict(String),
    /// 413
    PayloadTooLarge { limit: usize },
    /// 415
    UnsupportedMediaType(String),
    /// 422: well-formed but invalid; one field, or many problems by pointer.
    Invalid {
        message: String,
        field: Option<String>,
        problems: Vec<PointerProblem>,
    },
    /// 503: a part of the service is not set up (no statutes imported).
    Unavailable(String),
    /// 500: logged with the detail, answered generically.
    Internal(String),
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    problems: &'a [PointerProblem],
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::NotFound(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden(message.into())
    }

    /// 422 naming one query parameter or body field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Invalid {
            message: message.into(),
            field: Some(field.into()),
            problems: Vec::new(),
        }
    }

    /// 422 listing problems by JSON pointer.
    pub fn problems(message: impl Into<String>, problems: Vec<PointerProblem>) -> Self {
        ApiError::Invalid {
            message: message.into(),
            field: None,
            problems,
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        ApiError::Internal(detail.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { code, .. } => code,
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Invalid { .. } => "invalid",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = self.code();
        let too_large;
        let (message, field, problems): (&str, Option<&str>, &[PointerProblem]) = match &self {
            ApiError::BadRequest { message, .. }
            | ApiError::Unauthorized(message)
            | ApiError::Forbidden(message)
            | ApiError::NotFound(message)
            | ApiError::Conflict(message)
            | ApiError::UnsupportedMediaType(message)
            | ApiError::Unavailable(message) => (message, None, &[]),
            ApiError::PayloadTooLarge { limit } => {
                too_large = format!("请求体过大：最多 {limit} 字节");
                (&too_large, None, &[])
            }
            ApiError::Invalid {
                message,
                field,
                problems,
            } => (message, field.as_deref(), problems),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                ("服务器内部错误，请稍后重试或联系管理员", None, &[])
            }
        };
        let body = Body {
            error: Inner {
                code,
                message,
                field,
                problems,
            },
        };
        let mut resp = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}
