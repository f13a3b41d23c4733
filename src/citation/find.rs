//! Finding every citation in free text, in order of appearance.
//!
//! The finder walks the text once. A reference (`第二十四条`, `24条`,
//! `第十六条第一款第三项`) becomes a citation when a law is named right before
//! it — a 《title》, a name the [`KnownNames`] matcher recognises, a name that
//! ends like a law (…法, …条例, …办法), or 本法/该法/同法 — or, for an
//! article-only reference, when a law was named earlier and the wording
//! around it reads like a citation (`依照第二十四条的规定`). Lists (、和及或)
//! and ranges (至) yield one citation per article.

use std::ops::Range;

use crate::statute::ArticleNo;

use super::names::{KnownNames, MAX_NAME_CHARS};
use super::scan::{Di, Element, NOT_AFTER_ARTICLE, element_at, is_number_char, number_at};

/// How the law of a citation was named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LawMention {
    /// Written out: 《安全生产法》, 安全生产法, 安法.
    Named,
    /// 本法, 本条例: the document the text belongs to.
    ThisLaw,
    /// 该法, 同法: the law named most recently.
    SameLaw,
    /// No law next to the reference (`依照第二十四条的规定`): the law named
    /// most recently, or the current law.
    Implicit,
}

/// One cited article (with paragraph and item when cited that precisely).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCitation {
    /// Byte range in the text: the law name and the reference for the first
    /// article of a group, the reference alone for the following ones; the
    /// articles a range adds share the range's span (`第三十条至第三十二条`).
    pub span: Range<usize>,
    /// The text under `span`.
    pub text: String,
    /// The law as written (without 《》), or the law 本法/该法 stands for.
    pub law: String,
    pub mention: LawMention,
    pub article: ArticleNo,
    pub paragraph: Option<u32>,
    pub item: Option<u32>,
}

/// Context for the finder.
#[derive(Debug, Clone, Default)]
pub struct FindOptions {
    /// The law the text belongs to, if it is part of a statute: 本法 and
    /// article-only references mean this law.
    pub current_law: Option<String>,
}

/// Finds every citation in `text`, in order of appearance.
///
/// ```
/// use regkb::citation::{find_citations, NameList};
/// let names = NameList::new(["安全生产法"]);
/// let found = find_citations("违反安全生产法第三十条至第三十二条的规定", &names);
/// let articles: Vec<u32> = found.iter().map(|c| c.article.number).collect();
/// assert_eq!(articles, [30, 31, 32]);
/// ```
pub fn find_citations(text: &str, names: &dyn KnownNames) -> Vec<FoundCitation> {
    find_citations_with(text, names, &FindOptions::default())
}

/// [`find_citations`] with a context (the current law for 本法).
pub fn find_citations_with(
    text: &str,
    names: &dyn KnownNames,
    options: &FindOptions,
) -> Vec<FoundCitation> {
    let mut finder = Finder {
        text,
        names,
        options,
        out: Vec::new(),
        consumed: 0,
        last_law: None,
        titles: Vec::new(),
        local_aliases: Vec::new(),
    };
    finder.run();
    finder.out
}

/// Words after which 第…条 without a law reads as a citation of the law named
/// before (`依照第二十四条`).
const CUES_BEFORE: &[&str] = &[
    "依照", "根据", "按照", "依据", "违反", "参照", "适用", "符合", "对照", "执行", "遵守", "落实",
    "见", "即", "依", "按", "据", "和", "与", "及", "或", "、", "至", "（", "(",
];

/// Words after a reference that mark it as a citation (`第二十四条的规定`).
const CUES_AFTER: &[&str] = &[
    "规定",
    "的规定",
    "之规定",
    "所列",
    "所称",
    "所述",
    "中",
    "要求",
    "的要求",
    "）",
    ")",
];

/// Endings of law titles, for names the matcher does not know.
const LAW_SUFFIXES: &[&str] = &[
    "法",
    "条例",
    "规定",
    "办法",
    "细则",
    "规则",
    "决定",
    "解释",
    "规程",
    "标准",
    "规范",
    "准则",
    "修正案",
    "意见",
    "通知",
    "批复",
    "纲要",
];

/// 本法 and the like: the current document.
const THIS_LAW: &[&str] = &[
    "本法",
    "本条例",
    "本规定",
    "本办法",
    "本细则",
    "本规则",
    "本解释",
    "本决定",
    "本规程",
    "本标准",
    "本规范",
    "本准则",
];

/// 该法 and the like: the law named last.
const SAME_LAW: &[&str] = &[
    "该法",
    "同法",
    "该条例",
    "该规定",
    "该办法",
    "该细则",
    "该规则",
    "该解释",
    "该决定",
    "上述法律",
];

/// Verbs and conjunctions that end the text before a law name the matcher
/// does not know (`根据某某管理条例第三条` → `某某管理条例`).
const NAME_BOUNDARIES: &[&str] = &[
    "根据", "依据", "依照", "按照", "遵照", "违反", "参照", "适用", "符合", "对照", "执行", "遵守",
    "落实", "贯彻", "了", "及", "或", "即", "是",
];

