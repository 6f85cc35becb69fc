//! # strom-cep
//!
//! Complex event processing over Strom's DataStream API, as Flink CEP: a
//! [`Pattern`] (Flink's Pattern API: contiguity, conditions, quantifiers, groups,
//! `within` over the whole match, per step or between a loop's events, after-match skip
//! strategies)
//! compiles into an NFA ([`Nfa`]) whose partial matches share their events and
//! common prefixes in a shared buffer. It sits above `strom-datastream`: [`pattern`] runs the
//! NFA per key on a keyed stream, its state kept as keyed state (checkpointed,
//! restored, rescaled by key group).
//!
//! ```
//! use strom_cep::{Nfa, Pattern};
//!
//! // Two readings above 100 in a row.
//! let p = Pattern::<i32>::begin("first").where_(|t| *t > 100).next("second").where_(|t| *t > 100);
//! let mut nfa = Nfa::compile(&p).unwrap();
//! let mut found = Vec::new();
//! for (ts, t) in [90, 101, 102, 99, 103].into_iter().enumerate() {
//!     found.extend(nfa.process(t, ts as i64).unwrap());
//! }
//! assert_eq!(found.len(), 1);
//! assert_eq!((found[0].get("first"), found[0].get("second")), (&[101][..], &[102][..]));
//! ```
#![warn(missing_docs)]

mod buffer;
mod compile;
mod condition;
mod error;
mod nfa;
mod pattern;
mod skip;
mod stream;

pub use condition::Ctx;
pub use error::{Error, Result};
pub use nfa::{Advanced, Match, Nfa, NfaState, TimedOut};
pub use pattern::{Pattern, WithinType};
pub use skip::{AfterMatchSkipStrategy, SkipTo};
pub use stream::{CepFunction, PatternProcessFunction, PatternStream, pattern, pattern_all};
