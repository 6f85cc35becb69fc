//! A library's own [`StatefulLogic`] on a keyed stream: the extension point below
//! process functions, for an operator whose state is not keyed state tables (a
//! shared buffer, a model) but is still kept by key group and checkpointed.

use std::hash::Hash;
use std::rc::Rc;

use strom_core::state::KeyGroupRange;

use super::{OutputTags, StatefulLogic, build};
use crate::process::Processed;
use crate::stream::{Data, KeyedStream};

impl<'s, T: Data, K: Data + Hash + Eq> KeyedStream<'s, T, K> {
    /// Runs the logic `make` builds for the key groups this worker owns (and the
    /// stream's key function) on the operator shell: records routed by key, in time
    /// order, snapshots and restores by key group, the stop rule. `kind` names the
    /// operator in checkpoints (with its place in the job: keep it stable). The result's
    /// main and side outputs are the logic's; it has no tagged side outputs.
    pub fn stateful<L: StatefulLogic<T>>(
        &self,
        kind: &str,
        make: impl FnOnce(KeyGroupRange, Rc<dyn Fn(&T) -> K>) -> L,
    ) -> Processed<'s, L::Out, L::Side> {
        let stream = &self.stream;
        let env = &stream.env;
        let range = KeyGroupRange::for_worker(env.index(), env.peers(), env.config().key_groups);
        let logic = make(range, self.key.owned());
        let built = build(
            env,
            kind,
            kind,
            stream.stream.clone(),
            self.exchange(),
            range.start..range.end,
            logic,
        );
        let main = built.main.clone();
        Processed::of(stream, built, main, OutputTags::new())
    }
}
