//! Chinese numerals as used in statute numbering, both ways.
//!
//! Article numbers run to four digits (民法典 has 第一千二百六十条), so the
//! converter covers 零 to 九千九百九十九 plus 万 for completeness, and accepts
//! the variants that appear in real texts (两, 〇, 壹贰叁 are not used in statutes).
//!
//! ```
//! use regkb::statute::numeral::{parse_chinese_numeral, to_chinese_numeral};
//! assert_eq!(parse_chinese_numeral("一百三十四"), Some(134));
//! assert_eq!(to_chinese_numeral(134), "一百三十四");
//! ```

/// Parses a Chinese numeral such as `二十四`, `一百零五`, `十`, or a string of
/// Arabic digits (including full-width ones). Returns `None` for anything else.
pub fn parse_chinese_numeral(text: &str) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text
        .chars()
        .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
    {
        let ascii: String = text
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or('0'),
                other => other,
            })
            .collect();
        return ascii.parse().ok();
    }
    let mut total: u32 = 0; // completed groups above 万
    let mut section: u32 = 0; // value below 万
    let mut digit: Option<u32> = None;
    let mut last_unit = u32::MAX;
    for c in text.chars() {
        if let Some(d) = digit_value(c) {
            if digit.is_some() {
                // Two digits in a row (e.g. "一二") is not a numeral; "零" is allowed
                // between groups and is consumed as a separator.
                if d != 0 {
                    return None;
                }
                continue;
            }
            digit = if d == 0 { None } else { Some(d) };
            continue;
        }
        let unit = unit_value(c)?;
        if unit == 10_000 {
            section += digit.take().unwrap_or(0);
            if section == 0 {
                return None;
            }
            total = total.checked_add(section.checked_mul(10_000)?)?;
            section = 0;
            last_unit = u32::MAX;
            continue;
        }
        if unit >= last_unit {
            return None; // units must decrease: 一百千 is malformed
        }
        // A bare 十 at the start means 一十 (十二 = 12).
        let d = digit.take().unwrap_or(1);
        section += d * unit;
        last_unit = unit;
    }
    section += digit.unwrap_or(0);
    total.checked_add(section)
}

/// Formats a number as a Chinese numeral the way statutes write it:
/// `10` → `十`, `110` → `一百一十`, `105` → `一百零五`, `1260` → `一千二百六十`.
pub fn to_chinese_numeral(n: u32) -> String {
    if n == 0 {
        return "零".to_string();
    }
    if n >= 10_000 {
        let high = to_chinese_numeral(n / 10_000);
        let low = n % 10_000;
        return if low == 0 {
            format!("{high}万")
        } else if low < 1000 {
            format!("{high}万零{}", to_chinese_numeral(low))
        } else {
            format!("{high}万{}", to_chinese_numeral(low))
        };
    }
    const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let places = [(1000, '千'), (100, '百'), (10, '十'), (1, ' ')];
    let mut out = String::new();
    let mut pending_zero = false;
    for (value, unit) in places {
        let d = (n / value) % 10;
        if d == 0 {
            if !out.is_empty() {
                pending_zero = true;
            }
            continue;
        }
        if pending_zero {
            out.push('零');
            pending_zero = false;
        }
        // Statutes write 十 not 一十 when it leads (第十条), but 一百一十 inside.
        let leading_ten = value == 10 && d == 1 && out.is_empty();
        if !leading_ten {
            out.push(DIGITS.get(d as usize).copied().unwrap_or('零'));
        }
        if value > 1 {
            out.push(unit);
        }
    }
    out
}

/// Whether `c` can be part of a numeral: ASCII or full-width digits, or a
/// Chinese digit or unit below 万 (the characters article numbers use).
pub fn is_numeral_char(c: char) -> bool {
    c.is_ascii_digit()
        || ('０'..='９').contains(&c)
        || digit_value(c).is_some()
        || matches!(c, '十' | '百' | '千')
}

fn digit_value(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn unit_value(c: char) -> Option<u32> {
    Some(match c {
        '十' => 10,
        '百' => 100,
        '千' => 1000,
        '万' => 10_000,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn check(text: &str, expect: Option<u32>) {
        assert_eq!(parse_chinese_numeral(text), expect, "parsing `{text}`");
    }

    #[test]
    fn parses_statute_numbers() {
        check("一", Some(1));
        check("十", Some(10));
        check("十二", Some(12));
        check("二十", Some(20));
        check("二十四", Some(24));
        check("一百", Some(100));
        check("一百零五", Some(105));
        check("一百一十", Some(110));
        check("一百三十四", Some(134));
        check("一千二百六十", Some(1260));
        check("一千零一", Some(1001));
        check("两百", Some(200));
        check("24", Some(24));
        check("２４", Some(24));
    }

    #[test]
    fn rejects_non_numerals() {
        check("", None);
        check("条", None);
        check("一二", None);
        check("一百千", None);
        check("二十四条", None);
        check("-1", None);
    }

    #[test]
    fn formats_like_statutes() {
        assert_eq!(to_chinese_numeral(10), "十");
        assert_eq!(to_chinese_numeral(15), "十五");
        assert_eq!(to_chinese_numeral(110), "一百一十");
        assert_eq!(to_chinese_numeral(105), "一百零五");
        assert_eq!(to_chinese_numeral(1001), "一千零一");
        assert_eq!(to_chinese_numeral(1260), "一千二百六十");
        assert_eq!(to_chinese_numeral(2010), "二千零一十");
    }

    proptest! {
        #[test]
        fn round_trips(n in 0u32..100_000_000) {
            prop_assert_eq!(parse_chinese_numeral(&to_chinese_numeral(n)), Some(n));
        }

        #[test]
        fn never_panics(s in "\\PC{0,12}") {
            let _ = parse_chinese_numeral(&s);
        }
    }
}
