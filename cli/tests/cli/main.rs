//! Integration tests of the `strom` binary (one test binary for the crate).

mod cep_fraud;
mod cep_monitoring;
mod cluster;
mod control;
mod deploy;
mod disk_state;
mod errors;
mod graph;
mod graph_algorithms;
mod graph_stream;
mod http;
mod kafka;
mod kafka_broker;
mod kafka_topics;
mod library_operator;
mod ml;
mod operations;
mod outputs;
mod recovery;
mod s3;
mod streaming;
mod support;
mod terasort;
mod tpch;
mod window_agg;
mod wordcount;
