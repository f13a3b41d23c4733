//! The web pages township staff and experts use in a browser: search,
//! articles, enterprises, record checks, the printable checklist and the
//! rules. Server-rendered HTML (askama templates in `src/web/templates`,
//! escaped by default), a small stylesheet and script embedded in the binary,
//! sign-in with an API token kept in an HttpOnly cookie, and CSRF
//! double-submit on every form.
//!
//! `http::router` merges [`routes`] at the root (the JSON API stays under
//! `/api/v1`). Pages reach the library, search index, rules and store through
//! [`AppState::inner`] and call the same library functions as the API.
//!
//! ```ignore
//! let app = axum::Router::new().merge(regkb::web::routes()).with_state(state);
//! ```

mod article_page;
mod assets;
mod error_page;
mod layout;
mod paths;
mod search_page;
mod session;
// web-ent: page modules (one line each)
mod check_page;
mod checklist_page;
mod danger_pages;
mod dashboard_page;
mod enterprise_pages;
mod findings_view;
mod plan_pages;
// web-rules: page modules (one line each)
mod highlight;
mod rules_pages;
// visits: the visit form
mod visit_pages;

use axum::Router;
use axum::middleware;
use axum::response::Redirect;
use axum::routing::{get, post};

use crate::http::AppState;

pub use error_page::{PageError, method_not_allowed_page, not_found_page, render};
pub use layout::{Chrome, Nav, NavLink, UserView};
pub use paths::{article_href, escape, escape_and_mark, law_href, query_href};
pub use session::{CSRF_COOKIE, SESSION_COOKIE, Visitor, role_allows, role_name};

/// Every page route, with the CSRF-cookie middleware.
pub fn routes() -> Router<AppState> {
    let core = Router::new()
        .route("/", get(|| async { Redirect::to("/search") }))
        .route("/signin", get(session::signin_form).post(session::signin))
        .route("/signout", post(session::signout))
        .route("/search", get(search_page::search))
        .route("/law/{law}", get(article_page::law))
        .route("/law/{law}/{article}", get(article_page::article));
    // web-ent: `.merge(enterprise_pages::routes())` etc. below this line
    let core = core
        .merge(enterprise_pages::routes())
        .merge(checklist_page::routes())
        .merge(check_page::routes())
        .merge(danger_pages::routes())
        .merge(dashboard_page::routes());
    // web-rules: `.merge(rules_pages::routes())` below this line
    let core = core.merge(rules_pages::routes());
    let core = core.merge(visit_pages::routes());
    let core = core.merge(plan_pages::routes());
    let pages = core;
    pages
        .layer(middleware::from_fn(session::csrf_cookie))
        .route("/assets/{file}", get(assets::asset))
}
