//! Acknowledged writes survive SIGKILL: a child process writes a burst of
//! records (`regkb records stress`), printing each USCC after its write
//! returned; it is killed mid-burst and the store must open cleanly with
//! every acknowledged record in it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use regkb::record::Uscc;
use regkb::store::{Actor, Store};

fn burst_and_kill(data: &std::path::Path, seed: u64, kill_after: usize) -> Vec<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_regkb"))
        .arg("--data-dir")
        .arg(data)
        .args(["records", "stress", "--count", "100000", "--seed"])
        .arg(seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked = Vec::new();
    for line in lines.by_ref() {
        acked.push(line.unwrap());
        if acked.len() == kill_after {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix
    // acknowledgements already written before the kill count too
    acked.extend(lines.map_while(Result::ok));
    let status = child.wait().unwrap();
    assert!(!status.success(), "the burst finished before the kill");
    acked
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let mut all = Vec::new();
    for (seed, kill_after) in [(1, 120), (2, 37)] {
        let acked = burst_and_kill(data, seed, kill_after);
        assert!(acked.len() >= kill_after && acked.len() < 100_000);
        all.extend(acked);
        let store = Store::open(&data.join("store")).expect("the store opens after SIGKILL");
        for code in &all {
            let uscc: Uscc = code.parse().unwrap();
            let stored = store.get(&uscc, None).unwrap();
            let stored = stored.unwrap_or_else(|| panic!("acknowledged {code} is lost"));
            assert_eq!(stored.record["uscc"], code.as_str());
            assert!(!store.history(&uscc).unwrap().is_empty());
        }
        // still writable
        let schema = regkb::record::Schema::load_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/schema"),
        )
        .unwrap();
        let first: Uscc = all[0].parse().unwrap();
        store
            .patch(
                &first,
                serde_json::json!({"employees": 9}),
                &Actor::cli("test"),
                &schema,
            )
            .unwrap();
    }
}
