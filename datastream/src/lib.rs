//! # strom-datastream
//!
//! Strom's DataStream API for unbounded streams, on the same execution layer as
//! `strom-dataset` (`strom-core` below it; `gelly`, `cep` and the CLI above it).
//!
//! Not built yet. It will hold `DataStream<T>` and `KeyedStream`, event time with
//! watermarks carried as timely frontiers, windows, keyed state and timers, and the
//! streaming sources and sinks (see `docs/` and DESIGN.md, "Time: one clock").
#![warn(missing_docs)]
