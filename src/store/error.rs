//! What can go wrong in the store.

use std::path::PathBuf;

use crate::record::Problem;

/// A store failure. [`StoreError::Rejected`] is the caller's fault (HTTP
/// 422), [`StoreError::NotFound`] a missing thing (404); the rest are
/// server-side.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the record store at `{path}`: {why}")]
    Open { path: PathBuf, why: String },
    /// Another process (normally a running `regkb serve`) holds the store:
    /// sled allows one process at a time.
    #[error("记录库 `{}` 正被另一个进程（通常是运行中的 `regkb serve`）占用", path.display())]
    Locked { path: PathBuf },
    #[error("record store failure: {0}")]
    Sled(#[from] sled::Error),
    #[error("record store holds an unreadable entry: {0}")]
    Corrupt(String),
    /// The write was refused; nothing was written.
    #[error("record rejected: {} problem(s), first at `{}`: {}", .0.len(), .0.first().map(|p| p.pointer.as_str()).unwrap_or(""), .0.first().map(|p| p.message.as_str()).unwrap_or(""))]
    Rejected(Vec<Problem>),
    #[error("no such {what}: `{id}`")]
    NotFound { what: &'static str, id: String },
    /// A hidden danger refused a creation or transition (409 or 422).
    #[error(transparent)]
    Danger(#[from] crate::danger::DangerError),
    #[error("cannot make a random token: {0}")]
    Random(String),
}

impl StoreError {
    /// The problems of a rejected write, if that is what this is.
    pub fn problems(&self) -> Option<&[Problem]> {
        match self {
            StoreError::Rejected(p) => Some(p),
            _ => None,
        }
    }
}

impl From<sled::transaction::TransactionError<StoreError>> for StoreError {
    fn from(e: sled::transaction::TransactionError<StoreError>) -> Self {
        match e {
            sled::transaction::TransactionError::Abort(e) => e,
            sled::transaction::TransactionError::Storage(e) => StoreError::Sled(e),
        }
    }
}
