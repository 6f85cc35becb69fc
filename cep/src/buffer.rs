//! The shared buffer (Flink's `SharedBuffer`, after SASE+): every event a partial
//! match took is stored once, however many partial matches hold it; a partial match
//! is a pointer to its last node plus a Dewey version, and each node points back to
//! its predecessors through edges labelled with the version that made them, so
//! overlapping partial matches share their common prefix.
//!
//! Nodes and events are reference counted: a computation state locks the node it
//! points to; releasing the last reference frees the node, its event when no other
//! node holds it, and the predecessors it locked, iteratively (Flink's recursive
//! release overflowed the stack on long matches). A buffer whose partial matches all
//! ended (matched, timed out, pruned or stopped) is empty again.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// An event's identity: its timestamp, then its arrival number (the NFA's event order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct EventId {
    pub(crate) ts: i64,
    pub(crate) seq: u64,
}

/// A node: an event taken by the pattern variable `name` (index into the pattern's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct NodeId {
    pub(crate) event: EventId,
    pub(crate) name: u16,
}

/// A Dewey number: the version of a partial match, extended by a stage at each take
/// and increased at each branch, so that a path back through the buffer follows only
/// the edges of its own run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Dewey(pub(crate) Vec<u32>);

impl Dewey {
    /// The version of the start state.
    pub(crate) fn start() -> Self {
        Dewey(vec![1])
    }

    /// This version with the last digit raised by `by`.
    pub(crate) fn increase(&self, by: u32) -> Self {
        let mut d = self.0.clone();
        *d.last_mut().expect("a Dewey number has a digit") += by;
        Dewey(d)
    }

    /// This version with a new stage (digit 0) appended.
    pub(crate) fn add_stage(mut self) -> Self {
        self.0.push(0);
        self
    }

    /// Whether a run of version `self` may follow an edge labelled `edge`: `edge` is a
    /// prefix of `self`, or equal to it up to a last digit no greater than `self`'s.
    pub(crate) fn is_compatible_with(&self, edge: &Dewey) -> bool {
        let (a, b) = (&self.0, &edge.0);
        if a.len() > b.len() {
            a.starts_with(b)
        } else if a.len() == b.len() {
            let last = a.len() - 1;
            a[..last] == b[..last] && a[last] >= b[last]
        } else {
            false
        }
    }
}

/// A node's predecessors and how many computation states or successors hold it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Node {
    edges: Vec<(Option<NodeId>, Dewey)>,
    refs: u32,
}

/// Events and nodes of every partial match of one key.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "E: Serialize + serde::de::DeserializeOwned")]
pub(crate) struct SharedBuffer<E> {
    events: FxHashMap<EventId, (E, u32)>,
    nodes: FxHashMap<NodeId, Node>,
    next_seq: u64,
}

