//! RFC 7396 JSON merge patch and the leaf pointers provenance is kept for.
//!
//! ```
//! use regkb::store::{merge_patch, leaf_pointers};
//! use serde_json::json;
//! let mut doc = json!({"a": 1, "b": {"c": 2, "d": 3}});
//! merge_patch(&mut doc, &json!({"a": null, "b": {"c": 5}, "e": [1]}));
//! assert_eq!(doc, json!({"b": {"c": 5, "d": 3}, "e": [1]}));
//! assert_eq!(leaf_pointers(&doc), ["/b/c", "/b/d", "/e"]);
//! ```

use serde_json::{Map, Value};

/// Applies `patch` to `target` as RFC 7396 says: objects merge member by
/// member, `null` removes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(map) = target {
        for (key, value) in members {
            if value.is_null() {
                map.remove(key);
            } else {
                let slot = map.entry(key.clone()).or_insert(Value::Null);
                merge_patch(slot, value);
            }
        }
    }
}

/// The JSON pointers of every leaf: objects are walked, anything else
/// (arrays included: a merge patch replaces them whole) is a leaf. An empty
/// object is a leaf too. Sorted (a `serde_json` map iterates in key order).
pub fn leaf_pointers(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(value, &mut String::new(), &mut out);
    out
}

fn walk(value: &Value, ptr: &mut String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                let saved = ptr.len();
                ptr.push('/');
                ptr.push_str(&key.replace('~', "~0").replace('/', "~1"));
                walk(child, ptr, out);
                ptr.truncate(saved);
            }
        }
        _ => out.push(ptr.clone()),
    }
}

/// Whether `pointer` is `prefix` or lies below it.
pub(super) fn under(pointer: &str, prefix: &str) -> bool {
    pointer == prefix
        || (pointer.starts_with(prefix) && pointer.as_bytes().get(prefix.len()) == Some(&b'/'))
        || prefix.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The examples of RFC 7396 appendix A.
    #[test]
    fn rfc_examples() {
        let cases = [
            (json!({"a":"b"}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"b"}), json!({"b":"c"}), json!({"a":"b","b":"c"})),
            (json!({"a":"b"}), json!({"a":null}), json!({})),
            (
                json!({"a":"b","b":"c"}),
                json!({"a":null}),
                json!({"b":"c"}),
            ),
            (json!({"a":["b"]}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"c"}), json!({"a":["b"]}), json!({"a":["b"]})),
            (
                json!({"a":{"b":"c"}}),
                json!({"a":{"b":"d","c":null}}),
                json!({"a":{"b":"d"}}),
            ),
            (json!({"a":[{"b":"c"}]}), json!({"a":[1]}), json!({"a":[1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a":"b"}), json!(["c"]), json!(["c"])),
            (json!({"a":"foo"}), json!(null), json!(null)),
            (json!({"a":"foo"}), json!("bar"), json!("bar")),
            (json!({"e":null}), json!({"a":1}), json!({"e":null,"a":1})),
            (json!([1, 2]), json!({"a":"b","c":null}), json!({"a":"b"})),
            (
                json!({}),
                json!({"a":{"bb":{"ccc":null}}}),
                json!({"a":{"bb":{}}}),
            ),
        ];
        for (target, patch, expect) in cases {
            check(target, &patch, &expect);
        }
    }

    #[test]
    fn pointers_escape_and_nest() {
        let doc = json!({"a/b": 1, "m~n": {"x": [1, 2], "y": {}}});
        assert_eq!(leaf_pointers(&doc), ["/a~1b", "/m~0n/x", "/m~0n/y"]);
        assert!(under("/region/county", "/region"));
        assert!(!under("/regionx", "/region"));
        assert!(under("/a", "/a"));
    }

    fn check(mut target: Value, patch: &Value, expect: &Value) {
        merge_patch(&mut target, patch);
        assert_eq!(&target, expect, "patch {patch}");
    }
}
