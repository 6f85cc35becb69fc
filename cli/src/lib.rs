//! # strom-cli
//!
//! The `strom` command's library half: the built-in jobs ([`jobs`]), layered settings
//! ([`settings`]) and the local cluster launcher ([`cluster`]). The binary (`main.rs`)
//! only parses arguments and dispatches here; benchmarks call the jobs directly.
#![warn(missing_docs)]

pub mod cluster;
pub mod jobs;
pub mod settings;
