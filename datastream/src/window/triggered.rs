//! The path windows with triggers and evictors were first published under; they are
//! now one window operator for every assigner (`docs/0018-windows.md`): see
//! [`crate::window`]. [`TriggeredWindows`] is [`WindowedStream`].

pub use super::assigner::{Assigner, GLOBAL, Window};
pub use super::evictor::{CountEvictor, Evictor, NoEvictor, TimeEvictor};
pub use super::trigger::{
    CountTrigger, DeltaTrigger, EventTimeTrigger, NeverTrigger, Trigger, TriggerContext,
    TriggerResult,
};
pub use super::windowed::WindowedStream;

/// The windows of [`crate::KeyedStream::windows`]: a [`WindowedStream`].
pub type TriggeredWindows<'s, T, K, Tr, Ev> = WindowedStream<'s, T, K, Tr, Ev>;
