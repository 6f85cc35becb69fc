//! Conditions on events (Flink's `SimpleCondition` and `IterativeCondition`) and the
//! context an iterative condition sees: the events already accepted in the partial
//! match being extended.

use std::cell::OnceCell;
use std::sync::Arc;

use crate::buffer::{NodeId, Path, SharedBuffer};

/// A simple condition: the event alone decides.
pub(crate) type SimpleFn<E> = Arc<dyn Fn(&E) -> bool + Send + Sync>;
/// An iterative condition: the event and the partial match decide.
pub(crate) type IterativeFn<E> = Arc<dyn for<'c> Fn(&E, &Ctx<'c, E>) -> bool + Send + Sync>;

/// A condition tree: user conditions combined by `where_`/`or`/`until` and by the
/// compiler (ignore, proceed and greedy edges).
pub(crate) enum Cond<E> {
    True,
    Simple(SimpleFn<E>),
    Iterative(IterativeFn<E>),
    Not(Arc<Cond<E>>),
    And(Arc<Cond<E>>, Arc<Cond<E>>),
    Or(Arc<Cond<E>>, Arc<Cond<E>>),
}

impl<E> Clone for Cond<E> {
    fn clone(&self) -> Self {
        match self {
            Cond::True => Cond::True,
            Cond::Simple(f) => Cond::Simple(f.clone()),
            Cond::Iterative(f) => Cond::Iterative(f.clone()),
            Cond::Not(c) => Cond::Not(c.clone()),
            Cond::And(a, b) => Cond::And(a.clone(), b.clone()),
            Cond::Or(a, b) => Cond::Or(a.clone(), b.clone()),
        }
    }
}

impl<E> Cond<E> {
    pub(crate) fn not(self) -> Self {
        Cond::Not(Arc::new(self))
    }

    pub(crate) fn and(self, other: Cond<E>) -> Self {
        Cond::And(Arc::new(self), Arc::new(other))
    }

    pub(crate) fn or(self, other: Cond<E>) -> Self {
        Cond::Or(Arc::new(self), Arc::new(other))
    }

    /// Whether `event` satisfies the condition in `ctx`.
    pub(crate) fn eval(&self, event: &E, ctx: &Ctx<'_, E>) -> bool {
        match self {
            Cond::True => true,
            Cond::Simple(f) => f(event),
            Cond::Iterative(f) => f(event, ctx),
            Cond::Not(c) => !c.eval(event, ctx),
            Cond::And(a, b) => a.eval(event, ctx) && b.eval(event, ctx),
            Cond::Or(a, b) => a.eval(event, ctx) || b.eval(event, ctx),
        }
    }
}

/// What an iterative condition sees (Flink's `IterativeCondition.Context`): the events
/// the partial match being extended has accepted so far, per pattern variable.
pub struct Ctx<'a, E> {
    buffer: &'a SharedBuffer<E>,
    names: &'a [String],
    node: Option<NodeId>,
    timestamp: i64,
    path: OnceCell<Path>,
}

impl<'a, E> Ctx<'a, E> {
    pub(crate) fn new(
        buffer: &'a SharedBuffer<E>,
        names: &'a [String],
        node: Option<NodeId>,
        timestamp: i64,
    ) -> Self {
        Ctx {
            buffer,
            names,
            node,
            timestamp,
            path: OnceCell::new(),
        }
    }

    /// The events the pattern variable `name` has accepted in this partial match, in
    /// order (Flink's `ctx.getEventsForPattern(name)`); the event being tested is not
    /// among them. Empty for a name with no events (or no such name).
    pub fn events_for(&self, name: &str) -> Vec<&'a E> {
        let Some(index) = self.names.iter().position(|n| n == name) else {
            return Vec::new();
        };
        let path = self.path.get_or_init(|| self.buffer.extract(self.node));
        let buffer = self.buffer;
        path.iter()
            .find(|(n, _)| usize::from(*n) == index)
            .map(|(_, ids)| ids.iter().map(|id| buffer.event(*id)).collect())
            .unwrap_or_default()
    }

    /// The event time of the event being tested.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }
}
