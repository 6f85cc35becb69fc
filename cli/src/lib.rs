//! # strom-cli
//!
//! The `strom` command's library half: the built-in jobs ([`jobs`]), layered settings
//! ([`settings`]), the local cluster launcher ([`cluster`]) and job control
//! ([`control`]: the REST endpoint every job serves, and the commands that use it). The binary (`main.rs`)
//! only parses arguments and dispatches here; benchmarks call the jobs directly.
#![warn(missing_docs)]

pub mod cluster;
pub mod control;
pub mod jobs;
pub mod settings;
