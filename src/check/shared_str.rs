//! [`SharedStr`]: the string type of a finding's texts that are often the
//! same from record to record (the rule id, the default pass and
//! not-applicable explanations, JSON pointers of fields read from the root,
//! labels of derived values). It is a fixed text, a shared one (a
//! reference-count increment to copy) or an owned one, and behaves like a
//! `&str` everywhere: it derefs to `str`, compares with `str`, `&str` and
//! `String`, and serialises as a plain JSON string.
//!
//! ```
//! use regkb::check::SharedStr;
//! let a = SharedStr::from_static("本条不适用于该企业");
//! let b = SharedStr::from(String::from("本条不适用于该企业"));
//! assert_eq!(a, b);
//! assert_eq!(a, "本条不适用于该企业");
//! assert!(a.starts_with("本条"));
//! assert_eq!(serde_json::to_string(&a).unwrap(), "\"本条不适用于该企业\"");
//! ```

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A string that is fixed, shared or owned; see the module documentation.
#[derive(Clone)]
pub struct SharedStr(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
    Owned(String),
}

impl SharedStr {
    pub const fn from_static(s: &'static str) -> Self {
        SharedStr(Repr::Static(s))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(s) => s,
            Repr::Shared(s) => s,
            Repr::Owned(s) => s,
        }
    }

    /// An owned copy of the text.
    pub fn into_string(self) -> String {
        match self.0 {
            Repr::Owned(s) => s,
            other => SharedStr(other).as_str().to_string(),
        }
    }
}

impl Default for SharedStr {
    fn default() -> Self {
        SharedStr::from_static("")
    }
}

impl Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> Self {
        SharedStr(Repr::Owned(s))
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> Self {
        SharedStr(Repr::Owned(s.to_string()))
    }
}

impl From<Arc<str>> for SharedStr {
    fn from(s: Arc<str>) -> Self {
        SharedStr(Repr::Shared(s))
    }
}

impl From<&Arc<str>> for SharedStr {
    fn from(s: &Arc<str>) -> Self {
        SharedStr(Repr::Shared(Arc::clone(s)))
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> Self {
        s.into_string()
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl PartialOrd for SharedStr {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SharedStr {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for SharedStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<SharedStr> for String {
    fn eq(&self, other: &SharedStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for SharedStr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SharedStr::from)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_compares_hashes_and_serialises_by_its_text() {
        use std::collections::hash_map::DefaultHasher;
        let kinds = [
            SharedStr::from_static("/employees"),
            SharedStr::from(Arc::<str>::from("/employees")),
            SharedStr::from(String::from("/employees")),
        ];
        let hash = |s: &SharedStr| {
            let mut h = DefaultHasher::new();
            s.hash(&mut h);
            h.finish()
        };
        let mut h = DefaultHasher::new();
        "/employees".hash(&mut h);
        for k in &kinds {
            assert_eq!(k, &kinds[0]);
            assert_eq!(hash(k), h.clone().finish());
            assert_eq!(serde_json::to_string(k).unwrap(), "\"/employees\"");
            assert_eq!(k.clone().into_string(), "/employees");
        }
        let (a, b) = (SharedStr::from_static("a"), SharedStr::from("b"));
        assert!(a < b);
        let back: SharedStr = serde_json::from_str("\"/x\"").unwrap();
        assert_eq!(back, "/x");
        assert_eq!(format!("{back} {back:?}"), "/x \"/x\"");
    }
}
