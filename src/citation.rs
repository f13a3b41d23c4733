//! citation (being built)
