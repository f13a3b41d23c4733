//! Where regkb keeps its files.
//!
//! The data directory holds imported sources, the search index, the record
//! store and download caches. It is chosen by `--data-dir`, else the
//! `REGKB_DATA_DIR` environment variable, else `$XDG_DATA_HOME/regkb`
//! (`~/.local/share/regkb`). The project's own content (`corpus/`, `rules/`)
//! is found next to the sources by default and can be pointed elsewhere.
//!
//! ```
//! use regkb::config::DataDir;
//! let d = DataDir::new("/tmp/x");
//! assert!(d.index_dir().ends_with("index"));
//! ```

use std::path::{Path, PathBuf};

/// The data directory and the well-known places inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }

    /// The documented default: `$XDG_DATA_HOME/regkb`, else `~/.local/share/regkb`,
    /// else `./regkb-data` when no home directory is known.
    pub fn default_location() -> PathBuf {
        if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            return PathBuf::from(xdg).join("regkb");
        }
        if let Some(home) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            return PathBuf::from(home).join(".local/share/regkb");
        }
        PathBuf::from("regkb-data")
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Imported sources, one JSON file per source.
    pub fn library_dir(&self) -> PathBuf {
        self.root.join("library")
    }

    /// The tantivy index.
    pub fn index_dir(&self) -> PathBuf {
        self.root.join("index")
    }

    /// The sled store of enterprise records.
    pub fn store_dir(&self) -> PathBuf {
        self.root.join("store")
    }

    /// Downloads (the default statute source's wheel and database).
    pub fn cache_dir(&self) -> PathBuf {
        self.root.join("cache")
    }
}

/// The project's own content: interpretations, cases, dictionaries and rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentPaths {
    pub corpus_dir: PathBuf,
    pub rules_dir: PathBuf,
}

impl Default for ContentPaths {
    /// The folders of the source checkout the binary was built from.
    fn default() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        ContentPaths {
            corpus_dir: root.join("corpus"),
            rules_dir: root.join("rules"),
        }
    }
}

/// Where everything is: the data directory and the content folders. Every
/// front end (CLI, HTTP) builds one at start-up and passes it down.
#[derive(Debug, Clone)]
pub struct Context {
    pub data: DataDir,
    pub content: ContentPaths,
}
