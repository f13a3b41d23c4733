//! Query understanding: colloquial input → term groups → a tantivy query.
//!
//! The raw input never reaches tantivy's query parser (an unspaced Chinese
//! sentence would become one phrase). Instead the query is segmented,
//! stopwords and punctuation are dropped, synonym keys are matched over the
//! words (so 罚多少 matches even when jieba splits it), and each remaining
//! word becomes a *group* of alternatives: the word itself, its expansions,
//! and — for a word the index does not contain — the dictionary words inside
//! it. Groups are OR-ed (a disjunction-max inside each group), adjacent words
//! add a proximity boost, and a law named in the query boosts its provisions.
//!
//! ```ignore
//! let plan = analyze("危化品仓库要不要装监控", &ctx);
//! assert_eq!(plan.groups[0].alternatives[0], vec!["危化品"]);
//! ```

use aho_corasick::{AhoCorasick, MatchKind};
use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::IndexRecordOption;

use super::catalog::Catalog;
use super::schema::Fields;
use super::segmenter::Segmenter;
use super::synonyms::Synonyms;

/// Queries longer than this (in characters) are cut; a question to a
/// statute search box is a sentence, not a document.
pub const MAX_QUERY_CHARS: usize = 200;

/// One word of the query and what may stand for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The word as segmented (or the synonym key).
    pub word: String,
    /// Token sequences; the first is the word itself when the index has it.
    pub alternatives: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub groups: Vec<Group>,
    /// Full titles of laws named in the query.
    pub laws: Vec<String>,
}

impl Plan {
    /// Every token any alternative uses (for highlighting).
    pub fn highlight_terms(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .groups
            .iter()
            .flat_map(|g| g.alternatives.iter().flatten().cloned())
            .collect();
        out.sort_by_key(|t| std::cmp::Reverse(t.len()));
        out.dedup();
        out
    }
}

/// Words dropped everywhere besides the configured stopwords: the pieces of
/// an article reference.
fn is_reference_word(w: &str) -> bool {
    matches!(w, "第" | "条" | "款" | "项" | "之")
}

/// Cuts `query` to [`MAX_QUERY_CHARS`]; says whether it did.
pub fn cap_query(query: &str) -> (&str, bool) {
    match query.char_indices().nth(MAX_QUERY_CHARS) {
        Some((at, _)) => (query.get(..at).unwrap_or(query), true),
        None => (query, false),
    }
}

/// Turns the query into groups. `indexed` says whether a token occurs in the index.
pub fn analyze(
    query: &str,
    seg: &Segmenter,
    synonyms: &Synonyms,
    laws: &LawNames,
    indexed: &dyn Fn(&str) -> bool,
) -> Plan {
    let pieces = seg.query_tokens(query);
    // Same-position pieces (a standard number with and without its year) are
    // alternatives of one word.
    let mut words: Vec<Vec<String>> = Vec::new();
    let mut last_pos = None;
    for p in pieces {
        if last_pos == Some(p.position) {
            if let Some(w) = words.last_mut() {
                w.push(p.text);
            }
        } else {
            last_pos = Some(p.position);
            words.push(vec![p.text]);
        }
    }
    let primary = |i: usize| -> &str {
        words
            .get(i)
            .and_then(|w| w.first())
            .map(String::as_str)
            .unwrap_or("")
    };

    let mut groups: Vec<(Group, bool)> = Vec::new(); // (group, weak)
    let mut i = 0;
    while i < words.len() {
        // Longest synonym key made of words i..j.
        let mut matched = None;
        let mut concat = String::new();
        for j in i..words.len() {
            concat.push_str(primary(j));
            if concat.chars().count() > synonyms.max_key_chars() {
                break;
            }
            if synonyms.is_key(&concat) {
                matched = Some((j + 1, concat.clone()));
            }
        }
        if let Some((next, key)) = matched {
            let mut alternatives = Vec::new();
            if indexed(&key) {
                alternatives.push(vec![key.clone()]);
            }
            for e in synonyms.expansions(&key).unwrap_or(&[]) {
                let mut seq: Vec<String> = Vec::new();
                let mut last = None;
                for p in seg.query_tokens(e) {
                    if last != Some(p.position) {
                        seq.push(p.text);
                        last = Some(p.position);
                    }
                }
                if !seq.is_empty() && !alternatives.contains(&seq) {
                    alternatives.push(seq);
                }
            }
            if alternatives.is_empty() {
                alternatives.push(vec![key.clone()]);
            }
            groups.push((
                Group {
                    word: key,
                    alternatives,
                },
                false,
            ));
            i = next;
            continue;
        }
        let w = primary(i).to_string();
        let same_position: Vec<String> = words.get(i).cloned().unwrap_or_default();
        i += 1;
        if w.is_empty() || synonyms.is_stopword(&w) || is_reference_word(&w) {
            continue;
        }
        let chars = w.chars().count();
        let mut alternatives: Vec<Vec<String>> =
            same_position.into_iter().map(|t| vec![t]).collect();
        if chars > 2 && !indexed(&w) {
            for sub in seg.sub_words(&w) {
                if sub.chars().count() >= 2 && !synonyms.is_stopword(&sub) {
                    let alt = vec![sub];
                    if !alternatives.contains(&alt) {
                        alternatives.push(alt);
                    }
                }
            }
        }
        let weak = chars == 1;
        groups.push((
            Group {
                word: w,
                alternatives,
            },
            weak,
        ));
    }
    let has_strong = groups.iter().any(|(_, weak)| !weak);
    let mut out: Vec<Group> = Vec::new();
    for (g, weak) in groups {
        if (weak && has_strong) || out.contains(&g) {
            continue;
        }
        out.push(g);
    }
    Plan {
        groups: out,
        laws: laws.named_in(query),
    }
}

