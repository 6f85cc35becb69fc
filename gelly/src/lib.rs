//! # strom-gelly
//!
//! Graph analytics over Strom's DataSet API (and, later, incremental graphs over
//! DataStream), in the spirit of Flink's Gelly.
//!
//! Not built yet. It will hold `Graph<K, VV, EV>` built from edge and vertex data sets,
//! the vertex-centric, scatter-gather and gather-sum-apply iteration models, and the
//! algorithm library (PageRank, connected components, SSSP, label propagation,
//! triangles, HITS, clustering coefficients, similarity).
#![warn(missing_docs)]
