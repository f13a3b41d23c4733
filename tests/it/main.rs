//! The one integration-test binary: a module per area.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod check;
mod dsl;
mod record;
mod rules_cli;