/// Laws so often cited by short name that the finder knows them even when the
/// library does not (the heuristic for unknown names stops at them).
const COMMON_SHORT_NAMES: &[&str] = &[
    "刑法",
    "宪法",
    "民法典",
    "刑事诉讼法",
    "民事诉讼法",
    "行政诉讼法",
    "行政处罚法",
    "行政许可法",
    "行政强制法",
    "行政复议法",
    "治安管理处罚法",
    "劳动法",
    "劳动合同法",
    "安全生产法",
    "消防法",
    "特种设备安全法",
    "职业病防治法",
    "矿山安全法",
    "建筑法",
    "道路交通安全法",
    "突发事件应对法",
    "环境保护法",
    "危险化学品安全法",
];

/// Words that start a run of ideographs before a name without being part of
/// it (`将刑法第十七条修改为` → `刑法`).
const LEADING_WORDS: &[&str] = &[
    "不属于",
    "属于",
    "构成",
    "应当",
    "可以",
    "将",
    "在",
    "犯",
    "把",
    "被",
    "按",
    "依",
    "据",
    "照",
];

/// First characters of two-character words ending in 法 that are not laws.
const NOT_LAW_2: &[char] = &[
    '办', '方', '做', '说', '违', '执', '守', '依', '合', '非', '立', '司', '国', '用', '手', '算',
    '章', '语', '书', '写', '想', '看', '玩', '家', '王', '变', '魔', '犯', '无', '大', '新', '旧',
];

/// Widest range expanded into single articles (`第一条至第二百条`).
const MAX_RANGE: u32 = 300;

struct Finder<'a> {
    text: &'a str,
    names: &'a dyn KnownNames,
    options: &'a FindOptions,
    out: Vec<FoundCitation>,
    /// Text before this byte has been used by a citation or a title.
    consumed: usize,
    /// The law named most recently (for 该法 and article-only references).
    last_law: Option<String>,
    /// Recent 《titles》: (end byte after 》, title).
    titles: Vec<(usize, String)>,
    /// `（以下简称安法）` definitions: alias → title.
    local_aliases: Vec<(String, String)>,
}

/// The law part found before a reference.
struct LawBefore {
    /// `None`: 本解释/该条例 with no law of that kind to stand for; the
    /// reference is skipped.
    law: Option<String>,
    start: usize,
    mention: LawMention,
}

/// What a reference group expands to.
struct Entry {
    span: Range<usize>,
    article: ArticleNo,
    paragraph: Option<u32>,
    item: Option<u32>,
}

