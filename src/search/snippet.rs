//! Snippets: the window of a text that covers the most query words, with
//! the matches marked by byte offsets (into the snippet string).
//!
//! ```ignore
//! let s = make_snippet("……应当设置监控设备……", &["监控".into()], 60);
//! assert_eq!(s.marked("【", "】"), "……应当设置【监控】设备……");
//! ```

use serde::Serialize;

use super::normalize::{Normalized, find_standard_numbers};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    pub text: String,
    /// Byte ranges of highlighted matches in `text`, in order, not overlapping.
    pub highlights: Vec<(usize, usize)>,
}

impl Snippet {
    /// The snippet with each highlight wrapped in `open`/`close`.
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + 8 * self.highlights.len());
        let mut at = 0;
        for &(s, e) in &self.highlights {
            out.push_str(self.text.get(at..s).unwrap_or(""));
            out.push_str(open);
            out.push_str(self.text.get(s..e).unwrap_or(""));
            out.push_str(close);
            at = e;
        }
        out.push_str(self.text.get(at..).unwrap_or(""));
        out
    }
}

const ELLIPSIS: &str = "…";

/// Builds a snippet of about `max_chars` characters from `text` around the
/// occurrences of `terms` (normalized, lowercase).
pub fn make_snippet(text: &str, terms: &[String], max_chars: usize) -> Snippet {
    let norm = Normalized::new(text);
    let hay = norm.text().to_ascii_lowercase();
    // Matches in original byte offsets, longest term first wins overlaps.
    let mut matches: Vec<(usize, usize, usize)> = Vec::new(); // (from, to, term index)
    for (ti, term) in terms.iter().enumerate() {
        if term.is_empty() {
            continue;
        }
        for (at, m) in hay.match_indices(term.as_str()) {
            let from = norm.original_offset(at);
            let to = norm.original_offset(at + m.len());
            if !matches.iter().any(|&(f, t, _)| from < t && f < to) {
                matches.push((from, to, ti));
            }
        }
    }
    // Standard numbers are indexed as one keyword (gb18218-2018) that does
    // not occur verbatim in the text: mark the written form instead.
    for std_no in find_standard_numbers(norm.text()) {
        if let Some(ti) = terms
            .iter()
            .position(|t| *t == std_no.keyword || *t == std_no.base)
        {
            let from = norm.original_offset(std_no.start);
            let to = norm.original_offset(std_no.end);
            matches.retain(|&(f, t, _)| !(from < t && f < to));
            matches.push((from, to, ti));
        }
    }
    matches.sort();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |ci: usize| chars.get(ci).map(|c| c.0).unwrap_or(text.len());
    let char_index = |byte: usize| chars.partition_point(|c| c.0 < byte);
    let total = chars.len();
    // Choose the window start (in chars) covering the most distinct terms.
    let mut best = (0usize, 0usize, 0usize); // (distinct, count, start)
    for &(from, _, _) in &matches {
        let lead = max_chars / 6;
        let start = char_index(from).saturating_sub(lead);
        let end_b = byte_at((start + max_chars).min(total));
        let start_b = byte_at(start);
        let score = window_score(&matches, start_b, end_b, terms.len());
        if score > (best.0, best.1) {
            best = (score.0, score.1, start);
        }
    }
    let mut start = best.2;
    // Start at the beginning of the text when it is close enough.
    if start <= max_chars / 6 {
        start = 0;
    }
    let end = (start + max_chars).min(total);
    let (sb, eb) = (byte_at(start), byte_at(end));
    let mut out = String::new();
    if start > 0 {
        out.push_str(ELLIPSIS);
    }
    let shift = out.len();
    out.push_str(text.get(sb..eb).unwrap_or(""));
    let highlights = matches
        .iter()
        .filter(|m| m.0 >= sb && m.1 <= eb)
        .map(|m| (m.0 - sb + shift, m.1 - sb + shift))
        .collect();
    if end < total {
        out.push_str(ELLIPSIS);
    }
    Snippet {
        text: out,
        highlights,
    }
}

/// How many distinct terms and how many matches lie inside the byte window
/// `start_b..end_b`.
fn window_score(
    matches: &[(usize, usize, usize)],
    start_b: usize,
    end_b: usize,
    terms: usize,
) -> (usize, usize) {
    let inside = matches.iter().filter(|m| m.0 >= start_b && m.1 <= end_b);
    if terms <= 128 {
        // One bit per term: no allocation per candidate window.
        let (mut seen, mut count) = (0u128, 0usize);
        for m in inside {
            seen |= 1u128 << m.2;
            count += 1;
        }
        (seen.count_ones() as usize, count)
    } else {
        let mut distinct: Vec<usize> = inside.map(|m| m.2).collect();
        let count = distinct.len();
        distinct.sort_unstable();
        distinct.dedup();
        (distinct.len(), count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, terms: &[&str], max: usize, expect: &str) {
        let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
        let s = make_snippet(text, &terms, max);
        for &(a, b) in &s.highlights {
            assert!(s.text.is_char_boundary(a) && s.text.is_char_boundary(b));
        }
        assert_eq!(s.marked("【", "】"), expect);
    }

    #[test]
    fn marks_matches_and_cuts_around_them() {
        check(
            "本办法用于测试监控设备。",
            &["监控"],
            40,
            "本办法用于测试【监控】设备。",
        );
        check(
            "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥，仓库应当安装监控设备并定期检查。",
            &["监控", "仓库"],
            16,
            "…亥，【仓库】应当安装【监控】设备并定期检…",
        );
        check("没有匹配的文字", &["监控"], 4, "没有匹配…");
        check("ＬＰＧ钢瓶", &["lpg"], 10, "【ＬＰＧ】钢瓶");
    }

    proptest::proptest! {
        #[test]
        fn highlights_stay_on_char_boundaries(text in "\\PC{0,60}", term in "\\PC{1,3}", max in 1usize..30) {
            let s = make_snippet(&text, &[term.to_lowercase()], max);
            for &(a, b) in &s.highlights {
                proptest::prop_assert!(a < b && b <= s.text.len());
                proptest::prop_assert!(s.text.is_char_boundary(a) && s.text.is_char_boundary(b));
            }
        }
    }
}
