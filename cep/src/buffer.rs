//! The shared buffer (after Flink's `SharedBuffer` and SASE+): every event a partial
//! match took is stored once, however many partial matches hold it, and partial
//! matches that share a prefix share its nodes.
//!
//! A node is one step of a run: an event taken by a pattern variable after a
//! predecessor node. A partial match points to its last node, and the path back
//! through the predecessors is its match. Flink merges the nodes of one (event,
//! variable) across runs and labels each edge back with a Dewey version, so that
//! extracting a match walks back through the edges compatible with the run's
//! version: a comparison per edge of every node on the path, and nodes that many
//! runs went through have many edges (the cost grew with the square of the runs in
//! `followed_by_any` patterns). Here a node is not merged across predecessors: the
//! pointer to a node is itself the version (it names one path), so extracting is a
//! walk up the predecessors, linear in the match, and a run branching in two (a take
//! and an ignore, or two takes) still shares every node before the branch.
//!
//! Nodes and events are reference counted: a computation state locks the node it
//! points to and a node locks its predecessor; releasing the last reference frees the
//! node, its event's reference and then its predecessor's, iteratively (Flink's
//! recursive release overflowed the stack on long matches). A buffer whose partial
//! matches all ended (matched, timed out, pruned or stopped) is empty again.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// An event's identity: its timestamp, then its arrival number (the NFA's event order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct EventId {
    pub(crate) ts: i64,
    pub(crate) seq: u64,
}

/// A node: the event taken, by the pattern variable `name` (an index into the
/// pattern's names), and its place in the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct NodeId {
    pub(crate) event: EventId,
    pub(crate) name: u16,
    slot: u32,
}

/// A stored node: its predecessor and how many computation states or successors
/// hold it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Node {
    id: NodeId,
    previous: Option<NodeId>,
    refs: u32,
}

/// Events and nodes of every partial match of one key.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "E: Serialize + serde::de::DeserializeOwned")]
pub(crate) struct SharedBuffer<E> {
    events: FxHashMap<EventId, (E, u32)>,
    /// Nodes by slot; a freed slot is `None` and listed in `free` for reuse.
    nodes: Vec<Option<Node>>,
    free: Vec<u32>,
    next_seq: u64,
}

impl<E> Default for SharedBuffer<E> {
    fn default() -> Self {
        SharedBuffer {
            events: FxHashMap::default(),
            nodes: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
        }
    }
}

/// One path through the buffer: per pattern variable (in order of first event), its
/// events in order.
pub(crate) type Path = Vec<(u16, Vec<EventId>)>;

impl<E> SharedBuffer<E> {
    /// Stores an arriving event with one reference (the caller's, released with
    /// [`SharedBuffer::release_event`] when the event has been processed).
    pub(crate) fn register(&mut self, event: E, ts: i64) -> EventId {
        let id = EventId {
            ts,
            seq: self.next_seq,
        };
        self.next_seq += 1;
        self.events.insert(id, (event, 1));
        id
    }

    /// The stored event `id`.
    pub(crate) fn event(&self, id: EventId) -> &E {
        &self.events.get(&id).expect("a node's event is stored").0
    }

    /// Drops one reference to an event, freeing it at zero.
    pub(crate) fn release_event(&mut self, id: EventId) {
        let entry = self
            .events
            .get_mut(&id)
            .expect("a released event is stored");
        entry.1 -= 1;
        if entry.1 == 0 {
            self.events.remove(&id);
        }
    }

