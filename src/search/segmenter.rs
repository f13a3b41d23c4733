//! Word segmentation with jieba: the one place that knows jieba-rs.
//!
//! Indexing uses search mode (`cut_for_search`): every word of the precise
//! segmentation is a token at its own ordinal position (0, 1, 2, … — not a
//! character offset), and the shorter dictionary words inside it (负责 and
//! 责人 inside 负责人) are extra tokens **at the same position as the word
//! that contains them**, so phrase and proximity queries over whole words
//! still line up. Queries use precise mode. Both lowercase ASCII, fold
//! full-width letters and digits, drop punctuation and whitespace (which take
//! no position), and turn standard numbers into one keyword
//! (`GB 18218-2018` → `gb18218-2018`, plus `gb18218` at the same position).
//! Offsets are byte offsets into the original text.
//!
//! Loading jieba's full dictionary takes about 150 ms, too slow for a
//! command that should answer in a blink; the index therefore stores a
//! *query dictionary*, the subset of words that occur in the indexed text
//! plus the project's own vocabulary, which loads in a few milliseconds.
//!
//! ```ignore
//! let seg = Segmenter::full(&UserDict::default());
//! let words: Vec<_> = seg.query_tokens("主要负责人").into_iter().map(|t| t.text).collect();
//! ```

use std::io::BufRead;
use std::sync::LazyLock;

use jieba_rs::Jieba;

use super::normalize::{Normalized, find_standard_numbers};

/// One token: normalized text, byte offsets into the original, position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub from: usize,
    pub to: usize,
    pub position: usize,
}

/// The default dictionary, parsed once per process.
static BASE: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// A user dictionary entry: a word and an optional frequency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DictWord {
    pub word: String,
    pub freq: Option<usize>,
}

/// A loaded segmenter (jieba plus the domain dictionary).
#[derive(Clone)]
pub struct Segmenter {
    jieba: Jieba,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter").finish_non_exhaustive()
    }
}

/// A word no text contains, carrying the frequency mass of the words left out
/// of a query dictionary so that segmentation scores stay as with the full one.
const MASS_WORD: &str = "\u{F8FF}\u{F8FF}";

impl Segmenter {
    /// jieba's full default dictionary plus the domain words.
    pub fn full(words: &[DictWord]) -> Self {
        let mut jieba = BASE.clone();
        for w in words {
            jieba.add_word(&w.word, w.freq, None);
        }
        Segmenter { jieba }
    }

    /// A segmenter over a query dictionary written by [`Segmenter::export_dictionary`].
    pub fn from_dictionary(dict: &mut impl BufRead) -> Result<Self, String> {
        let jieba = Jieba::with_dict(dict).map_err(|e| e.to_string())?;
        Ok(Segmenter { jieba })
    }

    pub fn has_word(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }

