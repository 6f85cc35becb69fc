//! Integration tests of strom-datastream: one test binary, a module per area.

mod process;
mod sources;
mod windows;
