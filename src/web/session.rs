//! Who is looking at a page: the sign-in cookie, the CSRF double-submit
//! cookie and the [`Visitor`] extractor every page handler takes.
//!
//! Signing in stores the API token in an HttpOnly `regkb_session` cookie.
//! Every page response that arrives without a `regkb_csrf` cookie gets a fresh
//! random one ([`csrf_cookie`] middleware); forms echo it in a hidden `csrf`
//! field and POST handlers call [`Visitor::check_csrf`], which also refuses
//! a cross-site `Origin`.
//!
//! ```ignore
//! async fn page(visitor: Visitor, State(state): State<AppState>) -> Result<Html<String>, PageError> {
//!     let who = visitor.require(Role::Inspector)?;
//!     visitor.may_see_region(&record)?;
//!     render(&MyPage { chrome: Chrome::new(&visitor, "标题", Nav::Enterprises) })
//! }
//! ```

use askama::Template;
use axum::extract::{Form, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::error_page::{PageError, render};
use super::layout::{Chrome, Nav};
use crate::http::AppState;
use crate::store::{Role, TokenInfo};

/// The cookie holding the signed-in token.
pub const SESSION_COOKIE: &str = "regkb_session";
/// The CSRF double-submit cookie.
pub const CSRF_COOKIE: &str = "regkb_csrf";
/// How long a sign-in lasts (seconds): 12 hours.
const SESSION_MAX_AGE: u64 = 12 * 3600;

/// The visitor of a page: the signed-in token (if any) and the CSRF value
/// forms must echo.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub token: Option<TokenInfo>,
    pub csrf: String,
    /// The request's CSRF cookie (empty when it had none).
    cookie_csrf: String,
    /// The request came from another site (`Origin` or `Sec-Fetch-Site`).
    cross_site: bool,
    /// The path and query of the request (where sign-in returns to).
    here: String,
    /// Search and articles are open without signing in.
    public_search: bool,
}

/// The CSRF value the middleware chose for a request without the cookie.
#[derive(Clone)]
struct FreshCsrf(String);

/// Whether role `have` may do what needs `need` (admin covers all, every
/// role covers viewer).
pub fn role_allows(have: Role, need: Role) -> bool {
    have == Role::Admin || have == need || need == Role::Viewer
}

/// The Chinese name of a role.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Viewer => "查阅",
        Role::Inspector => "检查员",
        Role::Author => "规则编写",
        Role::Admin => "管理员",
    }
}

impl Visitor {
    /// The signed-in token when its role covers `need`; otherwise a redirect
    /// to sign-in (not signed in) or a 403 page (wrong role).
    pub fn require(&self, need: Role) -> Result<&TokenInfo, PageError> {
        let Some(info) = &self.token else {
            return Err(PageError::NotSignedIn {
                next: self.here.clone(),
            });
        };
        if !role_allows(info.role, need) {
            return Err(PageError::Forbidden(format!(
                "当前账号的角色“{}”无权查看此页面（需要“{}”）",
                role_name(info.role),
                role_name(need)
            )));
        }
        Ok(info)
    }

    /// Like [`require`](Self::require) with any of several roles.
    pub fn require_any(&self, roles: &[Role]) -> Result<&TokenInfo, PageError> {
        let Some(info) = &self.token else {
            return Err(PageError::NotSignedIn {
                next: self.here.clone(),
            });
        };
        if roles.iter().any(|r| role_allows(info.role, *r)) {
            Ok(info)
        } else {
            let names: Vec<&str> = roles.iter().map(|r| role_name(*r)).collect();
            Err(PageError::Forbidden(format!(
                "当前账号的角色“{}”无权查看此页面（需要“{}”）",
                role_name(info.role),
                names.join("”或“")
            )))
        }
    }

    /// Search and article pages: open to all when the service runs with
    /// `--public-search`, else any signed-in role.
    pub fn may_search(&self) -> Result<(), PageError> {
        if self.public_search {
            Ok(())
        } else {
            self.require(Role::Viewer).map(|_| ())
        }
    }

    /// 403 unless the record (its `region` object) lies in the signed-in
    /// token's region; not signed in → sign-in.
    pub fn may_see_region(&self, record: &serde_json::Value) -> Result<(), PageError> {
        let Some(info) = &self.token else {
            return Err(PageError::NotSignedIn {
                next: self.here.clone(),
            });
        };
        match &info.region {
            Some(scope) if !scope.contains(record) => Err(PageError::Forbidden(format!(
                "该企业不在当前账号的管辖范围（{}）内",
                scope_text(scope)
            ))),
            _ => Ok(()),
        }
    }

    /// Refuses a form whose `csrf` field does not match the cookie, or a
    /// request from another site.
    pub fn check_csrf(&self, form_csrf: &str) -> Result<(), PageError> {
        if self.cross_site {
            return Err(PageError::Forbidden(
                "请求来自其他网站，已拒绝；请在本站页面上提交表单".to_string(),
            ));
        }
        if self.cookie_csrf.is_empty()
            || !constant_time_eq(self.cookie_csrf.as_bytes(), form_csrf.as_bytes())
        {
            return Err(PageError::Forbidden(
                "表单已过期或来源不明（安全校验未通过），请刷新页面后重新提交".to_string(),
            ));
        }
        Ok(())
    }

    /// The path and query of the current request.
    pub fn here(&self) -> &str {
        &self.here
    }

    /// Whether the visitor is signed in with a role covering `need`.
    pub fn has(&self, need: Role) -> bool {
        self.token
            .as_ref()
            .is_some_and(|t| role_allows(t.role, need))
    }
}