/// The law names of a catalog as one automaton, built once when the index
/// opens: finding the laws a query names is one pass over the query instead
/// of one substring test per name.
pub struct LawNames {
    /// Normalized names in the catalog's (sorted) order, with their titles.
    names: Vec<(String, String)>,
    /// Over the names of two or more characters; pattern `i` is `names[i]`.
    automaton: Option<AhoCorasick>,
}

impl std::fmt::Debug for LawNames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LawNames")
            .field("names", &self.names.len())
            .finish_non_exhaustive()
    }
}

impl LawNames {
    pub fn new(catalog: &Catalog) -> LawNames {
        let names: Vec<(String, String)> = catalog
            .names
            .iter()
            .filter(|(name, _)| name.chars().count() >= 2)
            .map(|(n, t)| (n.clone(), t.clone()))
            .collect();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(names.iter().map(|(n, _)| n.as_str()))
            .ok();
        LawNames { names, automaton }
    }

    /// Titles of laws whose name appears in the query (names of three or
    /// more characters anywhere, two-character ones only at the start).
    fn named_in(&self, query: &str) -> Vec<String> {
        let q = crate::library::normalize_law_name(query);
        let mut ids: Vec<usize> = Vec::new();
        match &self.automaton {
            Some(ac) => {
                for m in ac.find_overlapping_iter(q.as_str()) {
                    let i = m.pattern().as_usize();
                    let ok = self
                        .names
                        .get(i)
                        .is_some_and(|(n, _)| m.start() == 0 || n.chars().count() >= 3);
                    if ok {
                        ids.push(i);
                    }
                }
            }
            // Building failed (it does not for a few hundred names): test each.
            None => {
                for (i, (name, _)) in self.names.iter().enumerate() {
                    let hit = if name.chars().count() >= 3 {
                        q.contains(name.as_str())
                    } else {
                        q.starts_with(name.as_str())
                    };
                    if hit {
                        ids.push(i);
                    }
                }
            }
        }
        ids.sort_unstable();
        ids.dedup();
        let matched: Vec<(&String, &String)> = ids
            .iter()
            .filter_map(|&i| self.names.get(i).map(|(n, t)| (n, t)))
            .collect();
        // A name inside a longer matched name of another law does not count:
        // 安全生产法 inside 安全生产法实施条例.
        let mut titles: Vec<String> = Vec::new();
        for (name, title) in &matched {
            let shadowed = matched.iter().any(|(other, t)| {
                t != title && other.len() > name.len() && other.contains(name.as_str())
            });
            if !shadowed && !titles.contains(title) {
                titles.push((*title).clone());
            }
        }
        titles
    }
}

/// How much each part weighs.
const TIE_BREAKER: f32 = 0.3;
const PROXIMITY_BOOST: f32 = 0.6;
const PROXIMITY_SLOP: u32 = 3;
const LAW_BOOST: f32 = 4.0;

fn alternative_query(fields: &Fields, seq: &[String]) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (field, boost) in fields.searched() {
        let q: Box<dyn Query> = if let [one] = seq {
            Box::new(TermQuery::new(
                Term::from_field_text(field, one),
                IndexRecordOption::WithFreqs,
            ))
        } else {
            let terms: Vec<(usize, Term)> = seq
                .iter()
                .enumerate()
                .map(|(i, t)| (i, Term::from_field_text(field, t)))
                .collect();
            Box::new(PhraseQuery::new_with_offset_and_slop(terms, 1))
        };
        clauses.push((Occur::Should, Box::new(BoostQuery::new(q, boost))));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// The scoring query for a plan (without filters); `None` when nothing is left.
pub fn build(plan: &Plan, fields: &Fields) -> Option<Box<dyn Query>> {
    if plan.groups.is_empty() {
        return None;
    }
    let groups: Vec<(Occur, Box<dyn Query>)> = plan
        .groups
        .iter()
        .map(|g| {
            let alts: Vec<Box<dyn Query>> = g
                .alternatives
                .iter()
                .filter(|a| !a.is_empty())
                .map(|a| alternative_query(fields, a))
                .collect();
            let q: Box<dyn Query> =
                Box::new(DisjunctionMaxQuery::with_tie_breaker(alts, TIE_BREAKER));
            (Occur::Should, q)
        })
        .collect();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> =
        vec![(Occur::Must, Box::new(BooleanQuery::new(groups)))];
    for pair in plan.groups.windows(2) {
        if let [a, b] = pair
            && let (Some([x]), Some([y])) = (
                a.alternatives.first().map(Vec::as_slice),
                b.alternatives.first().map(Vec::as_slice),
            )
        {
            let q = PhraseQuery::new_with_offset_and_slop(
                vec![
                    (0, Term::from_field_text(fields.text, x)),
                    (1, Term::from_field_text(fields.text, y)),
                ],
                PROXIMITY_SLOP,
            );
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(q), PROXIMITY_BOOST)),
            ));
        }
    }
    for title in &plan.laws {
        let q = TermQuery::new(
            Term::from_field_text(fields.law, title),
            IndexRecordOption::Basic,
        );
        clauses.push((
            Occur::Should,
            Box::new(ConstScoreQuery::new(Box::new(q), LAW_BOOST)),
        ));
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}
