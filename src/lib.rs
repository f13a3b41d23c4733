//! regkb — a regulation knowledge base and compliance-check service for
//! China's work-safety (安全生产) supervision.
//!
//! See `ARCHITECTURE.md` for the map. The pure core ([`statute`],
//! [`citation`], [`dsl`], [`record`]) does no I/O; importers, the library,
//! search, the store and the front ends sit around it.

pub mod check;
pub mod citation;
pub mod cli;
pub mod config;
pub mod danger;
pub mod dashboard;
pub mod dsl;
pub mod error;
pub mod http;
pub mod import;
pub mod library;
pub mod pack;
pub mod plan;
pub mod planning;
pub mod record;
pub mod risk;
pub mod search;
pub mod statute;
pub mod store;
pub mod toml_words;
pub mod views;
pub mod visit;
pub mod web;

pub use error::{Error, Result};
