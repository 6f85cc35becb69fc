//! Integration tests of strom-datastream: one test binary, a module per area.

mod checkpoints;
mod connectors;
mod extension;
mod failures;
mod fixtures;
mod joins;
mod process;
mod sources;
mod triggers;
mod window_harness;
mod window_triggers;
mod windows;