    /// Writes the dictionary subset containing `words` that this segmenter
    /// knows, plus `extra` words (added with a frequency that keeps them whole).
    pub fn export_dictionary<'w>(
        &self,
        words: impl IntoIterator<Item = &'w str>,
        extra: &[DictWord],
    ) -> String {
        let mut out = String::new();
        let mut mass: usize = 0;
        let mut seen = std::collections::HashSet::new();
        for w in words {
            if w.chars().any(char::is_whitespace) || !self.jieba.has_word(w) {
                continue;
            }
            if seen.insert(w.to_string()) {
                let f = self.jieba.suggest_freq(w);
                mass = mass.saturating_add(f);
                out.push_str(&format!("{w} {f}\n"));
            }
        }
        for w in extra {
            if w.word.chars().any(char::is_whitespace) || !seen.insert(w.word.clone()) {
                continue;
            }
            let f = w.freq.unwrap_or_else(|| self.jieba.suggest_freq(&w.word));
            mass = mass.saturating_add(f);
            out.push_str(&format!("{} {f}\n", w.word));
        }
        let total = self.estimated_total();
        if total > mass {
            out.push_str(&format!("{MASS_WORD} {}\n", total - mass));
        }
        out
    }

    /// The dictionary's total frequency, recovered from the frequency jieba
    /// suggests for a pair of very common characters (jieba keeps it private).
    fn estimated_total(&self) -> usize {
        let single = self.jieba.suggest_freq("是");
        let pair = self.jieba.suggest_freq("是是");
        if pair <= 1 || single <= 1 {
            return 0;
        }
        let f = single as f64;
        (f * f / (pair - 1) as f64) as usize
    }

    /// Search-mode tokens for indexing, appended to `out`.
    pub fn index_tokens(&self, text: &str, out: &mut Vec<Piece>) {
        self.tokens(text, true, out);
    }

    /// Precise-mode tokens for a query.
    pub fn query_tokens(&self, text: &str) -> Vec<Piece> {
        let mut out = Vec::new();
        self.tokens(text, false, &mut out);
        out
    }

    /// The dictionary words inside `word` (search mode minus the word itself).
    pub fn sub_words(&self, word: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.tokens(word, true, &mut out);
        out.into_iter()
            .map(|p| p.text)
            .filter(|t| t != word)
            .collect()
    }

    fn tokens(&self, text: &str, search: bool, out: &mut Vec<Piece>) {
        let norm = Normalized::new(text);
        let ntext = norm.text();
        let mut position = 0usize;
        let mut at = 0usize;
        for std_no in find_standard_numbers(ntext) {
            if let Some(before) = ntext.get(at..std_no.start) {
                self.words(before, at, &norm, search, &mut position, out);
            }
            let from = norm.original_offset(std_no.start);
            let to = norm.original_offset(std_no.end);
            let same = std_no.base == std_no.keyword;
            out.push(Piece {
                text: std_no.keyword,
                from,
                to,
                position,
            });
            if !same {
                out.push(Piece {
                    text: std_no.base,
                    from,
                    to,
                    position,
                });
            }
            position += 1;
            at = std_no.end;
        }
        if let Some(rest) = ntext.get(at..) {
            self.words(rest, at, &norm, search, &mut position, out);
        }
    }

    fn words(
        &self,
        piece: &str,
        base: usize,
        norm: &Normalized<'_>,
        search: bool,
        position: &mut usize,
        out: &mut Vec<Piece>,
    ) {
        if piece.is_empty() {
            return;
        }
        let toks = if search {
            self.jieba.cut_for_search(piece, true)
        } else {
            self.jieba.cut(piece, true)
        };
        // Search mode emits the words inside a word just before it: scan
        // backwards to find, for each token, the word that contains it.
        let mut is_child = vec![false; toks.len()];
        let mut current: Option<(usize, usize)> = None;
        for (i, t) in toks.iter().enumerate().rev() {
            match current {
                Some((s, e))
                    if t.byte_start >= s
                        && t.byte_end <= e
                        && t.byte_end - t.byte_start < e - s =>
                {
                    if let Some(slot) = is_child.get_mut(i) {
                        *slot = true;
                    }
                }
                _ => current = Some((t.byte_start, t.byte_end)),
            }
        }
        let make = |t: &jieba_rs::Token<'_>, position: usize| Piece {
            text: if t.word.bytes().any(|b| b.is_ascii_uppercase()) {
                t.word.to_ascii_lowercase()
            } else {
                t.word.to_string()
            },
            from: norm.original_offset(base + t.byte_start),
            to: norm.original_offset(base + t.byte_end),
            position,
        };
        let mut pending: Vec<usize> = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            if is_child.get(i).copied().unwrap_or(false) {
                pending.push(i);
                continue;
            }
            if t.word.chars().any(char::is_alphanumeric) {
                out.push(make(t, *position));
                for &j in &pending {
                    if let Some(c) = toks.get(j)
                        && c.word.chars().any(char::is_alphanumeric)
                    {
                        out.push(make(c, *position));
                    }
                }
                *position += 1;
            }
            pending.clear();
        }
    }
}

