//! Integration tests of strom-datastream: one test binary, a module per area.

mod checkpoints;
mod extension;
mod fixtures;
mod joins;
mod process;
mod sources;
mod triggers;
mod window_harness;
mod window_triggers;
mod windows;
