//! LawRefBook Markdown (being built).

use std::path::Path;

use crate::statute::Document;

use super::{Imported, Skipped};

/// Imports every statute file under `dir`.
pub fn import_lawrefbook(_dir: &Path) -> Result<Imported, super::ImportError> {
    Ok(Imported::default())
}

/// Parses one file.
pub fn parse_lawrefbook_file(_text: &str, path: &str) -> Result<Vec<Document>, Skipped> {
    Err(Skipped::new(path, 0, "not built yet"))
}
