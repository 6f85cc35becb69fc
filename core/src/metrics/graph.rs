//! The operator graph of one worker, read off timely's own log of the operators it
//! builds, the channels between them and the messages on those channels; with the
//! watermarks and blocked time stream operators report, and the names the user's
//! program gives. [`merge`] sums the workers of this process into one view per
//! operator of the program: the timely operators one API call built (its plumbing:
//! feedback edges, exchanges, probes) are shown as the one operator they serve.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use timely::logging::TimelyEvent;

/// One end of a channel: an operator's address and port.
type End = (Vec<usize>, usize);

/// What one worker has logged.
#[derive(Default)]
pub(super) struct WorkerLog {
    /// Operator names by address (`[dataflow, operator, ...]`).
    operators: BTreeMap<Vec<usize>, String>,
    /// Channels by worker-unique id: source and target ends.
    channels: HashMap<usize, (End, End)>,
    /// Records sent and received on each channel.
    sent: HashMap<usize, u64>,
    received: HashMap<usize, u64>,
    /// The latest watermark each stream operator reported.
    pub(super) watermarks: HashMap<Vec<usize>, i64>,
    /// Nanoseconds each operator spent held back (backpressure).
    pub(super) blocked: HashMap<Vec<usize>, u64>,
    /// Worker-unique operator ids by address.
    ids: HashMap<Vec<usize>, usize>,
    /// The operators each API call built, in the order they were built.
    pub(super) groups: Vec<Group>,
    /// Where the next group begins: the first id no group holds yet.
    pub(super) mark: usize,
    /// Names the program gave operators after building them, by address.
    pub(super) renames: HashMap<Vec<usize>, String>,
}

/// For each operator's address, the address of the operator it is shown as.
type LeadOf<'a> = HashMap<&'a [usize], Vec<usize>>;

/// The operators one API call built: the ids from `from` up to `to`, shown as the
/// operator at `lead` (or, without one, the last one built), named `name` (or by the
/// lead's own name).
pub(crate) struct Group {
    pub(crate) from: usize,
    pub(super) to: usize,
    pub(super) lead: Option<Vec<usize>>,
    pub(super) name: Option<String>,
}

impl WorkerLog {
    /// Takes in one batch of timely's events.
    pub(super) fn record(&mut self, events: &[(std::time::Duration, TimelyEvent)]) {
        for (_, event) in events {
            match event {
                TimelyEvent::Operates(op) => {
                    self.operators.insert(op.addr.clone(), op.name.clone());
                    self.ids.insert(op.addr.clone(), op.id);
                }
                TimelyEvent::Channels(ch) => {
                    let end = |(index, port): (usize, usize)| {
                        let mut addr = ch.scope_addr.clone();
                        // Index 0 is the scope's own boundary.
                        if index > 0 {
                            addr.push(index);
                        }
                        (addr, port)
                    };
                    self.channels
                        .insert(ch.id, (end(ch.source), end(ch.target)));
                }
                TimelyEvent::Messages(m) => {
                    let count = m.record_count.max(0) as u64;
                    let counts = if m.is_send {
                        &mut self.sent
                    } else {
                        &mut self.received
                    };
                    *counts.entry(m.channel).or_default() += count;
                }
                _ => {}
            }
        }
    }
}

impl WorkerLog {
    /// The group holding the operator with id `id`.
    fn group_of(&self, id: usize) -> Option<&Group> {
        let at = self.groups.partition_point(|g| g.from <= id);
        at.checked_sub(1)
            .map(|i| &self.groups[i])
            .filter(|g| id < g.to)
    }

    /// The name the operator with worker-unique id `id` is shown by: its own, or that
    /// of the operator it is part of.
    pub(super) fn name_of(&self, id: usize) -> Option<String> {
        let (addr, _) = self.ids.iter().find(|(_, i)| **i == id)?;
        let (lead_of, names) = self.shown();
        names.get(lead_of.get(addr.as_slice())?).cloned()
    }

