//! A change token over files: sha256 of (relative path, size, mtime) of every
//! file under a set of roots, without reading file contents.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

pub(super) fn compute(roots: &[PathBuf]) -> Result<String> {
    let mut hasher = Sha256::new();
    for (i, root) in roots.iter().enumerate() {
        hasher.update(format!("root {i}\n").as_bytes());
        if !root.exists() {
            continue;
        }
        let mut entries: Vec<(String, u64, u128)> = Vec::new();
        for entry in walkdir::WalkDir::new(root).follow_links(true) {
            let entry = entry.map_err(|e| {
                let path = e.path().map(PathBuf::from).unwrap_or_else(|| root.clone());
                Error::io(path, std::io::Error::other(e.to_string()))
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let name = entry.file_name().to_string_lossy();
            if name.ends_with(".tmp") {
                continue;
            }
            let meta = entry
                .metadata()
                .map_err(|e| Error::io(entry.path(), std::io::Error::other(e.to_string())))?;
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            let rel = entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .display()
                .to_string();
            entries.push((rel, meta.len(), mtime));
        }
        entries.sort();
        for (rel, len, mtime) in entries {
            hasher.update(format!("{rel}\t{len}\t{mtime}\n").as_bytes());
        }
    }
    let digest = hasher.finalize();
    Ok(digest.iter().take(16).map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_when_a_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let roots = [dir.path().join("a"), dir.path().join("missing")];
        std::fs::create_dir_all(&roots[0]).unwrap();
        let empty = compute(&roots).unwrap();
        std::fs::write(roots[0].join("x.md"), "one").unwrap();
        let one = compute(&roots).unwrap();
        assert_ne!(empty, one);
        assert_eq!(one, compute(&roots).unwrap());
        std::fs::write(roots[0].join("x.md"), "longer").unwrap();
        assert_ne!(one, compute(&roots).unwrap());
    }
}
