//! After-match skip strategies (Flink's `AfterMatchSkipStrategy`): which partial
//! matches a match discards, by the first event they started with.

use std::fmt;

use crate::buffer::{EventId, Path};
use crate::error::{Error, Result};

/// What to discard after a match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterMatchSkipStrategy {
    /// Keep every partial match: all matches are emitted.
    NoSkip,
    /// Discard partial matches that started with the match's first event.
    SkipToNext,
    /// Discard partial matches that started with any event of the match.
    SkipPastLastEvent,
    /// Discard partial matches that started before the first event of the variable.
    SkipToFirst(SkipTo),
    /// Discard partial matches that started before the last event of the variable.
    SkipToLast(SkipTo),
}

/// The target of `SkipToFirst`/`SkipToLast`: a pattern variable, and whether a match
/// without an event for it (or whose first event it is) fails the NFA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkipTo {
    /// The pattern variable.
    pub name: String,
    /// Fail instead of not skipping (Flink's `throwExceptionOnMiss`).
    pub throw_on_miss: bool,
}

impl AfterMatchSkipStrategy {
    /// `SkipToFirst(name)`, not failing on a miss.
    pub fn skip_to_first(name: &str) -> Self {
        AfterMatchSkipStrategy::SkipToFirst(SkipTo {
            name: name.to_string(),
            throw_on_miss: false,
        })
    }

    /// `SkipToLast(name)`, not failing on a miss.
    pub fn skip_to_last(name: &str) -> Self {
        AfterMatchSkipStrategy::SkipToLast(SkipTo {
            name: name.to_string(),
            throw_on_miss: false,
        })
    }

    /// This strategy failing when it cannot skip (Flink's `throwExceptionOnMiss`); no
    /// change for strategies without a target.
    #[must_use]
    pub fn throw_exception_on_miss(mut self) -> Self {
        if let AfterMatchSkipStrategy::SkipToFirst(t) | AfterMatchSkipStrategy::SkipToLast(t) =
            &mut self
        {
            t.throw_on_miss = true;
        }
        self
    }

    /// The pattern variable the strategy skips to, if any.
    pub fn target(&self) -> Option<&str> {
        match self {
            AfterMatchSkipStrategy::SkipToFirst(t) | AfterMatchSkipStrategy::SkipToLast(t) => {
                Some(&t.name)
            }
            _ => None,
        }
    }

    /// Whether matches wait for earlier partial matches and prune (all but `NoSkip`).
    pub(crate) fn is_skip(&self) -> bool {
        *self != AfterMatchSkipStrategy::NoSkip
    }

    /// The event partial matches are compared to after `matched` (`None`: prune
    /// nothing), with whether a start equal to it is pruned too.
    pub(crate) fn pruning_id(
        &self,
        matched: &Path,
        names: &[String],
    ) -> Result<Option<(EventId, bool)>> {
        let all = || matched.iter().flat_map(|(_, ids)| ids.iter().copied());
        Ok(match self {
            AfterMatchSkipStrategy::NoSkip => None,
            AfterMatchSkipStrategy::SkipToNext => all().min().map(|id| (id, true)),
            AfterMatchSkipStrategy::SkipPastLastEvent => all().max().map(|id| (id, true)),
            AfterMatchSkipStrategy::SkipToFirst(t) | AfterMatchSkipStrategy::SkipToLast(t) => {
                let first = matches!(self, AfterMatchSkipStrategy::SkipToFirst(_));
                let events = names
                    .iter()
                    .position(|n| *n == t.name)
                    .and_then(|i| matched.iter().find(|(n, _)| usize::from(*n) == i))
                    .map(|(_, ids)| ids);
                let id = match events {
                    Some(ids) if !ids.is_empty() => {
                        Some(if first { ids[0] } else { ids[ids.len() - 1] })
                    }
                    _ if t.throw_on_miss => {
                        return Err(Error::SkipFailed {
                            strategy: self.to_string(),
                            reason: "the match has no event for it",
                        });
                    }
                    _ => None,
                };
                if t.throw_on_miss && id.is_some() && id == all().min() {
                    return Err(Error::SkipFailed {
                        strategy: self.to_string(),
                        reason: "it is the match's first event (the same match would repeat forever)",
                    });
                }
                id.map(|id| (id, false))
            }
        })
    }
}

impl fmt::Display for AfterMatchSkipStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AfterMatchSkipStrategy::NoSkip => write!(f, "no skip"),
            AfterMatchSkipStrategy::SkipToNext => write!(f, "skip to next"),
            AfterMatchSkipStrategy::SkipPastLastEvent => write!(f, "skip past last event"),
            AfterMatchSkipStrategy::SkipToFirst(t) => write!(f, "skip to first '{}'", t.name),
            AfterMatchSkipStrategy::SkipToLast(t) => write!(f, "skip to last '{}'", t.name),
        }
    }
}
