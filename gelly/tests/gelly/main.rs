//! Integration tests of `strom-gelly`: the classic jobs (PageRank, connected
//! components) against sequential references, and the Graph API and generators
//! against hand-computed cases, at one and several workers.

mod classic;
mod community;
mod generators;
mod graph_api;
mod incremental;
mod incremental_live;
mod iteration_options;
mod library;
mod link_analysis;
mod similarity;
mod structure;
mod support;
mod triads;
