//! Dates as statutes print them (`2021年6月10日`, `2022-03-15`) and history
//! lines (`2021年6月10日 第十三届…第三次修正`).

use jiff::civil::Date;

use crate::statute::HistoryEvent;

/// Reads a date at the start of `text`; returns it and the rest of the line.
pub(crate) fn leading_date(text: &str) -> Option<(Date, &str)> {
    let t = text.trim_start();
    if let Some((y, rest)) = split_number(t)
        && let Some(rest) = rest.strip_prefix('年')
        && let Some((m, rest)) = split_number(rest)
        && let Some(rest) = rest.strip_prefix('月')
        && let Some((d, rest)) = split_number(rest)
        && let Some(rest) = rest.strip_prefix('日')
    {
        return make(y, m, d).map(|date| (date, rest));
    }
    // ISO form 2022-03-15
    let (y, rest) = split_number(t)?;
    let rest = rest.strip_prefix('-')?;
    let (m, rest) = split_number(rest)?;
    let rest = rest.strip_prefix('-')?;
    let (d, rest) = split_number(rest)?;
    make(y, m, d).map(|date| (date, rest))
}

/// A date inside a file name: `安全生产法(2021-06-10).md` → 2021-06-10.
pub(crate) fn date_in_file_name(name: &str) -> Option<Date> {
    let open = name.rfind('(').or_else(|| name.rfind('（'))?;
    let inner = name.get(open..)?;
    let inner = inner.trim_start_matches(['(', '（']);
    leading_date(inner).map(|(d, _)| d)
}

/// Parses `YYYY-MM-DD` (front matter, database columns).
pub(crate) fn parse_iso(text: &str) -> Option<Date> {
    let t = text.trim();
    match leading_date(t) {
        Some((d, rest)) if rest.trim().is_empty() => Some(d),
        _ => None,
    }
}

/// A history line: a leading date and the event text.
pub(crate) fn history_event(line: &str) -> Option<HistoryEvent> {
    let (date, rest) = leading_date(line)?;
    Some(HistoryEvent {
        date: Some(date),
        event: rest
            .trim()
            .trim_start_matches('\u{3000}')
            .trim()
            .to_string(),
    })
}

/// The date a history's events put into effect: the 施行 line, else the last
/// dated event.
pub(crate) fn effective_from_history(history: &[HistoryEvent]) -> Option<Date> {
    history
        .iter()
        .rev()
        .find(|e| e.event.ends_with("施行") || e.event.contains("起施行"))
        .and_then(|e| e.date)
        .or_else(|| history.iter().rev().find_map(|e| e.date))
}

/// The promulgation date of this version: the last 公布 line, else the last
/// dated event that is not the enactment (施行) line.
pub(crate) fn promulgated_from_history(history: &[HistoryEvent]) -> Option<Date> {
    history
        .iter()
        .rev()
        .find(|e| e.event.contains("公布"))
        .or_else(|| history.iter().rev().find(|e| !e.event.contains("施行")))
        .and_then(|e| e.date)
}

fn split_number(text: &str) -> Option<(i16, &str)> {
    let end = text
        .char_indices()
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(text.len(), |(i, _)| i);
    if end == 0 || end > 4 {
        return None;
    }
    let n = text.get(..end)?.parse().ok()?;
    Some((n, text.get(end..)?))
}

fn make(y: i16, m: i16, d: i16) -> Option<Date> {
    let m = i8::try_from(m).ok()?;
    let d = i8::try_from(d).ok()?;
    Date::new(y, m, d).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[track_caller]
    fn check(line: &str, expect: Option<(Date, &str)>) {
        let got = history_event(line).map(|e| (e.date.unwrap(), e.event));
        assert_eq!(
            got.as_ref().map(|(d, e)| (*d, e.as_str())),
            expect,
            "line `{line}`"
        );
    }

    #[test]
    fn reads_history_lines() {
        check(
            "2021年6月10日 第三次修正",
            Some((date(2021, 6, 10), "第三次修正")),
        );
        check(
            "2009年8月27日第一次修正",
            Some((date(2009, 8, 27), "第一次修正")),
        );
        check("1990年01月23日 施行", Some((date(1990, 1, 23), "施行")));
        check("2022-03-15", Some((date(2022, 3, 15), "")));
        check("2021年13月1日 施行", None);
        check("最高人民法院发布", None);
        check("", None);
    }

    #[test]
    fn file_name_dates() {
        assert_eq!(
            date_in_file_name("安全生产法(2021-06-10).md"),
            Some(date(2021, 6, 10))
        );
        assert_eq!(date_in_file_name("刑法修正案（十一）.md"), None);
        assert_eq!(date_in_file_name("侵权责任编.md"), None);
    }

    #[test]
    fn effective_prefers_the_enactment_line() {
        let h: Vec<_> = [
            "2018年12月5日 通过",
            "2019年2月17日 公布",
            "2019年4月1日 施行",
        ]
        .iter()
        .filter_map(|l| history_event(l))
        .collect();
        assert_eq!(effective_from_history(&h), Some(date(2019, 4, 1)));
        assert_eq!(promulgated_from_history(&h), Some(date(2019, 2, 17)));
        assert_eq!(effective_from_history(&h[..2]), Some(date(2019, 2, 17)));
    }
}
