//! The judged query set (`corpus/relevance/queries.toml`) and the figures
//! over it: nDCG@10, recall@10 and MRR, overall and per query.
//!
//! ```toml
//! [[query]]
//! text = "危化品仓库要不要装监控"
//! relevant = [
//!   { law = "危险化学品安全管理条例", article = 20, grade = 3 },
//! ]
//! ```
//!
//! Grades: 3 answers the question, 2 directly relevant, 1 related.

use serde::{Deserialize, Serialize};

use crate::statute::{ArticleNo, DocKind};

use super::SearchError;
use super::engine::{SearchIndex, SearchRequest};

const CUTOFF: usize = 10;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelevanceSet {
    #[serde(rename = "query", default)]
    pub queries: Vec<JudgedQuery>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgedQuery {
    pub text: String,
    #[serde(default)]
    pub note: Option<String>,
    pub relevant: Vec<Judgement>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Judgement {
    pub law: String,
    pub article: ArticleRef,
    pub grade: u8,
}

/// An article number written as `24` or `"134之一"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ArticleRef {
    Number(u32),
    Text(String),
}

impl ArticleRef {
    fn parse(&self) -> Option<ArticleNo> {
        match self {
            ArticleRef::Number(n) => Some(ArticleNo::new(*n)),
            ArticleRef::Text(t) => t.parse().ok(),
        }
    }
}

impl RelevanceSet {
    pub fn parse(text: &str, path: &str) -> Result<Self, SearchError> {
        let set: RelevanceSet = toml::from_str(text).map_err(|e| SearchError::Relevance {
            path: path.to_string(),
            reason: e.message().to_string(),
        })?;
        for q in &set.queries {
            for j in &q.relevant {
                if j.article.parse().is_none() || !(1..=3).contains(&j.grade) {
                    return Err(SearchError::Relevance {
                        path: path.to_string(),
                        reason: format!(
                            "query `{}`: judgement for `{}` needs an article number and a grade 1–3",
                            q.text, j.law
                        ),
                    });
                }
            }
        }
        Ok(set)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct QueryScore {
    pub query: String,
    pub ndcg: f64,
    pub recall: f64,
    pub reciprocal_rank: f64,
    /// Judged articles that did not resolve to an article in the index.
    pub unresolved: Vec<String>,
    /// Citations of the top hits, for reading the figures.
    pub top: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub queries: usize,
    pub ndcg_at_10: f64,
    pub recall_at_10: f64,
    pub mrr: f64,
    pub per_query: Vec<QueryScore>,
}

/// Runs every query with default filters and scores the first ten hits.
pub fn evaluate(index: &SearchIndex, set: &RelevanceSet) -> Result<Evaluation, SearchError> {
    let mut per_query = Vec::new();
    for q in &set.queries {
        let mut judged: Vec<(String, u32, u32, u8)> = Vec::new(); // (title, number, sub, grade)
        let mut unresolved = Vec::new();
        for j in &q.relevant {
            let no = j.article.parse();
            match (index.catalog().resolve_title(&j.law), no) {
                (Some(title), Some(no)) => {
                    judged.push((title.to_string(), no.number, no.sub, j.grade))
                }
                _ => unresolved.push(format!("{} {:?}", j.law, j.article)),
            }
        }
        let mut req = SearchRequest::new(q.text.clone());
        req.limit = CUTOFF;
        // The judgements are over statute provisions; teaching material
        // (解读, 案例) is left out of the ranking being scored.
        req.kinds = DocKind::ALL
            .into_iter()
            .filter(|k| k.is_normative())
            .collect();
        let results = index.search(&req)?;
        let grade_of = |title: &str, label: Option<&str>| -> u8 {
            let Some(no) = label.and_then(|l| l.parse::<ArticleNo>().ok()) else {
                return 0;
            };
            judged
                .iter()
                .find(|(t, n, s, _)| t == title && *n == no.number && *s == no.sub)
                .map_or(0, |j| j.3)
        };
        let grades: Vec<u8> = results
            .hits
            .iter()
            .map(|h| grade_of(&h.doc_title, h.article_label.as_deref()))
            .collect();
        let dcg: f64 = grades
            .iter()
            .enumerate()
            .map(|(i, &g)| gain(g) / ((i + 2) as f64).log2())
            .sum();
        let mut ideal: Vec<u8> = judged.iter().map(|j| j.3).collect();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        let idcg: f64 = ideal
            .iter()
            .take(CUTOFF)
            .enumerate()
            .map(|(i, &g)| gain(g) / ((i + 2) as f64).log2())
            .sum();
        let found = grades.iter().filter(|&&g| g > 0).count();
        let rr = grades
            .iter()
            .position(|&g| g > 0)
            .map_or(0.0, |p| 1.0 / (p + 1) as f64);
        per_query.push(QueryScore {
            query: q.text.clone(),
            ndcg: if idcg > 0.0 { dcg / idcg } else { 0.0 },
            recall: if judged.is_empty() {
                0.0
            } else {
                found as f64 / judged.len() as f64
            },
            reciprocal_rank: rr,
            unresolved,
            top: results
                .hits
                .iter()
                .take(3)
                .map(|h| h.citation.clone())
                .collect(),
        });
    }
    let n = per_query.len().max(1) as f64;
    Ok(Evaluation {
        queries: per_query.len(),
        ndcg_at_10: per_query.iter().map(|q| q.ndcg).sum::<f64>() / n,
        recall_at_10: per_query.iter().map(|q| q.recall).sum::<f64>() / n,
        mrr: per_query.iter().map(|q| q.reciprocal_rank).sum::<f64>() / n,
        per_query,
    })
}

fn gain(grade: u8) -> f64 {
    f64::from((1u32 << grade) - 1)
}
