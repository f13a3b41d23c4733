//! 统一社会信用代码 (GB 32100-2015): 18 characters from `0-9 A-Z` without
//! I, O, S, V, Z; the 18th is a check character over the first 17.
//!
//! ```
//! use regkb::record::Uscc;
//! let code: Uscc = "91330481MA2B00000Y".parse().unwrap();
//! assert!(code.check_digit_ok());
//! let spec_example: Uscc = "91330481MA2B000001".parse().unwrap();
//! assert_eq!(spec_example.expected_check_char(), 'Y');
//! assert!("91330481MA2B0000I1".parse::<Uscc>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A well-formed 统一社会信用代码. The check character may still be wrong:
/// see [`Uscc::check_digit_ok`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

/// Why a text is not a 统一社会信用代码.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("应为18位，实际为{0}位")]
    Length(usize),
    #[error("第{position}位 `{found}` 不允许（只能是数字和除 I、O、S、V、Z 外的大写字母）")]
    Char { position: usize, found: char },
}

fn value_of(c: char) -> Option<u32> {
    CHARSET
        .chars()
        .position(|x| x == c)
        .and_then(|p| u32::try_from(p).ok())
}

impl Uscc {
    /// Completes 17 characters with their GB 32100 check character.
    pub fn with_check_char(body: &str) -> Result<Uscc, UsccError> {
        let mut code: Uscc = format!("{body}0").parse()?;
        let check = code.expected_check_char();
        code.0.pop();
        code.0.push(check);
        Ok(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The check character the first 17 characters call for.
    pub fn expected_check_char(&self) -> char {
        let sum: u32 = self
            .0
            .chars()
            .zip(WEIGHTS)
            .map(|(c, w)| value_of(c).unwrap_or(0) * w)
            .sum();
        let check = (31 - sum % 31) % 31;
        CHARSET.chars().nth(check as usize).unwrap_or('0')
    }

    /// Whether the 18th character matches GB 32100's check.
    pub fn check_digit_ok(&self) -> bool {
        self.0.ends_with(self.expected_check_char())
    }
}

impl FromStr for Uscc {
    type Err = UsccError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let count = s.chars().count();
        if count != 18 {
            return Err(UsccError::Length(count));
        }
        if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| value_of(*c).is_none()) {
            return Err(UsccError::Char {
                position: i + 1,
                found: c,
            });
        }
        Ok(Uscc(s.to_string()))
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `text` is a CAS registry number with a correct check digit
/// (`7782-50-5`). `Err` says what is wrong, in Chinese.
pub(crate) fn check_cas(text: &str) -> Result<(), String> {
    let parts: Vec<&str> = text.split('-').collect();
    let shape_ok = matches!(parts.as_slice(), [a, b, c]
        if (2..=7).contains(&a.len()) && b.len() == 2 && c.len() == 1
            && text.chars().all(|ch| ch.is_ascii_digit() || ch == '-'));
    if !shape_ok {
        return Err("CAS 号格式应为 `数字(2–7位)-数字(2位)-校验位`".to_string());
    }
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    let Some((check, body)) = digits.split_last() else {
        return Err("CAS 号为空".to_string());
    };
    let sum: u32 = body.iter().rev().zip(1u32..).map(|(d, w)| d * w).sum();
    if sum % 10 != *check {
        return Err(format!("CAS 号校验位应为 `{}`", sum % 10));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        let got = match input.parse::<Uscc>() {
            Ok(u) if u.check_digit_ok() => "ok".to_string(),
            Ok(u) => format!("check {}", u.expected_check_char()),
            Err(e) => e.to_string(),
        };
        assert_eq!(got, expect, "{input}");
    }

    #[test]
    fn uscc_table() {
        check("91330481MA2B00000Y", "ok");
        check("91330481MA2B000001", "check Y");
        check("91330481MA2B00000", "应为18位，实际为17位");
        check(
            "91330481MA2B0000O1",
            "第17位 `O` 不允许（只能是数字和除 I、O、S、V、Z 外的大写字母）",
        );
        check(
            "91330481ma2b000001",
            "第9位 `m` 不允许（只能是数字和除 I、O、S、V、Z 外的大写字母）",
        );
        check("91110000100000000R", "ok");
        check("911100001000000001", "check R");
        assert_eq!(
            Uscc::with_check_char("91330481MA2B00000").unwrap().as_str(),
            "91330481MA2B00000Y"
        );
    }

    #[test]
    fn cas_table() {
        assert_eq!(check_cas("7782-50-5"), Ok(()));
        assert_eq!(check_cas("7664-41-7"), Ok(()));
        assert_eq!(check_cas("67-56-1"), Ok(()));
        assert!(check_cas("7782-50-4").unwrap_err().contains("`5`"));
        assert!(check_cas("77825-5").is_err());
        assert!(check_cas("a-50-5").is_err());
    }
}
