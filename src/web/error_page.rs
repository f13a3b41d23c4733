//! [`PageError`]: every way a page can fail, answered as a Chinese HTML page
//! with the right status (sign-in is a 303 redirect). Nothing internal is
//! shown: server-side failures are logged where they happen.
//!
//! ```ignore
//! let law = lookup(&name).ok_or_else(|| PageError::NotFound(format!("找不到法规“{name}”")))?;
//! render(&ArticlePage { chrome, law })
//! ```

use askama::Template;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::layout::Chrome;

#[derive(Debug, Clone)]
pub enum PageError {
    /// 303 to `/signin?next=…`.
    NotSignedIn { next: String },
    /// 403
    Forbidden(String),
    /// 404
    NotFound(String),
    /// 400
    BadRequest(String),
    /// 503: a part of the service is not set up (no statutes imported).
    Unavailable(String),
    /// 500
    Internal,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    status: u16,
    heading: &'a str,
    message: &'a str,
    signin: bool,
}

impl PageError {
    fn parts(&self) -> (StatusCode, &'static str, &str) {
        match self {
            PageError::NotSignedIn { .. } => (StatusCode::UNAUTHORIZED, "需要登录", "请先登录"),
            PageError::Forbidden(m) => (StatusCode::FORBIDDEN, "无权访问", m),
            PageError::NotFound(m) => (StatusCode::NOT_FOUND, "找不到页面", m),
            PageError::BadRequest(m) => (StatusCode::BAD_REQUEST, "请求有误", m),
            PageError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, "暂时无法提供", m),
            PageError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "服务出错",
                "服务内部出现问题，请稍后重试；如果一直出现，请联系管理员",
            ),
        }
    }
}

/// A path that cannot be read (`/law/%FF`) is a 400 page saying which part.
impl From<PathRejection> for PageError {
    fn from(rejection: PathRejection) -> Self {
        let what = match &rejection {
            PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                ErrorKind::InvalidUtf8InPathParam { key } => {
                    format!("地址中的 {key} 解码后不是有效的 UTF-8 文本")
                }
                ErrorKind::ParseErrorAtKey { key, value, .. } => {
                    format!("地址中的 {key} 无法识别（收到 `{value}`）")
                }
                _ => "地址中有无法识别的部分".to_owned(),
            },
            _ => "地址中有无法识别的部分".to_owned(),
        };
        PageError::BadRequest(format!("{what}，请检查地址是否正确"))
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (status, heading, message) = self.parts();
        write!(f, "{} {heading}：{message}", status.as_u16())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let PageError::NotSignedIn { next } = &self {
            let q: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("next", next)
                .finish();
            return Redirect::to(&format!("/signin?{q}")).into_response();
        }
        let (status, heading, message) = self.parts();
        error_response(
            status,
            heading,
            message,
            matches!(self, PageError::Forbidden(_)),
        )
    }
}

fn error_response(status: StatusCode, heading: &str, message: &str, signin: bool) -> Response {
    let page = ErrorPage {
        chrome: Chrome::bare(heading),
        status: status.as_u16(),
        heading,
        message,
        signin,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, format!("{heading}：{message}")).into_response(),
    }
}

/// The HTML 405 for a page path asked with the wrong method.
pub async fn method_not_allowed_page() -> Response {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "请求方式不对",
        "该页面不支持这种请求方式；请从页面上的链接或按钮进入",
        false,
    )
}

/// Renders a page template; a template failure is a 500 page.
pub fn render<T: Template>(t: &T) -> Result<Html<String>, PageError> {
    t.render().map(Html).map_err(|e| {
        tracing::error!("rendering a page failed: {e}");
        PageError::Internal
    })
}

/// The HTML 404 for an unknown page path.
pub async fn not_found_page() -> Response {
    PageError::NotFound("没有这个页面；请从上方导航进入，或检查地址是否输错".to_string())
        .into_response()
}