    /// Records that the variable `name` took `event` after `previous`: a new node,
    /// holding its event and its predecessor, with no holder yet (the computation
    /// states that point to it lock it).
    pub(crate) fn put(&mut self, name: u16, event: EventId, previous: Option<NodeId>) -> NodeId {
        if let Some(p) = previous {
            self.lock_node(p);
        }
        self.events
            .get_mut(&event)
            .expect("a taken event is stored")
            .1 += 1;
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.nodes.push(None);
                u32::try_from(self.nodes.len() - 1).expect("fewer than 2^32 nodes per key")
            }
        };
        let id = NodeId { event, name, slot };
        self.nodes[slot as usize] = Some(Node {
            id,
            previous,
            refs: 0,
        });
        id
    }

    fn node_mut(&mut self, id: NodeId) -> &mut Node {
        match self.nodes.get_mut(id.slot as usize) {
            Some(Some(node)) if node.id == id => node,
            _ => panic!("node {id:?} is not stored"),
        }
    }

    /// One more holder of `node`.
    pub(crate) fn lock_node(&mut self, node: NodeId) {
        self.node_mut(node).refs += 1;
    }

    /// One holder less of `node`; at zero the node goes, with its event's reference and
    /// its predecessor's (iteratively).
    pub(crate) fn release_node(&mut self, node: NodeId) {
        let mut next = Some(node);
        while let Some(id) = next.take() {
            let node = self.node_mut(id);
            node.refs -= 1;
            if node.refs == 0 {
                next = node.previous;
                self.nodes[id.slot as usize] = None;
                self.free.push(id.slot);
                self.release_event(id.event);
            }
        }
        if self.free.len() == self.nodes.len() {
            // Every node is gone: no free list to keep (a snapshot stays small).
            self.nodes.clear();
            self.free.clear();
        }
    }

    /// The events of the run ending at `node` (empty without a node), walking back
    /// through the predecessors.
    pub(crate) fn extract(&self, node: Option<NodeId>) -> Path {
        let mut steps = Vec::new();
        let mut at = node;
        while let Some(id) = at {
            steps.push(id);
            at = match self.nodes.get(id.slot as usize) {
                Some(Some(n)) if n.id == id => n.previous,
                _ => panic!("a path's node {id:?} is stored"),
            };
        }
        let mut out: Path = Vec::new();
        for id in steps.iter().rev() {
            match out.iter_mut().find(|(n, _)| *n == id.name) {
                Some((_, events)) => events.push(id.event),
                None => out.push((id.name, vec![id.event])),
            }
        }
        out
    }

    /// Whether nothing is stored.
    pub(crate) fn is_empty(&self) -> bool {
        self.events.is_empty() && self.nodes.len() == self.free.len()
    }

    /// (events, nodes) stored.
    pub(crate) fn sizes(&self) -> (usize, usize) {
        (self.events.len(), self.nodes.len() - self.free.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_prefixes_are_stored_once_and_released_to_empty() {
        let mut b = SharedBuffer::default();
        let e1 = b.register('a', 1);
        let n1 = b.put(0, e1, None);
        b.lock_node(n1); // the run at n1
        b.release_event(e1);
        let e2 = b.register('b', 2);
        // Two runs branch off n1: both take e2 under different names.
        let x = b.put(1, e2, Some(n1));
        b.lock_node(x);
        let y = b.put(2, e2, Some(n1));
        b.lock_node(y);
        b.release_event(e2);
        b.release_node(n1); // the run at n1 moved on
        assert_eq!(b.sizes(), (2, 3), "each event stored once, n1 shared");
        assert_eq!(b.extract(Some(y)), vec![(0, vec![e1]), (2, vec![e2])]);
        assert_eq!(b.extract(Some(x)), vec![(0, vec![e1]), (1, vec![e2])]);
        b.release_node(x);
        assert_eq!(b.sizes(), (2, 2));
        b.release_node(y);
        assert!(b.is_empty());
        assert_eq!(b.nodes.len(), 0, "no free slots kept once empty");
    }

    #[test]
    fn freed_slots_are_reused_and_stale_ids_are_told_apart() {
        let mut b = SharedBuffer::default();
        let e1 = b.register(1, 1);
        let n1 = b.put(0, e1, None);
        b.lock_node(n1);
        let e2 = b.register(2, 2);
        let n2 = b.put(0, e2, Some(n1));
        b.lock_node(n2);
        b.release_node(n2); // frees n2's slot, n1 still held
        let n3 = b.put(1, e1, Some(n1));
        b.lock_node(n3);
        assert_eq!(n3.slot, n2.slot, "the slot is reused");
        assert_ne!(n3, n2);
        assert_eq!(b.extract(Some(n3)), vec![(0, vec![e1]), (1, vec![e1])]);
        b.release_event(e1);
        b.release_event(e2);
        b.release_node(n1);
        b.release_node(n3);
        assert!(b.is_empty());
    }

    #[test]
    fn releasing_a_long_chain_does_not_recurse() {
        let mut b = SharedBuffer::default();
        let mut prev = None;
        for i in 0..200_000 {
            let e = b.register(i, i);
            let n = b.put(0, e, prev);
            b.lock_node(n);
            if let Some(p) = prev {
                b.release_node(p);
            }
            b.release_event(e);
            prev = Some(n);
        }
        assert_eq!(b.extract(prev)[0].1.len(), 200_000);
        b.release_node(prev.unwrap());
        assert!(b.is_empty());
    }
}
