//! Which of an enterprise's hidden dangers are open and past their deadline
//! on a day, from the two places they are written down:
//!
//! - the township's **ledger** (the store's hidden dangers, with the audited
//!   closed loop): open and `deadline < day` ([`HiddenDanger::is_overdue`]);
//!   named `#7` by their ledger number;
//! - the record's own **`hidden_dangers[]`** (what the enterprise or a data
//!   feed reported): `status` other than 已销号 (an absent status counts as
//!   open) and a valid `deadline` before the day; named by their `id`, or
//!   `档案第 N 条` when they have none.
//!
//! One danger present in both is counted once. They are the same danger when
//! the record entry's `id` is the ledger number (`7` or `#7`) — the only link
//! the two carry; titles and dates are not compared, because two distinct
//! dangers found on one visit often share a level, a day and a deadline. The
//! ledger then decides (its state is audited): a record entry that matches a
//! ledger danger of the same enterprise is never counted on its own.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::danger::HiddenDanger;

/// How a ledger danger is named in components and pages: `#7`.
pub fn danger_label(d: &HiddenDanger) -> String {
    format!("#{}", d.id)
}

/// The names of the open hidden dangers past their deadline on `day`:
/// ledger dangers of this enterprise first (by number), then record entries
/// not in the ledger (in record order). `ledger` may hold other
/// enterprises' dangers; they are ignored.
pub fn overdue_dangers(
    ledger: &[HiddenDanger],
    record: &Value,
    day: jiff::civil::Date,
) -> Vec<String> {
    let uscc = record.get("uscc").and_then(Value::as_str).unwrap_or("");
    let mine: Vec<&HiddenDanger> = ledger.iter().filter(|d| d.uscc.as_str() == uscc).collect();
    let numbers: BTreeSet<String> = mine.iter().map(|d| d.id.to_string()).collect();
    let mut ids: Vec<&HiddenDanger> = mine.into_iter().filter(|d| d.is_overdue(day)).collect();
    ids.sort_by_key(|d| d.id);
    let mut out: Vec<String> = ids.into_iter().map(danger_label).collect();
    let entries = record
        .get("hidden_dangers")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, entry) in entries.iter().enumerate() {
        let text = |k: &str| entry.get(k).and_then(Value::as_str);
        let id = text("id").map(str::trim).filter(|s| !s.is_empty());
        if id.is_some_and(|id| numbers.contains(id.trim_start_matches('#'))) {
            continue;
        }
        if text("status") == Some("已销号") {
            continue;
        }
        let Some(deadline) = text("deadline").and_then(|s| s.parse::<jiff::civil::Date>().ok())
        else {
            continue;
        };
        if deadline < day {
            let name = id.map_or_else(|| format!("档案第 {} 条", i + 1), str::to_owned);
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::danger::{Level, Source, State};

    const USCC: &str = "91330481MA2B00000Y";

    fn ledger(id: u64, uscc: &str, deadline: &str, state: State) -> HiddenDanger {
        let mut d = HiddenDanger::new(
            id,
            uscc.parse().unwrap(),
            None,
            Level::General,
            "测试隐患",
            Source::Inspector {
                text: "测试".into(),
            },
            "2026-01-01T00:00:00Z".parse().unwrap(),
            "甲",
            "乙",
            deadline.parse().unwrap(),
        );
        d.state = state;
        d
    }

    fn check(ledger: &[HiddenDanger], entries: Value, day: &str, expect: &[&str]) {
        let record = json!({"uscc": USCC, "hidden_dangers": entries});
        let got = overdue_dangers(ledger, &record, day.parse().unwrap());
        assert_eq!(got, expect, "{entries}");
    }

    #[test]
    fn ledger_dangers_past_their_deadline_and_open() {
        let l = [
            ledger(3, USCC, "2026-06-30", State::InProgress),
            ledger(1, USCC, "2026-06-30", State::Pending),
            ledger(2, USCC, "2026-06-30", State::Closed),
            ledger(4, USCC, "2026-07-01", State::Pending),
            ledger(5, "91330481MA2B00001W", "2026-01-01", State::Pending),
        ];
        // the deadline day itself is not overdue yet
        check(&l, json!([]), "2026-06-30", &[]);
        check(&l, json!([]), "2026-07-01", &["#1", "#3"]);
        check(&l, json!([]), "2026-07-02", &["#1", "#3", "#4"]);
    }

    #[test]
    fn record_entries_open_with_a_past_deadline() {
        let entries = json!([
            {"id": "HD-1", "deadline": "2026-05-01", "status": "整改中"},
            {"id": "HD-2", "deadline": "2026-05-01", "status": "已销号"},
            {"id": "HD-3", "deadline": "2026-09-01", "status": "待整改"},
            {"id": "HD-4", "deadline": "2026-05-01"},
            {"deadline": "2026-05-01", "status": "待验收"},
            {"id": "HD-6", "status": "待整改"},
            {"id": "HD-7", "deadline": "五月", "status": "待整改"},
            {"id": "HD-1", "deadline": "2026-04-01", "status": "待整改"}
        ]);
        check(&[], entries, "2026-06-01", &["HD-1", "HD-4", "档案第 5 条"]);
    }

    #[test]
    fn one_danger_in_both_counts_once_and_the_ledger_decides() {
        let open = [ledger(7, USCC, "2026-05-01", State::InProgress)];
        let closed = [ledger(7, USCC, "2026-05-01", State::Closed)];
        let entry = |id: &str| json!([{"id": id, "deadline": "2026-05-01", "status": "整改中"}]);
        check(&open, entry("7"), "2026-06-01", &["#7"]);
        check(&open, entry("#7"), "2026-06-01", &["#7"]);
        // closed in the ledger: the stale record entry does not count
        check(&closed, entry("7"), "2026-06-01", &[]);
        // a different id is a different danger
        check(&closed, entry("HD-7"), "2026-06-01", &["HD-7"]);
        // another enterprise's ledger number 7 does not hide this entry
        let other = [ledger(
            7,
            "91330481MA2B00001W",
            "2026-05-01",
            State::Pending,
        )];
        check(&other, entry("7"), "2026-06-01", &["7"]);
    }
}
