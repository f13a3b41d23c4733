//! search (being built)
