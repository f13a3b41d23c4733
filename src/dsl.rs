//! dsl (being built)
