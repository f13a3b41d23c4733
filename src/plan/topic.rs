//! Checklist topics: an item's topic is the *schema area* of the record the
//! finding is about (`安全生产管理机构及人员`, `特种作业人员`, `消防安全`…),
//! because an inspector walks a site by area, not by statute. The area is the
//! top-level record field of the finding's first missing pointer, else of its
//! first fact that is not one of the classification fields that only decide
//! whether a rule applies (`category`, `employees`, `hazchem_activities`, …);
//! findings with neither are under [`OTHER_TOPIC`]. The label is the schema's
//! description of that field, cut at the first bracket or comma.
//!
//! Used by the joint plan and by the web pages' printable checklist.

use crate::check::Finding;
use crate::record::Schema;

/// Top-level fields that only classify an enterprise (they decide whether
/// a rule applies); never a checklist topic when another field is named.
pub const CLASSIFYING: [&str; 7] = [
    "uscc",
    "name",
    "region",
    "category",
    "employees",
    "hazchem_activities",
    "in_chemical_park",
];

/// Topic for findings that name no area.
pub const OTHER_TOPIC: &str = "其他事项";

/// The checklist topic of a finding (see the module documentation).
pub fn topic_of(f: &Finding, schema: &Schema) -> String {
    let field = f
        .missing
        .iter()
        .find_map(|m| top_field(m.as_str()))
        .or_else(|| {
            f.facts
                .iter()
                .find_map(|fact| top_field(fact.path.as_str()))
        });
    match field {
        Some(field) => topic_label(schema, field),
        None => OTHER_TOPIC.to_string(),
    }
}

/// The topic of a top-level record field: the schema's short description of
/// it, else the field's name.
pub fn topic_label(schema: &Schema, field: &str) -> String {
    schema
        .descriptions
        .get(field)
        .map(|d| short_label(d))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| field.to_string())
}

/// The top-level field of a JSON pointer or dotted path, unless it is a
/// derived value or a classifying field.
pub fn top_field(pointer: &str) -> Option<&str> {
    if pointer.starts_with("derived:") {
        return None;
    }
    let first = pointer.split(['/', '.']).find(|s| !s.is_empty())?;
    (!CLASSIFYING.contains(&first)).then_some(first)
}

/// A description up to its first bracket, comma or semicolon.
pub fn short_label(description: &str) -> String {
    description
        .split(['（', '(', '，', ',', '；', ';'])
        .next()
        .unwrap_or(description)
        .trim()
        .to_string()
}
