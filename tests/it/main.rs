//! The integration-test binary: one module per area.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod bad_input;
mod browser;
mod check;
mod cite;
mod danger;
mod dashboard;
mod default_corpus;
mod dsl;
mod durability;
mod http;
mod import;
mod packs;
mod plan;
mod record;
mod risk;
mod rules_cli;
mod search;
mod show;
mod store;
mod support;
mod township;
mod visit;
mod web;
mod web_enterprises;
mod web_rules;