impl Finder<'_> {
    fn run(&mut self) {
        let text = self.text;
        let mut i = 0;
        while let Some(c) = text.get(i..).and_then(|r| r.chars().next()) {
            if c == '《' {
                if let Some((title, end)) = read_title(text, i) {
                    if self.looks_like_law(&title) {
                        self.last_law = Some(title.clone());
                    }
                    self.titles.push((end, title));
                    if self.titles.len() > 4 {
                        self.titles.remove(0);
                    }
                    self.consumed = end;
                    i = end;
                    continue;
                }
            } else if c == '（' || c == '(' {
                if let Some(end) = self.read_alias_definition(i) {
                    self.consumed = end;
                    i = end;
                    continue;
                }
            } else if c == '第' || (c.is_ascii_digit() || ('０'..='９').contains(&c)) {
                let prev_is_number = text
                    .get(..i)
                    .and_then(|b| b.chars().next_back())
                    .is_some_and(is_number_char);
                if !prev_is_number && let Some(end) = self.try_reference(i) {
                    self.consumed = end;
                    i = end;
                    continue;
                }
            } else if LAW_SUFFIXES.iter().any(|s| s.ends_with(c)) {
                self.note_law_name(i + c.len_utf8());
            }
            i += c.len_utf8();
        }
    }

    /// A known law named without a reference (`根据安全生产法的规定`) becomes
    /// the law that later article-only references mean.
    fn note_law_name(&mut self, end: usize) {
        let Some(before) = self.text.get(self.consumed..end) else {
            return;
        };
        if let Some(len) = self.names.longest_name_ending_at(before)
            && let Some(name) = before.get(before.len() - len.min(before.len())..)
        {
            let prefixed = self
                .text
                .get(..end - name.len())
                .and_then(|b| b.chars().next_back())
                .is_some_and(|p| matches!(p, '本' | '该' | '同'));
            // 安全生产法律法规 is not 安全生产法.
            let continued = self
                .text
                .get(end..)
                .and_then(|a| a.chars().next())
                .is_some_and(|n| {
                    matches!(n, '律' | '规' | '学' | '人' | '院' | '官' | '庭' | '制')
                });
            if !prefixed && !continued {
                self.last_law = Some(name.to_string());
            }
        }
    }

    /// `（以下简称安法）` or `（以下简称《安法》）` right after a title: remembers
    /// the alias and returns the end of the parenthesis.
    fn read_alias_definition(&mut self, open: usize) -> Option<usize> {
        let text = self.text;
        let before = text.get(..open)?.trim_end_matches([' ', '\u{3000}']);
        let (_, title) = self
            .titles
            .iter()
            .rev()
            .find(|(end, _)| *end == before.len())?;
        let title = title.clone();
        let rest = text.get(open..)?;
        let close_rel = rest
            .char_indices()
            .take(MAX_NAME_CHARS)
            .find(|(_, c)| matches!(c, '）' | ')'))
            .map(|(j, _)| j)?;
        let inner = rest.get(rest.chars().next()?.len_utf8()..close_rel)?;
        let alias = inner
            .split_once("简称")?
            .1
            .trim()
            .trim_matches(|c| matches!(c, '《' | '》' | '“' | '”' | '"' | '「' | '」'))
            .trim();
        if alias.is_empty() || alias.contains(['，', ',', '。']) {
            return None;
        }
        let end = open + close_rel + rest.get(close_rel..)?.chars().next()?.len_utf8();
        self.local_aliases.push((alias.to_string(), title.clone()));
        // The title keeps binding to a reference right after the parenthesis.
        self.titles.push((end, title));
        Some(end)
    }

    /// Tries a reference group at byte `at`; returns the end of what it used.
    fn try_reference(&mut self, at: usize) -> Option<usize> {
        let looks_like_reference = element_at(self.text, at, Di::OrArabic)
            .is_some_and(|e| e.article.is_some())
            || compact_group(self.text, at).is_some();
        if !looks_like_reference {
            return None;
        }
        let law_before = self.law_before(at);
        let di = match &law_before {
            Some(l) if l.mention == LawMention::Named => Di::OrArabic,
            _ => Di::Required,
        };
        let (entries, end) = read_group(self.text, at, di)?;
        let (law, start, mention) = match law_before {
            Some(LawBefore { law: None, .. }) => return Some(end),
            Some(LawBefore {
                law: Some(law),
                start,
                mention,
            }) => (law, start, mention),
            None => {
                let implicit = self
                    .options
                    .current_law
                    .clone()
                    .or_else(|| self.last_law.clone());
                let cited = self.reads_like_citation(at, end, &entries);
                match implicit {
                    Some(law) if cited => (law, at, LawMention::Implicit),
                    // Skip the whole group so its inner 第 are not tried again.
                    _ => return Some(end),
                }
            }
        };
        if mention == LawMention::Named {
            self.last_law = Some(law.clone());
        }
        for (k, e) in entries.into_iter().enumerate() {
            let span = if k == 0 {
                start.min(e.span.start)..e.span.end
            } else {
                e.span
            };
            self.out.push(FoundCitation {
                text: self.text.get(span.clone()).unwrap_or_default().to_string(),
                span,
                law: law.clone(),
                mention,
                article: e.article,
                paragraph: e.paragraph,
                item: e.item,
            });
        }
        Some(end)
    }

    /// The law named right before byte `at` (spaces allowed between).
    fn law_before(&self, at: usize) -> Option<LawBefore> {
        let text = self.text;
        let before_all = text.get(..at)?.trim_end_matches([' ', '\u{3000}', '\t']);
        // `《安全生产法》（2021年修正）第二十四条`: the version note is skipped.
        let pos = strip_version_note(before_all.get(self.consumed.min(before_all.len())..)?)
            .map_or(before_all.len(), |rest| {
                self.consumed.min(before_all.len()) + rest.len()
            });
        // A 《title》 (possibly followed by an alias definition) right before.
        if let Some((_, title)) = self.titles.iter().rev().find(|(end, _)| *end == pos) {
            let start = text.get(..pos).and_then(title_start).unwrap_or(pos);
            return Some(LawBefore {
                law: Some(title.clone()),
                start,
                mention: LawMention::Named,
            });
        }
        let before = text.get(self.consumed.min(pos)..pos)?;
        let base = self.consumed.min(pos);
        // `“安全生产法”第24条`: a law name in quotation marks.
        if let Some((start, name)) = quoted_name(before)
            && self.looks_like_law(name)
        {
            return Some(LawBefore {
                law: Some(name.to_string()),
                start: base + start,
                mention: LawMention::Named,
            });
        }
        if let Some((alias, title)) = self
            .local_aliases
            .iter()
            .filter(|(a, _)| before.ends_with(a.as_str()))
            .max_by_key(|(a, _)| a.len())
        {
            return Some(LawBefore {
                law: Some(title.clone()),
                start: pos - alias.len(),
                mention: LawMention::Named,
            });
        }
        if let Some(len) = self.names.longest_name_ending_at(before)
            && len > 0
            && len <= before.len()
            && before.is_char_boundary(before.len() - len)
        {
            let start = base + before.len() - len;
            return Some(LawBefore {
                law: Some(before.get(before.len() - len..)?.to_string()),
                start,
                mention: LawMention::Named,
            });
        }
        // 基本法 is a name, not 本法.
        let word_before = |w: &str| {
            before.ends_with(w)
                && before
                    .get(..before.len() - w.len())
                    .and_then(|b| b.chars().next_back())
                    .is_none_or(|p| p != '基')
        };
        for word in THIS_LAW {
            if word_before(word) {
                let law = self
                    .options
                    .current_law
                    .clone()
                    .or_else(|| self.last_law.clone().filter(|l| same_kind(word, l)));
                return Some(LawBefore {
                    law,
                    start: pos - word.len(),
                    mention: LawMention::ThisLaw,
                });
            }
        }
        for word in SAME_LAW {
            if word_before(word) {
                let law = self
                    .last_law
                    .clone()
                    .or_else(|| self.options.current_law.clone())
                    .filter(|l| same_kind(word, l));
                return Some(LawBefore {
                    law,
                    start: pos - word.len(),
                    mention: LawMention::SameLaw,
                });
            }
        }
        let (start, name) = unknown_name(before)?;
        Some(LawBefore {
            law: Some(name.to_string()),
            start: base + start,
            mention: LawMention::Named,
        })
    }

    /// Whether an article-only reference reads as a citation: a cue word before
    /// or after, or a precise reference (with 款/项, or a list or range).
    fn reads_like_citation(&self, at: usize, end: usize, entries: &[Entry]) -> bool {
        if entries.len() > 1
            || entries
                .iter()
                .any(|e| e.paragraph.is_some() || e.item.is_some())
        {
            return true;
        }
        let text = self.text;
        let before = text
            .get(self.consumed.min(at)..at)
            .unwrap_or_default()
            .trim_end_matches([' ', '\u{3000}']);
        let after = text.get(end..).unwrap_or_default();
        CUES_BEFORE.iter().any(|w| before.ends_with(w))
            || CUES_AFTER.iter().any(|w| after.starts_with(w))
    }

    /// Whether a 《title》 names a law (rather than a certificate or a form).
    fn looks_like_law(&self, title: &str) -> bool {
        let core = strip_trailing_parens(title);
        LAW_SUFFIXES.iter().any(|s| core.ends_with(s))
            || self.names.longest_name_ending_at(title) == Some(title.len())
    }
}

