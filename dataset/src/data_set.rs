//! The [`DataSet`] type, and the record and key traits.

use std::hash::Hash;
use std::rc::Rc;

use strom_core::timely::dataflow::StreamVec;

use crate::env::{Env, Time};
use crate::iteration::LoopScope;
use crate::unstable::RawStream;

pub use strom_core::Data;

/// What a key must be: a record that can be hashed, compared and ordered.
pub trait Key: Data + Hash + Eq + Ord {}
impl<T: Data + Hash + Eq + Ord> Key for T {}

/// A bounded, distributed collection of records of type `T`: a typed handle on a timely
/// stream in a job's dataflow. Operators return new data sets; nothing runs until the
/// job's build function returns to [`crate::execute`].
pub struct DataSet<'scope, T> {
    pub(crate) env: Env<'scope>,
    pub(crate) stream: StreamVec<'scope, Time, T>,
    /// The iteration this data set is computed in, if any (its time is the round).
    pub(crate) iteration: Option<Rc<LoopScope<'scope>>>,
}

impl<T: Clone + 'static> Clone for DataSet<'_, T> {
    fn clone(&self) -> Self {
        DataSet {
            env: self.env.clone(),
            stream: self.stream.clone(),
            iteration: self.iteration.clone(),
        }
    }
}

impl<'scope, T: Data> DataSet<'scope, T> {
    /// Wraps a timely stream (for custom operators) of data outside any iteration; use
    /// [`DataSet::with_stream`] for a stream derived from a data set that may be inside
    /// one. Unstable: see [`crate::unstable`].
    pub fn from_stream(env: &Env<'scope>, stream: RawStream<'scope, T>) -> Self {
        shown_as_one(&stream);
        DataSet {
            env: env.clone(),
            stream,
            iteration: None,
        }
    }

    /// A data set of `stream`, in the same iteration (if any) as this one: for custom
    /// operators built on [`DataSet::stream`]. Unstable: see [`crate::unstable`].
    pub fn with_stream<U: Data>(&self, stream: RawStream<'scope, U>) -> DataSet<'scope, U> {
        self.wrap(stream)
    }

    /// The underlying timely stream (for custom operators). Unstable: see
    /// [`crate::unstable`].
    pub fn stream(&self) -> RawStream<'scope, T> {
        self.stream.clone()
    }

    /// The environment this data set belongs to.
    pub fn env(&self) -> &Env<'scope> {
        &self.env
    }

    pub(crate) fn wrap<U>(&self, stream: StreamVec<'scope, Time, U>) -> DataSet<'scope, U> {
        shown_as_one(&stream);
        DataSet {
            env: self.env.clone(),
            stream,
            iteration: self.iteration.clone(),
        }
    }

    /// The worker-unique id of the next operator built (for failure reports).
    pub(crate) fn next_operator_id(&self) -> usize {
        strom_core::metrics::next_operator_id(&self.stream.scope())
    }

    /// Names the operator that made this data set, for the status page, the REST API
    /// and failures (Flink's `.name(..)`): `"Source: lineitem/"`, `"Revenue by nation"`.
    #[must_use]
    pub fn name(self, name: &str) -> Self {
        strom_core::metrics::rename(&self.stream, name);
        self
    }
}

/// Shows the operators built since the last data set as the one that made `stream`.
fn shown_as_one<D>(stream: &StreamVec<'_, Time, D>) {
    strom_core::metrics::group_built(&stream.scope(), Some(stream.name().node), None);
}
