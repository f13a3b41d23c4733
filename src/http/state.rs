//! [`AppState`]: what every handler shares — the search index, the statute
//! library, the checked rule program (swappable at run time), the record
//! schema, the record store, the configuration and the metrics. Cheap to
//! clone (one `Arc`).
//!
//! ```ignore
//! let state = AppState::load(&ctx, ServiceConfig::default())?;
//! let app = regkb::http::router(state);
//! ```

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::config::Context;
use crate::dsl::CheckedProgram;
use crate::library::Library;
use crate::plan::{Plan, Request, Settings};
use crate::planning::PlanningError;
use crate::record::Schema;
use crate::risk::Weights;
use crate::search::SearchIndex;
use crate::store::{Actor, RegionScope, Store, VisitWritten};
use crate::visit::{NewVisit, VisitError};

use super::metrics::Metrics;

/// Settings chosen at start-up.
#[derive(Debug, Clone, Default)]
pub struct ServiceConfig {
    /// Search and provisions answer without a token.
    pub public_search: bool,
}

/// The rule program in force and the published version it came from.
pub struct LoadedRules {
    pub program: CheckedProgram,
    /// `None`: the rules folder shipped with the service.
    pub version: Option<u64>,
}

pub struct Inner {
    pub search: Option<SearchIndex>,
    pub library: Library,
    pub rules: ArcSwap<LoadedRules>,
    pub schema: Schema,
    pub store: Store,
    /// The risk weights (`rules/risk/weights.toml`), checked at start-up.
    pub weights: Weights,
    pub config: ServiceConfig,
    pub metrics: Metrics,
    pub ctx: Context,
    /// One publication at a time.
    pub publishing: tokio::sync::Mutex<()>,
}

/// Shared by all handlers.
#[derive(Clone)]
pub struct AppState(pub(super) Arc<Inner>);

impl AppState {
    /// Opens everything under the data directory and content folders of
    /// `ctx`. Statutes are optional (search then answers 503); the schema and
    /// rules are not, and neither is a broken risk weights file: the service
    /// refuses to start, naming the file and line.
    pub fn load(ctx: &Context, config: ServiceConfig) -> miette::Result<AppState> {
        let weights = crate::risk::load_weights(&ctx.content.rules_dir, None)
            .map_err(|e| miette::miette!("风险权重文件有误，服务未启动，请改正后重试：{e}"))?;
        let library = Library::load(&ctx.data, &ctx.content).map_err(|e| miette::miette!("{e}"))?;
        let search = if library.is_empty() {
            None
        } else {
            let (index, _) = crate::search::ensure_index(&ctx.data, &ctx.content, false)
                .map_err(|e| miette::miette!("{e}"))?;
            Some(index)
        };
        let schema_dir = ctx.content.rules_dir.join("schema");
        let schema = Schema::load_dir(&schema_dir)?;
        let store = Store::open(&ctx.data.store_dir()).map_err(|e| miette::miette!("{e}"))?;
        let rules = super::rules::initial_rules(&store, ctx)?;
        Ok(AppState(Arc::new(Inner {
            search,
            library,
            rules: ArcSwap::from_pointee(rules),
            schema,
            store,
            weights,
            config,
            metrics: Metrics::default(),
            ctx: ctx.clone(),
            publishing: tokio::sync::Mutex::new(()),
        })))
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// Everything the service holds, for the web pages.
    pub(crate) fn inner(&self) -> &Inner {
        &self.0
    }

    /// Makes a joint inspection plan under the rules and risk weights in
    /// force and stores it under `by` (blocking: run it off the async
    /// threads; see [`crate::planning::make`]).
    pub(crate) fn make_plan(
        &self,
        settings: &Settings,
        req: &Request,
        scope: Option<&RegionScope>,
        by: &Actor,
    ) -> Result<Plan, PlanningError> {
        let inner = &self.0;
        let rules = inner.rules.load();
        let plan = crate::planning::make(
            &inner.store,
            &rules.program,
            &inner.schema,
            &inner.weights,
            settings,
            req,
            scope,
        )?;
        Ok(inner.store.save_plan(&plan, by)?)
    }

    /// Records an on-site visit under the rules in force, dated today
    /// (blocking: run it off the async threads; see [`crate::visit::record`]).
    pub(crate) fn record_visit(
        &self,
        new: &NewVisit,
        by: &Actor,
    ) -> Result<VisitWritten, VisitError> {
        let inner = &self.0;
        let rules = inner.rules.load();
        crate::visit::record(
            &inner.store,
            &inner.schema,
            &rules.program,
            new,
            by,
            crate::search::today(),
        )
    }
}
