//! Integration tests of the DataSet API (one test binary): operators against sequential
//! references, sources and sinks, and iterations.

mod aggregators;
mod extremes;
mod io;
mod iterations;
mod loop_spill;
mod operators;
mod solution_spill;
mod sort_group;
mod static_join_spill;
