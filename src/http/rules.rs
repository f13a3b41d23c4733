//! The rule routes: list, show, validate, and publish — a new rule set is
//! checked, its embedded examples run, and only then swapped in atomically
//! (no restart); every published set is kept in the store and audited.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::auth::Caller;
use super::dto::{
    DiagnosticOut, ExampleFailureOut, PublishedOut, RuleListOut, RuleSetInput, ValidationOut,
};
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use super::state::{AppState, LoadedRules};
use crate::config::Context;
use crate::dsl::{self, Diagnostic};
use crate::pack::{self, CheckOutcome};
use crate::store::{Role, Store};

/// The rules in force at start-up: the newest published set in the store,
/// else the rules folder. Warnings are logged; errors stop the start.
pub fn initial_rules(store: &Store, ctx: &Context) -> miette::Result<LoadedRules> {
    let published = store
        .current_rule_set()
        .map_err(|e| miette::miette!("{e}"))?;
    let (outcome, version) = match &published {
        Some(set) => (pack::compile_files(&set.files, ctx), Some(set.number)),
        None => (pack::compile(&[], ctx).map(|c| c.result), None),
    };
    match outcome.map_err(|e| miette::miette!("{e}"))? {
        Ok(checked) => {
            for w in &checked.warnings {
                tracing::warn!("{}", dsl::render_plain(w));
            }
            Ok(LoadedRules {
                program: checked.program,
                version,
            })
        }
        Err(diags) => {
            let which = version.map_or_else(
                || "规则文件夹中的规则".to_string(),
                |n| format!("已发布的第 {n} 版规则"),
            );
            Err(miette::miette!(
                "{which}未通过检查，服务无法启动：\n{}",
                dsl::render_all(&diags)
            ))
        }
    }
}

fn diagnostic_out(d: &Diagnostic) -> DiagnosticOut {
    let (line, col) = d.source.line_col(d.span.start);
    DiagnosticOut {
        level: if d.is_error() { "error" } else { "warning" },
        file: d.source.name.clone(),
        line,
        col,
        message: d.message.clone(),
        help: d.help.clone(),
    }
}

fn check_input(input: &RuleSetInput) -> Result<Vec<(String, String)>, ApiError> {
    if input.files.is_empty() {
        return Err(ApiError::field("files", "至少要提交一个规则文件"));
    }
    let mut out = Vec::new();
    for (i, f) in input.files.iter().enumerate() {
        if f.name.trim().is_empty() || !f.name.ends_with(".rule") {
            return Err(ApiError::field(
                format!("/files/{i}/name"),
                format!("规则文件名 `{}` 须以 .rule 结尾", f.name),
            ));
        }
        out.push((f.name.clone(), f.text.clone()));
    }
    Ok(out)
}

async fn compile(state: &AppState, files: &[(String, String)]) -> Result<CheckOutcome, ApiError> {
    let files = files.to_vec();
    let ctx = state.0.ctx.clone();
    tokio::task::spawn_blocking(move || pack::compile_files(&files, &ctx))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(Role::Viewer)?;
    let rules = state.0.rules.load();
    let out = RuleListOut {
        version: rules.version,
        rules: rules.program.rules().collect(),
    };
    Ok(Json(out).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    caller.require(Role::Viewer)?;
    let rules = state.0.rules.load();
    match rules.program.rules().find(|r| r.id == id) {
        Some(rule) => Ok(Json(rule).into_response()),
        None => Err(ApiError::not_found(format!("没有编号为 `{id}` 的规则"))),
    }
}

pub async fn validate(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<RuleSetInput>,
) -> Result<Response, ApiError> {
    caller.require(Role::Author)?;
    let files = check_input(&input)?;
    let out = match compile(&state, &files).await? {
        Ok(checked) => ValidationOut {
            ok: true,
            rules: checked.program.rules().count(),
            errors: 0,
            warnings: checked.warnings.len(),
            diagnostics: checked.warnings.iter().map(diagnostic_out).collect(),
        },
        Err(diags) => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            ValidationOut {
                ok: false,
                rules: 0,
                errors,
                warnings: diags.len() - errors,
                diagnostics: diags.iter().map(diagnostic_out).collect(),
            }
        }
    };
    Ok(Json(out).into_response())
}

pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<RuleSetInput>,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Author)?;
    let files = check_input(&input)?;
    let _one_at_a_time = state.0.publishing.lock().await;
    let checked = match compile(&state, &files).await? {
        Ok(c) => c,
        Err(diags) => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            let body = serde_json::json!({"error": {
                "code": "rules_invalid",
                "message": format!("规则未通过检查：{errors} 个错误，未发布"),
                "diagnostics": diags.iter().map(diagnostic_out).collect::<Vec<_>>(),
            }});
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
        }
    };
    let reports = dsl::run_examples(&checked.program);
    let failed: Vec<ExampleFailureOut> = reports
        .iter()
        .filter(|r| !r.passed())
        .map(|r| ExampleFailureOut {
            rule: r.rule.clone(),
            name: r.name.clone(),
            location: r.location.to_string(),
            failures: r.failures.clone(),
        })
        .collect();
    if !failed.is_empty() {
        let body = serde_json::json!({"error": {
            "code": "examples_failed",
            "message": format!("规则中的示例有 {} 个未通过，未发布", failed.len()),
            "examples": failed,
        }});
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
    }
    let actor = who.actor();
    let note = input.note.clone().unwrap_or_default();
    let store = state.0.store.clone();
    let saved_files = files.clone();
    let saved_actor = actor.clone();
    let number =
        tokio::task::spawn_blocking(move || store.save_rule_set(&note, saved_files, &saved_actor))
            .await
            .map_err(ApiError::internal)?
            .map_err(super::enterprises::store_error)?;
    let rules = checked.program.rules().count();
    state.0.rules.store(Arc::new(LoadedRules {
        program: checked.program,
        version: Some(number),
    }));
    tracing::info!(number, by = %actor.id, rules, "rule set published");
    Ok((
        StatusCode::CREATED,
        Json(PublishedOut {
            version: number,
            rules,
            examples: reports.len(),
            published_by: actor.label.clone().unwrap_or(actor.id.clone()),
            published_at: jiff::Timestamp::now(),
        }),
    )
        .into_response())
}
