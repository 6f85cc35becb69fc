//! # strom-cep
//!
//! Complex event processing over Strom's DataStream API.
//!
//! Not built yet. It will compile a Pattern API into an NFA that runs per key in event
//! time, with timeouts, skip strategies and checkpointed partial matches.
#![warn(missing_docs)]