/// Reads `《…》` at byte `open` (nested 《》 counted, 〈〉 kept as written).
/// Returns the trimmed title and the byte after the closing 》.
fn read_title(text: &str, open: usize) -> Option<(String, usize)> {
    let rest = text.get(open..)?;
    let mut depth = 0usize;
    for (count, (j, c)) in rest.char_indices().enumerate() {
        if count > MAX_NAME_CHARS * 2 || c == '\n' || c == '\r' {
            return None;
        }
        match c {
            '《' => depth += 1,
            '》' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    let inner = rest.get('《'.len_utf8()..j)?.trim();
                    if inner.is_empty() {
                        return None;
                    }
                    return Some((inner.to_string(), open + j + c.len_utf8()));
                }
            }
            _ => {}
        }
    }
    None
}

/// The start of the 《 that opens a title ending (with 》, possibly followed by
/// an alias parenthesis) at the end of `before`.
fn title_start(before: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_paren = false;
    for (count, (j, c)) in before.char_indices().rev().enumerate() {
        if count > MAX_NAME_CHARS * 3 {
            return None;
        }
        match c {
            '）' | ')' if depth == 0 && count == 0 => in_paren = true,
            '（' | '(' if in_paren && depth == 0 => in_paren = false,
            '》' if !in_paren => depth += 1,
            '《' if !in_paren => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether `law` is of the kind a 本…/该… word names: 本条例 a …条例, 本法 a
/// …法; 上述法律 any.
fn same_kind(word: &str, law: &str) -> bool {
    let kind = word.trim_start_matches(['本', '该', '同']);
    kind == "上述法律" || strip_trailing_parens(law).ends_with(kind)
}

/// `…（2021年修正）`, `…(2021)`, `…（2018年版）` at the end of `before`: returns
/// the text before the note. Notes that can be part of a title (`（十一）`,
/// `（试行）`) are kept.
fn strip_version_note(before: &str) -> Option<&str> {
    let inner_end = before
        .strip_suffix('）')
        .or_else(|| before.strip_suffix(')'))?;
    let open = inner_end.rfind(['（', '('])?;
    let inner = inner_end.get(open..)?.trim_start_matches(['（', '(']);
    let versionish = inner.chars().count() <= 16
        && inner.chars().any(|c| c.is_ascii_digit())
        && !inner.contains(['，', ',', '。']);
    let worded = ["修正", "修订", "修改", "年版"]
        .iter()
        .any(|w| inner.contains(w));
    if !(versionish || worded) || inner.contains("试行") || inner.contains("暂行") {
        return None;
    }
    Some(inner_end.get(..open)?.trim_end_matches([' ', '\u{3000}']))
}

/// A name in quotation marks at the end of `before` (`“安全生产法”`): its
/// byte start (at the opening mark) and the name.
fn quoted_name(before: &str) -> Option<(usize, &str)> {
    let close = before.chars().next_back()?;
    let open_mark = match close {
        '”' => '“',
        '」' => '「',
        '』' => '『',
        '"' => '"',
        _ => return None,
    };
    let inner_end = before.len() - close.len_utf8();
    let inner_all = before.get(..inner_end)?;
    let open = inner_all.rfind(open_mark)?;
    let name = inner_all.get(open + open_mark.len_utf8()..)?.trim();
    let plausible = !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && !name.contains(['，', ',', '。', '；', ';', '：', '\n']);
    plausible.then_some((open, name))
}

/// Drops trailing `（十一）` from `刑法修正案（十一）`.
fn strip_trailing_parens(title: &str) -> &str {
    let t = title.trim_end();
    if let Some(inner) = t.strip_suffix('）').or_else(|| t.strip_suffix(')'))
        && let Some(open) = inner.rfind(['（', '('])
    {
        return inner.get(..open).unwrap_or(t);
    }
    t
}

/// A name the matcher does not know but that ends like a law, delimited by
/// punctuation or a citing verb: returns its byte start in `before` and the name.
fn unknown_name(before: &str) -> Option<(usize, &str)> {
    let core = strip_trailing_parens(before);
    if !LAW_SUFFIXES.iter().any(|s| core.ends_with(s)) {
        return None;
    }
    // Walk back over ideographs (and brackets inside names) only.
    let mut start = before.len();
    for (count, (j, c)) in before.char_indices().rev().enumerate() {
        let name_char = is_ideograph(c) || matches!(c, '（' | '）' | '(' | ')' | '〈' | '〉');
        if !name_char || count >= MAX_NAME_CHARS {
            break;
        }
        start = j;
    }
    let mut run = before.get(start..)?;
    // A well-known short name at the end wins over a longer run
    // (`属于刑法` → `刑法`), unless the full title is written out.
    if let Some(short) = COMMON_SHORT_NAMES
        .iter()
        .filter(|n| run.ends_with(*n))
        .max_by_key(|n| n.len())
    {
        let full = format!("中华人民共和国{short}");
        let name = if run.ends_with(&full) {
            full.as_str()
        } else {
            short
        };
        let k = run.len() - name.len();
        return Some((start + k, run.get(k..)?));
    }
    // Cut at the last citing verb inside the run.
    let mut cut = 0;
    for w in NAME_BOUNDARIES {
        if let Some(k) = run.rfind(w) {
            cut = cut.max(k + w.len());
        }
    }
    run = run.get(cut..)?;
    let mut start = start + cut;
    // Leading verbs and prepositions are not part of a name.
    while let Some(w) = LEADING_WORDS.iter().find(|w| run.starts_with(*w)) {
        run = run.get(w.len()..)?;
        start += w.len();
    }
    // 本法 / 该法 are handled elsewhere; a bare suffix is no name.
    let chars = run.chars().count();
    if chars < 2 || run.starts_with(['本', '该', '同', '前', '上', '此', '其']) {
        return None;
    }
    // Two characters only for …法 names (刑法, 宪法), not words like 办法, 依法.
    if chars == 2 && (!run.ends_with('法') || run.starts_with(NOT_LAW_2)) {
        return None;
    }
    Some((start, run))
}

fn is_ideograph(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Reads a reference and the list or range that continues it, returning one
/// entry per cited article (or paragraph/item) and the end byte.
fn read_group(text: &str, at: usize, di: Di) -> Option<(Vec<Entry>, usize)> {
    let (mut entries, mut current) = match element_at(text, at, di) {
        Some(first) => {
            let entry = Entry {
                span: first.start..first.end,
                article: first.article?,
                paragraph: first.paragraph,
                item: first.item,
            };
            (vec![entry], first)
        }
        None => compact_group(text, at)?,
    };
    let mut end = current.end;
    while let Some((sep, next_at)) = separator(text, end) {
        let Some(next) = element_at(text, next_at, Di::Optional) else {
            break;
        };
        let next = inherit(&current, next);
        let Some(next_article) = next.article else {
            break;
        };
        let expanded = if sep == Sep::Range {
            expand_range(&current, &next)
        } else {
            None
        };
        match expanded {
            Some(between) => {
                let group_span = current.start..next.end;
                if let Some(last) = entries.last_mut() {
                    last.span = last.span.start.min(group_span.start)..group_span.end;
                }
                for (article, paragraph, item) in between {
                    entries.push(Entry {
                        span: group_span.clone(),
                        article,
                        paragraph,
                        item,
                    });
                }
            }
            None => entries.push(Entry {
                span: next.start..next.end,
                article: next_article,
                paragraph: next.paragraph,
                item: next.item,
            }),
        }
        current = next;
        end = next.end;
    }
    Some((entries, end))
}

/// `第二十四、二十五条`, `第30至32条`: several numbers sharing one 第…条.
/// Returns one entry per article and an element standing for the last one.
fn compact_group(text: &str, at: usize) -> Option<(Vec<Entry>, Element)> {
    let rest = text.get(at..)?;
    if !rest.starts_with('第') {
        return None;
    }
    let (first, mut pos) = number_at(text, at + '第'.len_utf8())?;
    let mut numbers = vec![first];
    while let Some((sep, next_at)) = separator(text, pos).filter(|(_, n)| *n > pos) {
        if text
            .get(pos..next_at)
            .is_some_and(|s| s.contains(['，', ',']))
        {
            break;
        }
        let Some((n, after)) = number_at(text, next_at) else {
            break;
        };
        let prev = numbers.last().copied().unwrap_or(n);
        if sep == Sep::Range && prev < n && n - prev <= MAX_RANGE {
            numbers.extend((prev + 1)..n);
        }
        numbers.push(n);
        pos = after;
    }
    if numbers.len() < 2 {
        return None;
    }
    let tail = text.get(pos..)?.trim_start_matches([' ', '\u{3000}']);
    let unit_at = pos + (text.get(pos..)?.len() - tail.len());
    let mut chars = tail.chars();
    if chars.next() != Some('条') || chars.next().is_some_and(|c| NOT_AFTER_ARTICLE.contains(&c)) {
        return None;
    }
    let end = unit_at + '条'.len_utf8();
    if numbers.iter().any(|n| *n == 0 || *n > 9_999) {
        return None;
    }
    let entries: Vec<Entry> = numbers
        .iter()
        .map(|n| Entry {
            span: at..end,
            article: ArticleNo::new(*n),
            paragraph: None,
            item: None,
        })
        .collect();
    let last = ArticleNo::new(numbers.last().copied()?);
    let element = Element {
        article: Some(last),
        paragraph: None,
        item: None,
        start: at,
        end,
    };
    Some((entries, element))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    List,
    Range,
}

/// A list or range separator at `at` (spaces around allowed); returns its kind
/// and where the next element starts.
fn separator(text: &str, at: usize) -> Option<(Sep, usize)> {
    const LIST: &[&str] = &["、", "以及", "或者", "和", "及", "或", "与", "，", ","];
    const RANGE: &[&str] = &["至", "到", "—", "–", "－", "-", "～", "~"];
    let rest = text.get(at..)?;
    let trimmed = rest.trim_start_matches([' ', '\u{3000}']);
    let skipped = rest.len() - trimmed.len();
    let (sep, len) = RANGE
        .iter()
        .find(|w| trimmed.starts_with(*w))
        .map(|w| (Sep::Range, w.len()))
        .or_else(|| {
            LIST.iter()
                .find(|w| trimmed.starts_with(*w))
                .map(|w| (Sep::List, w.len()))
        })?;
    let after = trimmed.get(len..)?;
    let after_trimmed = after.trim_start_matches([' ', '\u{3000}']);
    Some((
        sep,
        at + skipped + len + (after.len() - after_trimmed.len()),
    ))
}

/// A list element that starts below the article level takes the article (and
/// paragraph) of the element before it: `第二十四条第一款、第二款`.
fn inherit(prev: &Element, next: Element) -> Element {
    match (next.article, next.paragraph) {
        (Some(_), _) => next,
        (None, Some(_)) => Element {
            article: prev.article,
            ..next
        },
        (None, None) => Element {
            article: prev.article,
            paragraph: prev.paragraph,
            ..next
        },
    }
}

type Cited = (ArticleNo, Option<u32>, Option<u32>);

/// The entries after `from` up to and including `to` when they form a range at
/// one level (articles, paragraphs of one article, items of one paragraph).
fn expand_range(from: &Element, to: &Element) -> Option<Vec<Cited>> {
    let (a, b) = (from.article?, to.article?);
    if a == b {
        // Paragraphs or items within one article.
        if from.item.is_none() && to.item.is_none() {
            let (p, q) = (from.paragraph?, to.paragraph?);
            return (p < q && q - p <= MAX_RANGE)
                .then(|| ((p + 1)..=q).map(|k| (a, Some(k), None)).collect());
        }
        let (i, j) = (from.item?, to.item?);
        if from.paragraph != to.paragraph {
            return None;
        }
        return (i < j && j - i <= MAX_RANGE)
            .then(|| ((i + 1)..=j).map(|k| (a, to.paragraph, Some(k))).collect());
    }
    if a.sub == 0 && b.sub == 0 && a.number < b.number && b.number - a.number <= MAX_RANGE {
        let mut out: Vec<Cited> = ((a.number + 1)..b.number)
            .map(|n| (ArticleNo::new(n), None, None))
            .collect();
        out.push((b, to.paragraph, to.item));
        return Some(out);
    }
    if a.number == b.number && a.sub < b.sub && b.sub - a.sub <= MAX_RANGE {
        let mut out: Vec<Cited> = ((a.sub + 1)..b.sub)
            .map(|s| (ArticleNo::with_sub(a.number, s), None, None))
            .collect();
        out.push((b, to.paragraph, to.item));
        return Some(out);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::citation::NameList;
    use proptest::prelude::*;

    fn names() -> NameList {
        NameList::new([
            "中华人民共和国安全生产法",
            "安全生产法",
            "安法",
            "消防法",
            "刑法",
            "危险化学品安全法",
            "危化品法",
        ])
    }

    /// Renders citations as `law key[款p][项i]`, joined by `; `.
    fn render(found: &[FoundCitation]) -> String {
        found
            .iter()
            .map(|c| {
                let mut s = format!("{} {}", c.law, c.article.key());
                if let Some(p) = c.paragraph {
                    s.push_str(&format!(" 款{p}"));
                }
                if let Some(i) = c.item {
                    s.push_str(&format!(" 项{i}"));
                }
                s
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    #[track_caller]
    fn check(text: &str, expect: &str) {
        let got = render(&find_citations(text, &names()));
        assert_eq!(got, expect, "finding citations in `{text}`");
    }

    #[track_caller]
    fn check_in(current: &str, text: &str, expect: &str) {
        let options = FindOptions {
            current_law: Some(current.to_string()),
        };
        let got = render(&find_citations_with(text, &names(), &options));
        assert_eq!(got, expect, "finding citations in `{text}`");
    }

    #[track_caller]
    fn check_spans(text: &str, expect: &[&str]) {
        let found = find_citations(text, &names());
        let got: Vec<&str> = found.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(got, expect, "spans in `{text}`");
        for c in &found {
            assert_eq!(&text[c.span.clone()], c.text);
        }
    }

    #[test]
    fn titles_in_angle_brackets() {
        check("依照《安全生产法》第二十四条的规定", "安全生产法 24");
        check(
            "《中华人民共和国消防法》第十六条第一款第三项",
            "中华人民共和国消防法 16 款1 项3",
        );
        check("《某某省安全生产条例》第 8 条", "某某省安全生产条例 8");
        check("《安全生产法》24条", "安全生产法 24");
        check("《刑法》第一百三十四条之一", "刑法 134-1");
        check("《刑法》第134条之一", "刑法 134-1");
        check(
            "《关于修改〈中华人民共和国安全生产法〉的决定》第一条",
            "关于修改〈中华人民共和国安全生产法〉的决定 1",
        );
        check("《刑法修正案（十一）》第三条", "刑法修正案（十一） 3");
        check(
            "根据《安全生产法》第二十四条第二款第（一）项",
            "安全生产法 24 款2 项1",
        );
    }

    #[test]
    fn short_names_without_brackets() {
        check("企业违反安全生产法第二十四条", "安全生产法 24");
        check(
            "违反中华人民共和国安全生产法第二十四条",
            "中华人民共和国安全生产法 24",
        );
        check("安法24条、危化品法 39条", "安法 24; 危化品法 39");
        check("刑法134条之一规定的危险作业罪", "刑法 134-1");
        check(
            "依据某某市危险作业管理办法第十二条处理",
            "某某市危险作业管理办法 12",
        );
        check("按照有关规定第三条", "有关规定 3");
        check("刑法134条之一", "刑法 134-1");
        check("依据“安全生产法”第24条", "安全生产法 24");
        check("依据「某某安全条例」第三条", "某某安全条例 3");
        check("所谓“三同时”第一条", "");
        check("《安全生产法》（2021年修正）第二十四条", "安全生产法 24");
        check("安全生产法(2021)第二十四条", "安全生产法 24");
        check("安全生产法（2014年版）第二十四条", "安全生产法 24");
        check("《刑法修正案（十一）》第三条", "刑法修正案（十一） 3");
        check("按照办法第三条", "");
        check("依法第三条", "");
        check("违反宪法第五条", "宪法 5");
        check("将刑法第十七条修改为", "刑法 17");
        check("属于某市中华人民共和国宪法第一条", "中华人民共和国宪法 1");
        check("中介组织的人员犯刑法第二百二十九条", "刑法 229");
        check("应当依照某市燃气管理条例第八条", "某市燃气管理条例 8");
        check("违反对外贸易法第八条", "对外贸易法 8");
    }

    #[test]
    fn arabic_and_chinese_numerals() {
        check("安全生产法第24条第2款", "安全生产法 24 款2");
        check("安全生产法第二十四条第二款", "安全生产法 24 款2");
        check("安全生产法第１０条", "安全生产法 10");
        check("安全生产法第一百零五条", "安全生产法 105");
        check("安全生产法第一千二百六十条", "安全生产法 1260");
    }

    #[test]
    fn ranges_and_lists() {
        check(
            "《安全生产法》第三十条至第三十二条",
            "安全生产法 30; 安全生产法 31; 安全生产法 32",
        );
        check(
            "《安全生产法》第三十条、第三十一条和第三十三条",
            "安全生产法 30; 安全生产法 31; 安全生产法 33",
        );
        check("安法第30条-第32条", "安法 30; 安法 31; 安法 32");
        check("安法30条至32条", "安法 30; 安法 31; 安法 32");
        check(
            "安全生产法第二十四、二十五条",
            "安全生产法 24; 安全生产法 25",
        );
        check(
            "安全生产法第30至32条",
            "安全生产法 30; 安全生产法 31; 安全生产法 32",
        );
        check(
            "安全生产法第二十四、二十五条和第三十条",
            "安全生产法 24; 安全生产法 25; 安全生产法 30",
        );
        check(
            "安全生产法第三十条、三十一条",
            "安全生产法 30; 安全生产法 31",
        );
        check("第一、二次检查", "");
        check("《消防法》第一条。第二、三条例", "消防法 1");
        check(
            "安全生产法第二十四条第一款、第二款",
            "安全生产法 24 款1; 安全生产法 24 款2",
        );
        check(
            "安全生产法第二十四条第一款第一项至第三项",
            "安全生产法 24 款1 项1; 安全生产法 24 款1 项2; 安全生产法 24 款1 项3",
        );
        check(
            "刑法第一百三十四条之一至第一百三十四条之二",
            "刑法 134-1; 刑法 134-2",
        );
        // A backwards or absurd range is kept as two citations, not expanded.
        check("安法第32条至第30条", "安法 32; 安法 30");
        check("安法第1条至第9000条", "安法 1; 安法 9000");
        check(
            "《安全生产法》第三十条以及《消防法》第十六条",
            "安全生产法 30; 消防法 16",
        );
    }

    #[test]
    fn this_law_and_same_law() {
        check(
            "《消防法》第十六条规定了义务，该法第六十条规定了处罚",
            "消防法 16; 消防法 60",
        );
        check(
            "安全生产法第三条和同法第二十四条",
            "安全生产法 3; 安全生产法 24",
        );
        check_in(
            "中华人民共和国安全生产法",
            "违反本法第二十四条规定的",
            "中华人民共和国安全生产法 24",
        );
        check_in("某某条例", "依照本条例第五条", "某某条例 5");
        // Without a current law, 本法 means the law named last.
        check("《消防法》第一条……本法第二条", "消防法 1; 消防法 2");
        // Nothing named: 本法 cannot be resolved and is skipped.
        check("违反本法第二十四条", "");
        // 本解释 means a 解释: not the 消防法 named before.
        check("《消防法》第一条。本解释第七条、第八条", "消防法 1");
        check("《某某条例》第一条，该法第二条", "某某条例 1");
        // 基本法 is a name, not 本法.
        check_in("安全生产法", "香港基本法第二十三条", "香港基本法 23");
    }

    #[test]
    fn article_only_references() {
        check(
            "根据《安全生产法》的规定，企业应当依照第二十四条的规定配备安全管理人员",
            "安全生产法 24",
        );
        check("安全生产法对此有要求，依照第二十四条执行", "安全生产法 24");
        check_in("安全生产法", "依照第二十四条的规定", "安全生产法 24");
        check_in("安全生产法", "第二十四条第二款所列", "安全生产法 24 款2");
        // No law named anywhere: nothing to cite.
        check("依照第二十四条的规定", "");
        // An ordinal after a law was named is not a citation.
        check("《消防法》第一条写得好。第二条建议是多检查", "消防法 1");
        // Not a law title: does not become the context.
        check("取得《安全生产许可证》后，依照第五条", "");
    }

    #[test]
    fn alias_definitions() {
        check(
            "《中华人民共和国安全生产法》（以下简称《安法》）第三条。安法第四条",
            "中华人民共和国安全生产法 3; 中华人民共和国安全生产法 4",
        );
        check(
            "《某某省消防条例》（以下简称条例）第三条，条例第五条",
            "某某省消防条例 3; 某某省消防条例 5",
        );
    }

    #[test]
    fn no_false_positives() {
        check("第3天检查发现问题", "");
        check("这是第一次检查", "");
        check("安全生产法第一次修正", "");
        check("符合条件的企业", "");
        check("《安全生产法》第五条例外", "");
        check("第五条例", "");
        check("一条管道、两条生产线", "");
        check("本条第二款和前款规定", "");
        check_in("安全生产法", "依照前款规定，前条所列", "");
        check("2020年1月1日第九十九届测试代表会议第七次会议", "");
        check("安全生产法律法规第三条", "");
        check("《》第一条", "");
        check("《安全生产法第二十四条", "安全生产法 24");
        check("安法第0条", "");
    }

    #[test]
    fn spans_cover_the_citation() {
        check_spans(
            "依照《安全生产法》第二十四条、第二十五条的规定",
            &["《安全生产法》第二十四条", "第二十五条"],
        );
        check_spans(
            "安法第30条至第32条",
            &["安法第30条至第32条", "第30条至第32条", "第30条至第32条"],
        );
        check_spans("违反本法第三条", &[]);
    }

    proptest! {
        #[test]
        fn never_panics_and_spans_are_char_boundaries(
            text in "[《》〈〉（）()“”「」\"第条款项之至到、和及一二三十百零0-9 安全生产法本该同规定的年修正简称以下　a-z\\PC]{0,80}"
        ) {
            for c in find_citations(&text, &names()) {
                prop_assert!(text.is_char_boundary(c.span.start));
                prop_assert!(text.is_char_boundary(c.span.end));
                prop_assert!(c.span.start < c.span.end);
                prop_assert_eq!(text.get(c.span.clone()), Some(c.text.as_str()));
            }
            let options = FindOptions { current_law: Some("安全生产法".into()) };
            let _ = find_citations_with(&text, &names(), &options);
        }
    }
}
