//! Why a visit cannot be recorded.

use crate::record::Problem;
use crate::store::StoreError;

/// A visit refused (nothing was written) or a store failure.
#[derive(Debug, thiserror::Error)]
pub enum VisitError {
    /// The submission has problems, each by JSON pointer into it
    /// (`/items/2/danger/owner`): HTTP 422.
    #[error("现场检查记录有 {} 处问题，首个在 `{}`：{}", .0.len(), .0.first().map(|p| p.pointer.as_str()).unwrap_or(""), .0.first().map(|p| p.message.as_str()).unwrap_or(""))]
    Invalid(Vec<Problem>),
    /// No record of the enterprise (HTTP 404).
    #[error("找不到统一社会信用代码为 `{0}` 的企业档案")]
    UnknownEnterprise(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}
