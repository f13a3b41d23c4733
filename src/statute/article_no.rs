//! Article numbers: `第一百三十四条之一` is article 134, sub-number 1.
//!
//! ```
//! use regkb::statute::ArticleNo;
//! let no: ArticleNo = "134之一".parse().unwrap();
//! assert_eq!(no.label(), "第一百三十四条之一");
//! assert_eq!("第二十四条".parse::<ArticleNo>().unwrap(), ArticleNo::new(24));
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::numeral::{parse_chinese_numeral, to_chinese_numeral};

/// The number of an article (条). `sub` is the 之N suffix of articles inserted by
/// amendment (0 for ordinary articles), so ordering by `(number, sub)` is
/// the order in the statute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ArticleNo {
    pub number: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub sub: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl ArticleNo {
    pub const fn new(number: u32) -> Self {
        ArticleNo { number, sub: 0 }
    }

    pub const fn with_sub(number: u32, sub: u32) -> Self {
        ArticleNo { number, sub }
    }

    /// The Chinese label as statutes print it: `第二十四条`, `第一百三十四条之一`.
    pub fn label(&self) -> String {
        let mut s = format!("第{}条", to_chinese_numeral(self.number));
        if self.sub > 0 {
            s.push('之');
            s.push_str(&to_chinese_numeral(self.sub));
        }
        s
    }

    /// A compact ASCII key used in provision ids and URLs: `24`, `134-1`.
    pub fn key(&self) -> String {
        if self.sub > 0 {
            format!("{}-{}", self.number, self.sub)
        } else {
            self.number.to_string()
        }
    }
}

impl fmt::Display for ArticleNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Why an article number could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an article number (expected e.g. 24, 第二十四条, 134之一)")]
pub struct ArticleNoError(pub String);

impl FromStr for ArticleNo {
    type Err = ArticleNoError;

    /// Accepts `24`, `24条`, `第24条`, `第二十四条`, `二十四`, `134之一`,
    /// `第一百三十四条之一`, `134-1`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ArticleNoError(s.to_string());
        let t = s.trim();
        let t = t.strip_prefix('第').unwrap_or(t);
        let (main, sub) = match t.split_once('之') {
            Some((m, sub)) => (m, Some(sub)),
            None => match t.split_once('-') {
                Some((m, sub)) => (m, Some(sub)),
                None => (t, None),
            },
        };
        let main = main.strip_suffix('条').unwrap_or(main);
        let number = parse_chinese_numeral(main)
            .filter(|n| *n > 0)
            .ok_or_else(err)?;
        let sub = match sub {
            Some(sub) => parse_chinese_numeral(sub)
                .filter(|n| *n > 0)
                .ok_or_else(err)?,
            None => 0,
        };
        Ok(ArticleNo { number, sub })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expect: Option<(u32, u32)>) {
        let got = input.parse::<ArticleNo>().ok().map(|n| (n.number, n.sub));
        assert_eq!(got, expect, "parsing `{input}`");
    }

    #[test]
    fn parses_all_spellings() {
        check("24", Some((24, 0)));
        check("24条", Some((24, 0)));
        check("第24条", Some((24, 0)));
        check("第二十四条", Some((24, 0)));
        check("二十四", Some((24, 0)));
        check("134之一", Some((134, 1)));
        check("第一百三十四条之一", Some((134, 1)));
        check("134-1", Some((134, 1)));
        check("0", None);
        check("第条", None);
        check("abc", None);
        check("134之", None);
    }

    #[test]
    fn labels_and_keys() {
        assert_eq!(ArticleNo::with_sub(134, 1).label(), "第一百三十四条之一");
        assert_eq!(ArticleNo::new(10).label(), "第十条");
        assert_eq!(ArticleNo::with_sub(134, 1).key(), "134-1");
        assert!(ArticleNo::new(134) < ArticleNo::with_sub(134, 1));
        assert!(ArticleNo::with_sub(134, 1) < ArticleNo::new(135));
    }
}
