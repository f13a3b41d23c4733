//! The "check a record" page: paste an enterprise record (or choose a JSON
//! file; a small script also copies the chosen file into the text box), pick
//! the check date, and see the result with the same findings view as the
//! enterprise profile. Nothing is stored. A record that fails validation is
//! shown back with every problem by JSON pointer, in Chinese, with its line
//! and column.
//!
//! Who may use it: inspectors, rule authors and admins.
//!
//! ```ignore
//! // GET /check (form); POST /check (application/x-www-form-urlencoded or
//! // multipart/form-data with fields csrf, as_of, record and/or file)
//! ```

use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::enterprise_pages::{as_of_of, conflicts_text, region_text};
use super::findings_view::{
    FindingsView, HazardRow, Risk, ViewContext, findings_view, hazard_rows,
};
use super::{Chrome, Nav, PageError, Visitor, render};
use crate::http::AppState;
use crate::record::{Limits, Problem, locate_problems, parse_record, validate_record_owned};
use crate::store::Role;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/check", get(form).post(submit))
}

/// Roles that may check a pasted record.
const ROLES: [Role; 2] = [Role::Inspector, Role::Author];

/// A validation problem as the page lists it.
struct ProblemView {
    /// JSON pointer; `（整个文档）` for the document itself.
    pointer: String,
    message: String,
    expected: String,
    /// `第 3 行第 12 列`, when known.
    place: String,
}

fn problem_view(p: &Problem) -> ProblemView {
    ProblemView {
        pointer: if p.pointer.is_empty() {
            "（整个文档）".to_string()
        } else {
            p.pointer.clone()
        },
        message: p.message.clone(),
        expected: p.expected.clone(),
        place: match (p.line, p.column) {
            (Some(l), Some(c)) => format!("第 {l} 行第 {c} 列"),
            (Some(l), None) => format!("第 {l} 行"),
            _ => String::new(),
        },
    }
}

#[derive(Template)]
#[template(path = "check.html")]
struct FormPage {
    chrome: Chrome,
    record: String,
    as_of: String,
    /// A problem with the form itself (nothing pasted, bad date).
    error: Option<String>,
    problems: Vec<ProblemView>,
}

#[derive(Template)]
#[template(path = "check_result.html")]
struct ResultPage {
    chrome: Chrome,
    name: String,
    uscc: String,
    region: String,
    as_of: String,
    risk: Risk,
    findings: FindingsView,
    hazards: Vec<HazardRow>,
    warnings: Vec<ProblemView>,
    conflicts: Vec<String>,
}

async fn form(visitor: Visitor) -> Result<Html<String>, PageError> {
    visitor.require_any(&ROLES)?;
    render(&FormPage {
        chrome: Chrome::new(&visitor, "核查档案", Nav::Check),
        record: String::new(),
        as_of: crate::search::today().to_string(),
        error: None,
        problems: Vec::new(),
    })
}

/// The fields of the check form, whichever way it was sent.
#[derive(Debug, Default, Deserialize)]
struct CheckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    record: String,
    /// An uploaded file's bytes (multipart only).
    #[serde(skip)]
    file: Vec<u8>,
}

fn bad_form() -> PageError {
    PageError::BadRequest("表单格式不对，请在“核查档案”页面上提交".to_string())
}

/// Reads the form from a urlencoded or multipart body.
async fn read_form(state: &AppState, req: Request) -> Result<CheckForm, PageError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let axum::extract::Form(f) = axum::extract::Form::<CheckForm>::from_request(req, state)
            .await
            .map_err(|_| bad_form())?;
        return Ok(f);
    }
    let mut parts = Multipart::from_request(req, state)
        .await
        .map_err(|_| bad_form())?;
    let mut form = CheckForm::default();
    while let Some(field) = parts
        .next_field()
        .await
        .map_err(|e| PageError::BadRequest(format!("上传的内容读取失败：{}", e.body_text())))?
    {
        let name = field.name().unwrap_or("").to_string();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| PageError::BadRequest(format!("上传的内容读取失败：{}", e.body_text())))?;
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => form.csrf = text(),
            "as_of" => form.as_of = text(),
            "record" => form.record = text(),
            "file" => form.file = bytes.to_vec(),
            _ => {}
        }
    }
    Ok(form)
}

async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    req: Request,
) -> Result<Response, PageError> {
    visitor.require_any(&ROLES)?;
    let form = read_form(&state, req).await?;
    visitor.check_csrf(&form.csrf)?;
    let bytes: Vec<u8> = if form.file.iter().any(|b| !b.is_ascii_whitespace()) {
        form.file
    } else {
        form.record.into_bytes()
    };
    let again = |error: Option<String>, problems: Vec<ProblemView>, bytes: &[u8]| {
        render(&FormPage {
            chrome: Chrome::new(&visitor, "核查档案", Nav::Check),
            record: String::from_utf8_lossy(bytes).into_owned(),
            as_of: form.as_of.trim().to_string(),
            error,
            problems,
        })
        .map(|page| (StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let as_of = match as_of_of(&form.as_of) {
        Ok(d) => d,
        Err(why) => return again(Some(why), Vec::new(), &bytes),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return again(
            Some("请粘贴企业档案 JSON，或选择一个 JSON 文件".to_string()),
            Vec::new(),
            &bytes,
        );
    }
    let inner = state.inner();
    let checked = parse_record(&bytes, &Limits::default())
        .and_then(|value| validate_record_owned(value, &inner.schema));
    let record = match checked {
        Ok(r) => r,
        Err(mut problems) => {
            locate_problems(&bytes, &mut problems);
            let error = format!(
                "档案未通过校验，共 {} 处问题，请逐一修改后重新提交",
                problems.len()
            );
            return again(
                Some(error),
                problems.iter().map(problem_view).collect(),
                &bytes,
            );
        }
    };
    let rules = inner.rules.load();
    let report = crate::check::run_valid(&rules.program, &record, as_of);
    let value = record.value();
    let ctx = ViewContext {
        schema: &inner.schema,
        provenance: None,
    };
    let name = value
        .get("name")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    let page = render(&ResultPage {
        chrome: Chrome::new(&visitor, format!("核查结果：{name}"), Nav::Check),
        uscc: report.result.enterprise.clone(),
        region: value.get("region").map(region_text).unwrap_or_default(),
        as_of: as_of.to_string(),
        // a pasted record has no ledger: its own `hidden_dangers[]` count
        risk: crate::risk::Ledger::default()
            .assess(&inner.weights, value, Some(&report.result), as_of)
            .colour
            .into(),
        findings: findings_view(&report.result, &ctx),
        hazards: hazard_rows(&report.result, Some(value), Some(&rules.program)),
        warnings: report.warnings.iter().map(problem_view).collect(),
        conflicts: conflicts_text(&report.result),
        name,
    })?;
    Ok(page.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_in_words() {
        let mut p = Problem::new("/employees", "不能为负数".into(), "≥ 0 的整数".into());
        p.line = Some(3);
        p.column = Some(12);
        let v = problem_view(&p);
        assert_eq!(
            (v.pointer.as_str(), v.place.as_str()),
            ("/employees", "第 3 行第 12 列")
        );
        let whole = problem_view(&Problem::new("", "不是 JSON".into(), "JSON 对象".into()));
        assert_eq!(
            (whole.pointer.as_str(), whole.place.as_str()),
            ("（整个文档）", "")
        );
    }
}
