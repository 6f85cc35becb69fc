//! The operator graph of one worker, read off timely's own log of the operators it
//! builds, the channels between them and the messages on those channels; with the
//! watermarks and blocked time stream operators report. [`merge`] sums the workers of
//! this process into one view per operator.

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
}

impl WorkerLog {
    /// Takes in one batch of timely's events.
    pub(super) fn record(&mut self, events: &[(std::time::Duration, TimelyEvent)]) {
        for (_, event) in events {
            match event {
                TimelyEvent::Operates(op) => {
                    self.operators.insert(op.addr.clone(), op.name.clone());
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
    let mut out_ports: BTreeMap<End, u64> = BTreeMap::new();
    for log in workers {
        for (addr, name) in &log.operators {
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
            if let Some(&w) = log.watermarks.get(addr) {
                view.watermark = Some(view.watermark.map_or(w, |v| v.min(w)));
            }
            view.backpressure_ms += log.blocked.get(addr).copied().unwrap_or(0) / 1_000_000;
        }
        // Per output port, the most any one channel from it carried (every consumer
        // of a port gets the same records).
        let mut ports: BTreeMap<&End, u64> = BTreeMap::new();
        for (id, (source, target)) in &log.channels {
            let sent = log.sent.get(id).copied().unwrap_or(0);
            let port = ports.entry(source).or_default();
            *port = (*port).max(sent);
            if let Some(view) = views.get_mut(&target.0) {
                view.records_in += log.received.get(id).copied().unwrap_or(0);
                let from = dotted(&source.0);
                if source.0.len() >= 2 && !view.inputs.contains(&from) {
                    view.inputs.push(from);
                }
            }
        }
        for (end, sent) in ports {
            *out_ports.entry(end.clone()).or_default() += sent;
        }
    }
    for ((addr, _), sent) in out_ports {
        if let Some(view) = views.get_mut(&addr) {
            view.records_out += sent;
        }
    }
    views.into_values().collect()
}