    /// For every operator, the address of the one it is shown as, and each shown
    /// operator's name.
    fn shown(&self) -> (LeadOf<'_>, HashMap<Vec<usize>, String>) {
        let mut lead_of = HashMap::new();
        let mut names = HashMap::new();
        let mut last: HashMap<usize, (usize, &Vec<usize>)> = HashMap::new();
        for (addr, &id) in &self.ids {
            if let Some(group) = self.group_of(id) {
                let newest = last.entry(group.from).or_insert((id, addr));
                if id >= newest.0 {
                    *newest = (id, addr);
                }
            }
        }
        for (addr, name) in &self.operators {
            let group = self.ids.get(addr).and_then(|&id| self.group_of(id));
            let lead = match group {
                Some(g) => g.lead.clone().unwrap_or_else(|| last[&g.from].1.clone()),
                None => addr.clone(),
            };
            let given = group.and_then(|g| g.name.clone());
            let renamed = self.renames.get(addr).or(self.renames.get(&lead)).cloned();
            if let Some(name) = renamed.or(given) {
                names.insert(lead.clone(), name);
            } else if &lead == addr {
                names.entry(lead.clone()).or_insert_with(|| name.clone());
            }
            lead_of.insert(addr.as_slice(), lead);
        }
        (lead_of, names)
    }
}

/// One operator of the running job, summed over this process's workers.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq)]
pub struct OperatorView {
    /// Its address in the dataflow, dotted (`"0.4"`: operator 4 of dataflow 0).
    pub id: String,
    /// Its name (`"Window"`, `"KeyedProcess"`, `"Map"`, ...).
    pub name: String,
    /// The workers running it.
    pub parallelism: usize,
    /// Records it received.
    pub records_in: u64,
    /// Records it sent (on each output: the records, not their copies per consumer).
    pub records_out: u64,
    /// The operators whose output it reads.
    pub inputs: Vec<String>,
    /// The least event-time watermark its workers reported (stream operators), ms.
    pub watermark: Option<i64>,
    /// Time its workers were held back by slower operators after them, ms in all.
    pub backpressure_ms: u64,
}

fn dotted(addr: &[usize]) -> String {
    addr.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The operators of all `workers`, in address order. Dataflows themselves (addresses
/// of one element) are left out: their operators are listed.
pub(super) fn merge<'a>(workers: impl IntoIterator<Item = &'a WorkerLog>) -> Vec<OperatorView> {
    let mut views: BTreeMap<Vec<usize>, OperatorView> = BTreeMap::new();
    let mut out_ports: BTreeMap<End, (Vec<usize>, u64)> = BTreeMap::new();
    for log in workers {
        let (lead_of, names) = log.shown();
        let lead = |addr: &[usize]| lead_of.get(addr).cloned().unwrap_or_else(|| addr.to_vec());
        for (addr, name) in &names {
            if addr.len() < 2 {
                continue;
            }
            let view = views.entry(addr.clone()).or_insert_with(|| OperatorView {
                id: dotted(addr),
                name: name.clone(),
                parallelism: 0,
                records_in: 0,
                records_out: 0,
                inputs: Vec::new(),
                watermark: None,
                backpressure_ms: 0,
            });
            view.parallelism += 1;
        }
        for (addr, &w) in &log.watermarks {
            // `i64::MIN` is "no watermark yet", not a time.
            if let Some(view) = views.get_mut(&lead(addr)).filter(|_| w > i64::MIN / 2) {
                view.watermark = Some(view.watermark.map_or(w, |v| v.min(w)));
            }
        }
        for (addr, nanos) in &log.blocked {
            if let Some(view) = views.get_mut(&lead(addr)) {
                view.backpressure_ms += nanos / 1_000_000;
            }
        }
        // Per output port, the most any one channel from it carried (every consumer
        // of a port gets the same records); channels inside one shown operator are its
        // own business.
        let mut ports: BTreeMap<&End, u64> = BTreeMap::new();
        for (id, (source, target)) in &log.channels {
            let (from, to) = (lead(&source.0), lead(&target.0));
            if from == to {
                continue;
            }
            let sent = log.sent.get(id).copied().unwrap_or(0);
            let port = ports.entry(source).or_default();
            *port = (*port).max(sent);
            out_ports.entry(source.clone()).or_insert((from.clone(), 0));
            if let Some(view) = views.get_mut(&to) {
                view.records_in += log.received.get(id).copied().unwrap_or(0);
                let from = dotted(&from);
                if source.0.len() >= 2 && !view.inputs.contains(&from) {
                    view.inputs.push(from);
                }
            }
        }
        for (end, sent) in ports {
            out_ports.get_mut(end).expect("entered above").1 += sent;
        }
    }
    for (lead, sent) in out_ports.into_values() {
        if let Some(view) = views.get_mut(&lead) {
            view.records_out += sent;
        }
    }
    views.into_values().collect()
}
