//! Integration tests of strom-datastream: one test binary, a module per area.

mod joins;
mod process;
mod sources;
mod triggers;
mod windows;
