//! Tagged side outputs (Flink's `OutputTag`): an operator may emit to any number of
//! typed side outputs, each retrieved as its own stream by its [`OutputTag`].
//!
//! An operator declares its tags ([`OutputTags`]) when it is built; every tagged row
//! goes out on one output of the shell as a [`Tagged`] (the tag's index and the value,
//! type-erased), and each retrieved side output is a small operator that keeps its
//! tag's rows and gives them back their type. Known limitation: a tagged row costs an
//! allocation (tagged outputs are for rare paths: late data, timeouts, errors).

use std::any::Any;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use strom_core::time::StreamTime;
use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::generic::Operator;

use crate::stream::{Data, Timestamped};

static NEXT_TAG: AtomicU64 = AtomicU64::new(1);

/// Names a typed side output (Flink's `OutputTag<T>`). Clones are the same tag; two
/// tags made by [`OutputTag::new`] are different tags, whatever their names.
#[derive(Debug)]
pub struct OutputTag<T> {
    id: u64,
    name: String,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for OutputTag<T> {
    fn clone(&self) -> Self {
        OutputTag {
            id: self.id,
            name: self.name.clone(),
            _type: PhantomData,
        }
    }
}

impl<T: Data> OutputTag<T> {
    /// A new tag called `name` (for messages).
    pub fn new(name: impl Into<String>) -> Self {
        OutputTag {
            id: NEXT_TAG.fetch_add(1, Ordering::Relaxed),
            name: name.into(),
            _type: PhantomData,
        }
    }
}

impl<T> OutputTag<T> {
    /// The tag's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The tagged side outputs an operator emits to, in a fixed order.
#[derive(Clone, Debug, Default)]
pub struct OutputTags {
    ids: Vec<(u64, String)>,
}

impl OutputTags {
    /// No tagged side outputs.
    pub fn new() -> Self {
        OutputTags::default()
    }

    /// These and `tag`.
    #[must_use]
    pub fn with<T: Data>(mut self, tag: &OutputTag<T>) -> Self {
        if self.index_of(tag).is_none() {
            self.ids.push((tag.id, tag.name.clone()));
        }
        self
    }

    /// The place of `tag` among these.
    pub(crate) fn index_of<T>(&self, tag: &OutputTag<T>) -> Option<u32> {
        self.ids
            .iter()
            .position(|(id, _)| *id == tag.id)
            .map(|i| i as u32)
    }

    /// The place of `tag` among these.
    ///
    /// # Panics
    /// When `tag` is not among them (the operator did not declare it).
    pub(crate) fn expect_index<T>(&self, tag: &OutputTag<T>) -> u32 {
        self.index_of(tag).unwrap_or_else(|| {
            let declared: Vec<&str> = self.ids.iter().map(|(_, n)| n.as_str()).collect();
            panic!(
                "side output {:?} is not one the operator declared ({declared:?})",
                tag.name
            )
        })
    }

    /// A row for `tag`.
    ///
    /// # Panics
    /// When `tag` is not among these.
    pub(crate) fn tagged<T: Data>(&self, tag: &OutputTag<T>, value: T) -> Tagged {
        Tagged {
            index: self.expect_index(tag),
            value: Rc::new(value),
        }
    }
}

/// A row of a tagged side output: the tag's place in the operator's [`OutputTags`] and
/// the value.
#[derive(Clone)]
pub(crate) struct Tagged {
    index: u32,
    value: Rc<dyn Any>,
}

impl Tagged {
    /// The place of the row's tag in the operator's [`OutputTags`].
    pub(crate) fn index(&self) -> u32 {
        self.index
    }

    /// The value if the row is of tag `index` (of type `T`).
    pub(crate) fn take<T: Data>(self, index: u32) -> Option<T> {
        if self.index != index {
            return None;
        }
        let value = Rc::downcast::<T>(self.value).ok()?;
        Some(Rc::try_unwrap(value).unwrap_or_else(|shared| (*shared).clone()))
    }
}

/// The rows of tag `index` (of type `T`) of an operator's tagged output.
pub(crate) fn side_output<'s, T: Data>(
    tagged: &StreamVec<'s, StreamTime, Timestamped<Tagged>>,
    index: u32,
) -> StreamVec<'s, StreamTime, Timestamped<T>> {
    tagged.clone().unary(Pipeline, "SideOutput", move |_, _| {
        move |input, output| {
            input.for_each(|cap, rows| {
                let mut mine: Vec<Timestamped<T>> = rows
                    .drain(..)
                    .filter_map(|r| {
                        let ts = r.ts;
                        r.value.take(index).map(|value| Timestamped { ts, value })
                    })
                    .collect();
                if !mine.is_empty() {
                    output.session(&cap).give_container(&mut mine);
                }
            });
        }
    })
}
