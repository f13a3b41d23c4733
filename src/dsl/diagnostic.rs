//! Errors and warnings about rule files, in words a safety expert reads:
//! where (file:line:col with the source line and a caret), what, and a help
//! line saying how to fix it.
//!
//! ```
//! use regkb::dsl::{Diagnostic, SourceFile, Span, render_plain};
//! let f = SourceFile::new("a.rule", "rule A \"t\" {}\n");
//! let d = Diagnostic::error(&f, Span::new(5, 6), "something is wrong", "fix it");
//! assert!(render_plain(&d).contains("a.rule:1:6"));
//! ```

use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};

use super::source::{SourceFile, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

/// One problem in a rule file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub level: Level,
    pub message: String,
    pub source: Arc<SourceFile>,
    pub span: Span,
    pub label: String,
    pub help: String,
}

impl Diagnostic {
    pub fn error(
        source: &Arc<SourceFile>,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Diagnostic {
            level: Level::Error,
            message: message.into(),
            source: Arc::clone(source),
            span: trim_span(source, span),
            label: "这里".to_string(),
            help: help.into(),
        }
    }

    pub fn warning(
        source: &Arc<SourceFile>,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Diagnostic {
            level: Level::Warning,
            ..Diagnostic::error(source, span, message, help)
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }

    /// `file:line:col` of the start of the span.
    pub fn location(&self) -> String {
        let (line, col) = self.source.line_col(self.span.start);
        format!("{}:{line}:{col}", self.source.name)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.level {
            Level::Error => miette::Severity::Error,
            Level::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        if self.help.is_empty() {
            None
        } else {
            Some(Box::new(&self.help))
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&*self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.label.clone()),
            self.span,
        ))))
    }
}

/// The span without trailing blanks and line breaks, so the caret stays on
/// one line.
fn trim_span(source: &SourceFile, span: Span) -> Span {
    let trimmed = source
        .text
        .get(span.start..span.end)
        .map(|t| t.trim_end().len())
        .unwrap_or(span.end.saturating_sub(span.start));
    if trimmed == 0 {
        span
    } else {
        Span::new(span.start, span.start + trimmed)
    }
}

/// Renders a diagnostic without colour (for tests, snapshots and plain terminals).
pub fn render_plain(d: &Diagnostic) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(1000)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, d).is_err() {
        out = format!("{}: {}", d.location(), d.message);
    }
    out
}

/// Renders many diagnostics, one after the other.
pub fn render_all(ds: &[Diagnostic]) -> String {
    ds.iter().map(render_plain).collect::<Vec<_>>().join("\n")
}