impl<E> Default for SharedBuffer<E> {
    fn default() -> Self {
        SharedBuffer {
            events: FxHashMap::default(),
            nodes: FxHashMap::default(),
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

    /// Records that the variable `name` took `event` after `previous` in the run of
    /// `version`: the node (made on first use, holding its event) gains an edge, which
    /// holds `previous`.
    pub(crate) fn put(
        &mut self,
        name: u16,
        event: EventId,
        previous: Option<NodeId>,
        version: Dewey,
    ) -> NodeId {
        if let Some(p) = previous {
            self.lock_node(p);
        }
        let id = NodeId { event, name };
        let node = match self.nodes.get_mut(&id) {
            Some(node) => node,
            None => {
                self.events
                    .get_mut(&event)
                    .expect("a taken event is stored")
                    .1 += 1;
                self.nodes.entry(id).or_insert(Node {
                    edges: Vec::new(),
                    refs: 0,
                })
            }
        };
        node.edges.push((previous, version));
        id
    }

    /// One more holder of `node`.
    pub(crate) fn lock_node(&mut self, node: NodeId) {
        self.nodes
            .get_mut(&node)
            .expect("a locked node exists")
            .refs += 1;
    }

    /// One holder less of `node`; at zero the node goes, with its event's reference and
    /// its predecessors' (iteratively).
    pub(crate) fn release_node(&mut self, node: NodeId) {
        let mut pending = vec![node];
        while let Some(id) = pending.pop() {
            let node = self.nodes.get_mut(&id).expect("a released node exists");
            node.refs -= 1;
            if node.refs == 0 {
                let node = self.nodes.remove(&id).expect("just seen");
                self.release_event(id.event);
                pending.extend(node.edges.into_iter().filter_map(|(p, _)| p));
            }
        }
    }

    /// The events of the run of `version` ending at `node` (empty without a node): the
    /// first complete path found going back through compatible edges.
    pub(crate) fn extract(&self, node: Option<NodeId>, version: &Dewey) -> Path {
        let Some(node) = node else {
            return Vec::new();
        };
        // Depth first, as Flink: (node or the path's end, version, nodes so far).
        let mut stack: Vec<(Option<NodeId>, Dewey, Vec<NodeId>)> =
            vec![(Some(node), version.clone(), Vec::new())];
        while let Some((at, version, mut path)) = stack.pop() {
            let Some(at) = at else {
                let mut out: Path = Vec::new();
                for id in path.iter().rev() {
                    match out.iter_mut().find(|(n, _)| *n == id.name) {
                        Some((_, events)) => events.push(id.event),
                        None => out.push((id.name, vec![id.event])),
                    }
                }
                return out;
            };
            path.push(at);
            let node = self.nodes.get(&at).expect("a path's node exists");
            for (target, edge) in &node.edges {
                if version.is_compatible_with(edge) {
                    stack.push((*target, edge.clone(), path.clone()));
                }
            }
        }
        Vec::new()
    }

    /// Whether nothing is stored.
    pub(crate) fn is_empty(&self) -> bool {
        self.events.is_empty() && self.nodes.is_empty()
    }

    /// (events, nodes) stored.
    pub(crate) fn sizes(&self) -> (usize, usize) {
        (self.events.len(), self.nodes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dewey_compatibility_is_prefix_or_not_later_sibling() {
        let d = |v: &[u32]| Dewey(v.to_vec());
        assert!(d(&[1, 0, 1]).is_compatible_with(&d(&[1, 0])));
        assert!(d(&[1, 2]).is_compatible_with(&d(&[1, 1])));
        assert!(!d(&[1, 1]).is_compatible_with(&d(&[1, 2])));
        assert!(!d(&[1]).is_compatible_with(&d(&[1, 0])));
        assert!(!d(&[2, 0, 1]).is_compatible_with(&d(&[1, 0])));
        assert_eq!(d(&[1, 0]).increase(2).add_stage(), d(&[1, 2, 0]));
    }

    #[test]
    fn shared_prefixes_are_stored_once_and_released_to_empty() {
        let mut b = SharedBuffer::default();
        let e1 = b.register('a', 1);
        let n1 = b.put(0, e1, None, Dewey(vec![1]));
        b.lock_node(n1); // the run at n1
        b.release_event(e1);
        let e2 = b.register('b', 2);
        // Two runs branch off n1: both take e2 under different names.
        let x = b.put(1, e2, Some(n1), Dewey(vec![1, 0]));
        b.lock_node(x);
        let y = b.put(2, e2, Some(n1), Dewey(vec![1, 1]));
        b.lock_node(y);
        b.release_event(e2);
        b.release_node(n1); // the run at n1 moved on
        assert_eq!(b.sizes(), (2, 3), "each event stored once");
        let path = b.extract(Some(y), &Dewey(vec![1, 1]));
        assert_eq!(path, vec![(0, vec![e1]), (2, vec![e2])]);
        b.release_node(x);
        assert_eq!(b.sizes(), (2, 2));
        b.release_node(y);
        assert!(b.is_empty());
    }

    #[test]
    fn releasing_a_long_chain_does_not_recurse() {
        let mut b = SharedBuffer::default();
        let mut prev = None;
        for i in 0..200_000 {
            let e = b.register(i, i);
            let n = b.put(0, e, prev, Dewey(vec![1]));
            b.lock_node(n);
            if let Some(p) = prev {
                b.release_node(p);
            }
            b.release_event(e);
            prev = Some(n);
        }
        b.release_node(prev.unwrap());
        assert!(b.is_empty());
    }
}
