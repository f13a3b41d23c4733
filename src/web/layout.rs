//! The frame every page shares: [`Chrome`] carries the page title, the
//! signed-in user, the CSRF value for forms and which navigation entry is
//! current; `base.html` renders it (skip link, header with the links the
//! user's role may follow, sign-out form, footer).
//!
//! ```ignore
//! #[derive(askama::Template)]
//! #[template(path = "mine.html")] // {% extends "base.html" %}{% block main %}…{% endblock %}
//! struct Mine { chrome: Chrome }
//! let page = Mine { chrome: Chrome::new(&visitor, "企业名录", Nav::Enterprises) };
//! ```

use super::session::{Visitor, role_allows, role_name, scope_text};
use crate::store::Role;

/// Which navigation entry is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Search,
    Enterprises,
    Dangers,
    Dashboard,
    Check,
    Rules,
    Plans,
    None,
}

/// The signed-in user as the header shows it.
#[derive(Debug, Clone)]
pub struct UserView {
    pub label: String,
    pub role: Role,
    /// 检查员, 管理员, …
    pub role_name: &'static str,
    /// 浙江省 / 嘉兴市 / 海宁市, when the token is limited to a region.
    pub region: Option<String>,
}

/// What `base.html` needs.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub user: Option<UserView>,
    pub csrf: String,
    pub nav: Nav,
    /// The path and query of the page (for the sign-in link's `next`).
    pub here: String,
}

/// One link in the header.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub text: &'static str,
    pub current: bool,
}

impl Chrome {
    pub fn new(visitor: &Visitor, title: impl Into<String>, nav: Nav) -> Chrome {
        Chrome {
            title: title.into(),
            user: visitor.token.as_ref().map(|t| UserView {
                label: t.label.clone(),
                role: t.role,
                role_name: role_name(t.role),
                region: t.region.as_ref().map(scope_text),
            }),
            csrf: visitor.csrf.clone(),
            nav,
            here: visitor.here().to_string(),
        }
    }

    /// A frame for pages rendered without a visitor (error pages).
    pub fn bare(title: impl Into<String>) -> Chrome {
        Chrome {
            title: title.into(),
            user: None,
            csrf: String::new(),
            nav: Nav::None,
            here: "/search".to_string(),
        }
    }

    fn has(&self, need: Role) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| role_allows(u.role, need))
    }

    /// The header links this user may follow.
    pub fn links(&self) -> Vec<NavLink> {
        let mut out = vec![NavLink {
            href: "/search",
            text: "法规检索",
            current: self.nav == Nav::Search,
        }];
        if self.has(Role::Inspector) {
            out.push(NavLink {
                href: "/enterprises",
                text: "企业",
                current: self.nav == Nav::Enterprises,
            });
            out.push(NavLink {
                href: "/dangers",
                text: "隐患",
                current: self.nav == Nav::Dangers,
            });
            out.push(NavLink {
                href: "/dashboard",
                text: "工作台",
                current: self.nav == Nav::Dashboard,
            });
        }
        if self.has(Role::Inspector) {
            out.push(NavLink {
                href: "/plans",
                text: "检查计划",
                current: self.nav == Nav::Plans,
            });
        }
        if self.has(Role::Inspector) || self.has(Role::Author) {
            out.push(NavLink {
                href: "/check",
                text: "核查档案",
                current: self.nav == Nav::Check,
            });
        }
        if self.user.is_some() {
            out.push(NavLink {
                href: "/rules",
                text: "规则",
                current: self.nav == Nav::Rules,
            });
        }
        out
    }
}