/// A region scope as people write it: 浙江省 / 嘉兴市 / 海宁市.
pub fn scope_text(scope: &crate::store::RegionScope) -> String {
    [
        scope.province.as_deref(),
        scope.city.as_deref(),
        scope.county.as_deref(),
        scope.township.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" / ")
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Whether the request comes from another site: an `Origin` whose host is
/// not the request's `Host`, or `Sec-Fetch-Site: cross-site`.
fn is_cross_site(headers: &HeaderMap) -> bool {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let origin = origin.to_str().unwrap_or("");
    if origin == "null" {
        return true;
    }
    let origin_host = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    !origin_host.eq_ignore_ascii_case(host)
}

fn fresh_csrf() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No system randomness: fall back to a weaker but unique value.
        for b in &mut bytes {
            *b = fastrand::u8(..);
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Middleware on the page routes: gives a request without the CSRF cookie a
/// fresh value (seen by [`Visitor`]) and sets it on the response.
pub async fn csrf_cookie(mut req: Request, next: Next) -> Response {
    let has = cookie(req.headers(), CSRF_COOKIE).is_some_and(|v| !v.is_empty());
    if has {
        return next.run(req).await;
    }
    let value = fresh_csrf();
    req.extensions_mut().insert(FreshCsrf(value.clone()));
    let mut resp = next.run(req).await;
    let set = format!("{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Ok(v) = HeaderValue::from_str(&set) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let cookie_csrf = cookie(&parts.headers, CSRF_COOKIE)
            .unwrap_or("")
            .to_string();
        let csrf = if cookie_csrf.is_empty() {
            parts
                .extensions
                .get::<FreshCsrf>()
                .map(|f| f.0.clone())
                .unwrap_or_default()
        } else {
            cookie_csrf.clone()
        };
        let inner = state.inner();
        let token = match cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty()) {
            Some(t) => inner.store.authenticate(t).map_err(|e| {
                tracing::error!("reading the session token failed: {e}");
                PageError::Internal
            })?,
            None => None,
        };
        let here = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
        Ok(Visitor {
            token,
            csrf,
            cookie_csrf,
            cross_site: is_cross_site(&parts.headers),
            here,
            public_search: inner.config.public_search,
        })
    }
}

/// Only a local path (`/…`, not `//host`) is a place to return to; its
/// non-ASCII characters are percent-encoded so it fits a `Location` header.
pub fn local_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control()) =>
        {
            let mut out = String::with_capacity(n.len());
            for c in n.chars() {
                if c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '\\' | '`') {
                    out.push(c);
                } else {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("%{b:02X}"));
                    }
                }
            }
            out
        }
        _ => "/search".to_string(),
    }
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage {
    chrome: Chrome,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct SigninQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct SigninForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct SignoutForm {
    #[serde(default)]
    csrf: String,
}

/// GET `/signin`.
pub async fn signin_form(
    visitor: Visitor,
    Query(q): Query<SigninQuery>,
) -> Result<Html<String>, PageError> {
    render(&SigninPage {
        chrome: Chrome::new(&visitor, "登录", Nav::None),
        next: local_next(q.next.as_deref()),
        error: None,
    })
}

/// POST `/signin`: checks the token, sets the session cookie, returns to
/// `next`; a bad token re-renders the form with an error (401).
pub async fn signin(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<SigninForm>,
) -> Result<Response, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let next = local_next(Some(&form.next));
    let token = form.token.trim().to_string();
    let info = if token.is_empty() {
        None
    } else {
        let store = state.inner().store.clone();
        let t = token.clone();
        tokio::task::spawn_blocking(move || store.authenticate(&t))
            .await
            .map_err(|_| PageError::Internal)?
            .map_err(|e| {
                tracing::error!("checking a sign-in token failed: {e}");
                PageError::Internal
            })?
    };
    if info.is_none() || token.contains([';', ',', ' ', '"', '\\']) {
        let error = if token.is_empty() {
            "请填写访问令牌"
        } else {
            "令牌无效或已被吊销，请检查后重试"
        };
        let page = render(&SigninPage {
            chrome: Chrome::new(&visitor, "登录", Nav::None),
            next,
            error: Some(error.to_string()),
        })?;
        return Ok((axum::http::StatusCode::UNAUTHORIZED, page).into_response());
    }
    let set = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_MAX_AGE}"
    );
    let mut resp = Redirect::to(&next).into_response();
    if let Ok(v) = HeaderValue::from_str(&set) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// POST `/signout`: clears the session cookie.
pub async fn signout(
    visitor: Visitor,
    Form(form): Form<SignoutForm>,
) -> Result<Response, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let mut resp = Redirect::to("/signin").into_response();
    let set = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&set) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_local() {
        assert_eq!(
            local_next(Some("/law/安法/24?as_of=2024-01-01")),
            "/law/%E5%AE%89%E6%B3%95/24?as_of=2024-01-01"
        );
        assert_eq!(local_next(Some("//evil.example/x")), "/search");
        assert_eq!(local_next(Some("https://evil.example/")), "/search");
        assert_eq!(local_next(Some("/\\evil")), "/search");
        assert_eq!(local_next(None), "/search");
    }

    #[test]
    fn cross_site_origin_is_detected() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!is_cross_site(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(!is_cross_site(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(is_cross_site(&h));
    }

    #[test]
    fn cookies_are_found_among_several() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; regkb_csrf=abc ; b=2"),
        );
        assert_eq!(cookie(&h, CSRF_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