/// Parses the jieba user dictionary format: `word [freq] [tag]` per line,
/// `#` starts a comment. Returns the words and the lines that were not understood.
pub fn parse_user_dictionary(text: &str) -> (Vec<DictWord>, Vec<(usize, String)>) {
    let mut words = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let Some(word) = parts.next() else { continue };
        let freq = match parts.next() {
            None => None,
            Some(f) => match f.parse::<usize>() {
                Ok(f) => Some(f),
                Err(_) => {
                    bad.push((i + 1, format!("frequency `{f}` is not a whole number")));
                    continue;
                }
            },
        };
        words.push(DictWord {
            word: word.to_string(),
            freq,
        });
    }
    (words, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg() -> &'static Segmenter {
        static SEG: LazyLock<Segmenter> = LazyLock::new(|| {
            Segmenter::full(&[DictWord {
                word: "主要负责人".into(),
                freq: None,
            }])
        });
        &SEG
    }

    fn show(pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|p| format!("{}@{}", p.text, p.position))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn sub_words_share_the_position_of_their_word() {
        let mut out = Vec::new();
        seg().index_tokens("主要负责人对本单位负责。", &mut out);
        let shown = show(&out);
        assert!(shown.starts_with("主要负责人@0 "), "{shown}");
        for sub in ["主要@0", "负责@0", "负责人@0"] {
            assert!(shown.contains(sub), "{sub} missing in {shown}");
        }
        // positions are ordinals of whole words, punctuation takes none
        let last = out.last().unwrap();
        assert_eq!(last.text, "负责");
        let max = out.iter().map(|p| p.position).max().unwrap();
        assert_eq!(last.position, max);
        assert!(max <= 4, "{shown}");
        for p in &out {
            assert!(p.text.chars().any(char::is_alphanumeric));
        }
    }

    #[test]
    fn query_mode_keeps_whole_words() {
        let got = seg().query_tokens("主要负责人，GB 18218-2018！");
        assert_eq!(
            show(&got),
            "主要负责人@0 gb18218-2018@1 gb18218@1",
            "{got:?}"
        );
        let std = got.get(1).unwrap();
        assert_eq!((std.from, std.to), (18, 31));
    }

    #[test]
    fn ascii_is_lowercased_and_full_width_folded() {
        let text = "ＬＰＧ钢瓶";
        let got = seg().query_tokens(text);
        let first = got.first().unwrap();
        assert_eq!(first.text, "lpg");
        assert_eq!(&text[first.from..first.to], "ＬＰＧ");
    }

    #[test]
    fn user_words_stay_whole() {
        let seg = Segmenter::full(&[DictWord {
            word: "安全生产".into(),
            freq: Some(100_000),
        }]);
        let got = seg.query_tokens("举报安全生产违法行为");
        assert_eq!(show(&got), "举报@0 安全生产@1 违法行为@2");
    }

    #[test]
    fn user_dictionary_lines() {
        let (words, bad) = parse_user_dictionary("# 注释\n危险化学品 1000 n\n重大危险源\n坏 x\n");
        assert_eq!(words.len(), 2);
        assert_eq!(words.first().unwrap().freq, Some(1000));
        assert_eq!(
            bad,
            vec![(4, "frequency `x` is not a whole number".to_string())]
        );
    }

    #[test]
    fn query_dictionary_segments_like_the_full_one() {
        let full = seg();
        let text = "生产经营单位的主要负责人对本单位的安全生产工作全面负责";
        let mut words = Vec::new();
        full.index_tokens(text, &mut words);
        let dict = full.export_dictionary(words.iter().map(|p| p.text.as_str()), &[]);
        let small = Segmenter::from_dictionary(&mut dict.as_bytes()).unwrap();
        assert_eq!(
            show(&small.query_tokens(text)),
            show(&full.query_tokens(text))
        );
    }

    proptest::proptest! {
        #[test]
        fn offsets_are_char_boundaries_and_positions_ordered(s in "[\\PC\u{3000}-\u{303f}\u{ff00}-\u{ffef}a-zA-Z0-9 ]{0,40}") {
            let mut out = Vec::new();
            seg().index_tokens(&s, &mut out);
            let mut last = 0;
            for p in &out {
                proptest::prop_assert!(s.is_char_boundary(p.from) && s.is_char_boundary(p.to));
                proptest::prop_assert!(p.from < p.to && p.to <= s.len());
                proptest::prop_assert!(p.position >= last);
                last = p.position;
            }
            let q = seg().query_tokens(&s);
            for (i, p) in q.iter().enumerate() {
                proptest::prop_assert!(s.is_char_boundary(p.from) && s.is_char_boundary(p.to));
                let _ = i;
            }
        }
    }
}
