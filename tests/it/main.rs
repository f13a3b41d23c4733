//! The one integration-test binary: a module per area.

mod check;
mod dsl;
mod record;
mod rules_cli;
