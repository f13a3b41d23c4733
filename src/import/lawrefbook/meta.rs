//! Metadata a LawRefBook file carries only implicitly: kind and region from
//! its folder, issuer from its history lines or title.

use std::path::{Component, Path};

use crate::statute::{DocKind, HistoryEvent};

/// Folder names of a checkout, first component first.
fn folders(rel: &Path) -> Vec<String> {
    let parent = rel.parent().unwrap_or(Path::new(""));
    parent
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

/// The kind a file's folder implies. Category folders of laws (宪法, 民法典,
/// 社会法, 刑法, …) and unknown folders give 法律.
pub(super) fn kind_from_path(rel: &Path) -> DocKind {
    let folders = folders(rel);
    if folders
        .iter()
        .any(|f| f == "DLC" || f == "地方性法规" || f.ends_with("地方法规"))
    {
        return DocKind::LocalRegulation;
    }
    match folders.first().map(String::as_str) {
        Some("行政法规") => DocKind::AdministrativeRegulation,
        Some("部门规章") => DocKind::DepartmentalRule,
        Some("司法解释") => DocKind::JudicialInterpretation,
        Some("案例") => DocKind::Case,
        _ => DocKind::Law,
    }
}

/// The region of a local regulation: the innermost folder under `DLC/`
/// (`DLC/浙江地方法规/地方性法规/浙江/…` → 浙江).
pub(super) fn region(kind: DocKind, rel: &Path) -> Option<String> {
    if kind != DocKind::LocalRegulation {
        return None;
    }
    let folders = folders(rel);
    folders
        .iter()
        .rev()
        .find(|f| {
            !matches!(f.as_str(), "DLC" | "地方性法规" | "地方政府规章") && !f.ends_with("地方法规")
        })
        .cloned()
        .or_else(|| {
            folders
                .iter()
                .find_map(|f| f.strip_suffix("地方法规").map(str::to_string))
        })
}

/// Who issued the document, where it can be told.
pub(super) fn issuer(
    kind: DocKind,
    title: &str,
    history: &[HistoryEvent],
    notes: &[String],
    rel: &Path,
) -> Option<String> {
    match kind {
        DocKind::JudicialInterpretation => {
            let head = title.split_once("关于").map_or(title, |(h, _)| h);
            let bodies: Vec<&str> = ["最高人民法院", "最高人民检察院"]
                .into_iter()
                .filter(|b| head.contains(b))
                .collect();
            if bodies.is_empty() {
                congress_from_history(history)
            } else {
                Some(bodies.join("、"))
            }
        }
        DocKind::DepartmentalRule => folders(rel).get(1).cloned(),
        DocKind::Case => notes
            .iter()
            .find_map(|n| n.strip_suffix("发布").map(|s| s.trim().to_string())),
        DocKind::AdministrativeRegulation => {
            if history.iter().any(|e| e.event.contains("国务院")) {
                Some("国务院".to_string())
            } else {
                congress_from_history(history)
            }
        }
        _ => congress_from_history(history),
    }
}

/// `第九届全国人民代表大会常务委员会第二十八次会议通过` → 全国人民代表大会常务委员会;
/// `浙江省第十届人民代表大会常务委员会…` → 浙江省人民代表大会常务委员会.
fn congress_from_history(history: &[HistoryEvent]) -> Option<String> {
    for e in history {
        for body in ["人民代表大会常务委员会", "人民代表大会"] {
            let Some(pos) = e.event.find(body) else {
                continue;
            };
            let before = e.event.get(..pos)?;
            let place = if before.contains("全国") {
                "全国"
            } else {
                // `浙江省第十届` → 浙江省 (drop the session number)
                match before.find('第') {
                    Some(i) if before.contains('届') => before.get(..i).unwrap_or_default(),
                    _ => before,
                }
            };
            let place = place.trim();
            if place.is_empty() {
                continue;
            }
            return Some(format!("{place}{body}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::dates::history_event;

    fn issuer_of(line: &str) -> Option<String> {
        congress_from_history(&[history_event(line).unwrap()])
    }

    #[test]
    fn issuers_from_history() {
        assert_eq!(
            issuer_of("2002年6月29日 第九届全国人民代表大会常务委员会第二十八次会议通过")
                .as_deref(),
            Some("全国人民代表大会常务委员会")
        );
        assert_eq!(
            issuer_of("2020年5月28日 第十三届全国人民代表大会第三次会议通过").as_deref(),
            Some("全国人民代表大会")
        );
        assert_eq!(
            issuer_of("2006年7月28日 浙江省第十届人民代表大会常务委员会第二十六次会议通过")
                .as_deref(),
            Some("浙江省人民代表大会常务委员会")
        );
        assert_eq!(issuer_of("2019年4月1日 施行"), None);
    }

    #[test]
    fn kinds_and_regions() {
        let p = Path::new("DLC/浙江地方法规/地方性法规/浙江/x(2016-07-29).md");
        assert_eq!(kind_from_path(p), DocKind::LocalRegulation);
        assert_eq!(region(DocKind::LocalRegulation, p).as_deref(), Some("浙江"));
        assert_eq!(kind_from_path(Path::new("社会法/x.md")), DocKind::Law);
        assert_eq!(
            kind_from_path(Path::new("部门规章/应急管理部/x.md")),
            DocKind::DepartmentalRule
        );
        assert_eq!(
            kind_from_path(Path::new("案例/消费购物/x.md")),
            DocKind::Case
        );
    }
}
