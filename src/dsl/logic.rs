//! Three-valued logic (Kleene): `true`, `false` and `unknown` (a needed fact
//! is absent). `false and unknown` = false, `true or unknown` = true,
//! `not unknown` = unknown.
//!
//! ```
//! use regkb::dsl::Truth;
//! assert_eq!(Truth::False.and(Truth::Unknown), Truth::False);
//! assert_eq!(Truth::True.or(Truth::Unknown), Truth::True);
//! assert_eq!(Truth::Unknown.not(), Truth::Unknown);
//! ```

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    pub fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        }
    }

    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}
