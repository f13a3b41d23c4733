//! The shared test harness: the repository root, the record schema, a
//! fresh record store in a temporary folder, invented documents saved as an
//! imported source, and the `regkb` binary pointed at a data directory.

use std::path::Path;

use regkb::config::DataDir;
use regkb::library::storage::{StoredSource, save_source};
use regkb::record::Schema;
use regkb::statute::Document;
use regkb::store::Store;

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The record schema shipped in `rules/schema/`.
pub fn schema() -> Schema {
    Schema::load_dir(&repo().join("rules/schema")).unwrap()
}

/// An empty store in a temporary folder (kept as long as the folder is).
pub fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

/// Saves documents into `data` as one imported source named `key`.
pub fn save_documents(data: &DataDir, key: &str, origin: &str, documents: Vec<Document>) {
    save_source(
        data,
        &StoredSource {
            key: key.into(),
            origin: origin.into(),
            documents,
        },
    )
    .unwrap();
}

/// `regkb --data-dir DIR …`, ignoring any `REGKB_DATA_DIR` of the caller.
pub fn regkb_in(data_dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("regkb").unwrap();
    cmd.env_remove("REGKB_DATA_DIR")
        .arg("--data-dir")
        .arg(data_dir);
    cmd
}

/// A CLI report without its layout: miette wraps long lines to the terminal
/// and draws a margin, so compare text with whitespace and `│` removed.
pub fn unwrapped(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '│')
        .collect()
}
