//! The compliance service over HTTP: a JSON API under `/api/v1` for search,
//! provisions, citation checks, record checks, enterprise records and rules,
//! with token auth (and admin routes to manage the tokens while the service
//! runs), request limits, metrics and an OpenAPI document.
//!
//! Only this module knows axum, tokio and tower. [`router`] builds the whole
//! service from an [`AppState`], so tests drive it without a socket:
//!
//! ```ignore
//! use tower::ServiceExt;
//! let app = regkb::http::router(state);
//! let resp = app.oneshot(Request::get("/healthz").body(Body::empty())?).await?;
//! ```

mod auth;
mod dangers;
mod dashboard;
mod dto;
mod enterprises;
mod error;
mod extract;
mod handlers;
mod metrics;
mod plans;
mod risk;
mod rules;
mod state;
mod tokens;
mod visits;
mod wording;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::ServiceBuilder;

pub use auth::DEPARTMENT_HEADER;
pub use error::{ApiError, PointerProblem};
pub use extract::DEFAULT_BODY_LIMIT;
pub use handlers::OPENAPI;
pub use state::{AppState, ServiceConfig};

/// Limits applied to every request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub body_bytes: usize,
    pub timeout: Duration,
    pub concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: DEFAULT_BODY_LIMIT,
            timeout: Duration::from_secs(30),
            concurrency: 512,
        }
    }
}

/// The API routes (paths as listed in the OpenAPI document).
fn api() -> Router<AppState> {
    Router::new()
        .route("/search", get(handlers::search))
        .route("/provisions/{law}/{article}", get(handlers::provision))
        .route("/cite-check", post(handlers::cite_check))
        .route("/check", post(handlers::check))
        .route("/enterprises", get(enterprises::list))
        .route(
            "/enterprises/{uscc}",
            get(enterprises::get)
                .put(enterprises::put)
                .patch(enterprises::patch),
        )
        .route("/enterprises/{uscc}/history", get(enterprises::history))
        .route("/enterprises/{uscc}/check", post(enterprises::check))
        .route("/enterprises/{uscc}/dangers", post(dangers::create))
        .route("/dangers", get(dangers::list))
        .route("/dangers/{id}", get(dangers::get))
        .route("/dangers/{id}/transitions", post(dangers::transition))
        .route(
            "/enterprises/{uscc}/visits",
            get(visits::list_for).post(visits::create),
        )
        .route("/visits", get(visits::list))
        .route("/visits/{id}", get(visits::get))
        .route("/risk", get(risk::list))
        .route("/dashboard", get(dashboard::get))
        .route("/plans", get(plans::list).post(plans::create))
        .route("/plans/{id}", get(plans::get))
        .route("/rules", get(rules::list))
        .route("/rules/validate", post(rules::validate))
        .route("/rules/publish", post(rules::publish))
        .route("/rules/{id}", get(rules::get))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}", axum::routing::delete(tokens::revoke))
        .route("/openapi.json", get(handlers::openapi))
}

/// The whole service with the default limits.
pub fn router(state: AppState) -> Router {
    router_with(state, Limits::default())
}

/// The whole service.
pub fn router_with(state: AppState, limits: Limits) -> Router {
    let routes = Router::new()
        .nest("/api/v1", api())
        .route("/healthz", get(handlers::healthz))
        .route("/metrics", get(handlers::metrics))
        .merge(crate::web::routes())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    routes.layer(
        ServiceBuilder::new()
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(on_panic))
            .layer(HandleErrorLayer::new(on_overload))
            .timeout(limits.timeout)
            .concurrency_limit(limits.concurrency)
            .layer(DefaultBodyLimit::max(limits.body_bytes)),
    )
}

/// JSON answers under `/api` (and for the service's own routes), HTML pages elsewhere.
fn is_api(uri: &axum::http::Uri) -> bool {
    let p = uri.path();
    p.starts_with("/api/") || p == "/api" || p == "/healthz" || p == "/metrics"
}

/// Unknown paths: JSON under `/api`, an HTML page elsewhere.
async fn fallback(uri: axum::http::Uri) -> Response {
    if is_api(&uri) {
        handlers::not_found().await.into_response()
    } else {
        crate::web::not_found_page().await
    }
}

/// A known path asked with the wrong method: JSON under `/api`, HTML elsewhere.
async fn method_not_allowed(uri: axum::http::Uri) -> Response {
    if is_api(&uri) {
        handlers::method_not_allowed().await
    } else {
        crate::web::method_not_allowed_page().await
    }
}

async fn record_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| format!("{} {}", req.method(), p.as_str()))
        .unwrap_or_else(|| "other".to_string());
    let started = Instant::now();
    let resp = next.run(req).await;
    state
        .0
        .metrics
        .observe(&route, resp.status().as_u16(), started.elapsed());
    resp
}

fn on_panic(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("a handler panicked").into_response()
}

async fn on_overload(err: tower::BoxError) -> Response {
    if err.is::<tower::timeout::error::Elapsed>() {
        let mut r = ApiError::Unavailable("请求处理超时，请稍后重试".to_string()).into_response();
        *r.status_mut() = axum::http::StatusCode::GATEWAY_TIMEOUT;
        r
    } else {
        ApiError::internal(err).into_response()
    }
}

/// Serves until SIGTERM or ctrl-c, then finishes the requests in flight.
pub fn serve(state: AppState, addr: SocketAddr, limits: Limits) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        eprintln!("regkb 服务已启动：http://{local}/api/v1/（按 Ctrl-C 停止）");
        axum::serve(listener, router_with(state, limits))
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        eprintln!("regkb 服务已停止");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
