//! Which topics a source reads (Flink's `setTopics` / `setTopicPattern`), their
//! partitions as the brokers list them, and which worker reads which partition.
//!
//! A partition's reader is fixed by the partition alone (a hash of its topic's name
//! plus its number, modulo the workers), not by its place in a list: so a partition
//! or topic that appears later (discovery) goes to one worker without moving any
//! other partition, and every worker decides the same without talking to the others.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};

use crate::Error;

/// The topics of a source: named, or every topic whose whole name matches a regex.
#[derive(Clone, Debug)]
pub enum Topics {
    /// These topics (each must exist).
    Names(Vec<String>),
    /// Every topic whose whole name matches (topics starting with `__`, the brokers'
    /// own, left out); none at all is not an error.
    Pattern(regex::Regex),
}

impl Topics {
    /// A regex that must match a topic's whole name.
    ///
    /// # Errors
    /// [`Error::Url`] when `pattern` is not a regex.
    pub fn pattern(pattern: &str) -> Result<Topics, Error> {
        regex::Regex::new(&format!("^(?:{pattern})$"))
            .map(Topics::Pattern)
            .map_err(|e| Error::Url(format!("topic pattern {pattern:?}: {e}")))
    }

    /// Whether `topic` is one of these.
    pub fn includes(&self, topic: &str) -> bool {
        match self {
            Topics::Names(names) => names.iter().any(|n| n == topic),
            Topics::Pattern(regex) => !topic.starts_with("__") && regex.is_match(topic),
        }
    }

    /// The partitions of every topic read, by topic, each list in order; waits at
    /// most `timeout` for each answer.
    ///
    /// # Errors
    /// When the brokers do not answer, or a named topic does not exist.
    pub(crate) fn partitions(
        &self,
        meta: &BaseConsumer,
        timeout: Duration,
    ) -> Result<BTreeMap<String, Vec<i32>>, Error> {
        let mut found = BTreeMap::new();
        match self {
            Topics::Names(names) => {
                for name in names {
                    let metadata = meta.fetch_metadata(Some(name), timeout).map_err(|e| {
                        Error::kafka(format!("cannot read the metadata of topic {name}"), e)
                    })?;
                    let topic = metadata
                        .topics()
                        .iter()
                        .find(|t| t.name() == name)
                        .filter(|t| t.error().is_none() && !t.partitions().is_empty())
                        .ok_or_else(|| Error::Broker(format!("topic {name} does not exist")))?;
                    found.insert(name.clone(), ids(topic));
                }
            }
            Topics::Pattern(regex) => {
                let metadata = meta
                    .fetch_metadata(None, timeout)
                    .map_err(|e| Error::kafka("cannot list the topics".into(), e))?;
                for topic in metadata.topics() {
                    let name = topic.name();
                    let wanted = !name.starts_with("__") && regex.is_match(name);
                    if wanted && topic.error().is_none() && !topic.partitions().is_empty() {
                        found.insert(name.to_string(), ids(topic));
                    }
                }
            }
        }
        Ok(found)
    }
}

fn ids(topic: &rdkafka::metadata::MetadataTopic) -> Vec<i32> {
    let mut partitions: Vec<i32> = topic.partitions().iter().map(|p| p.id()).collect();
    partitions.sort_unstable();
    partitions
}

impl fmt::Display for Topics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topics::Names(names) => f.write_str(&names.join(",")),
            Topics::Pattern(regex) => {
                let text = regex.as_str();
                let inner = &text[4..text.len() - 2];
                write!(f, "/{inner}/")
            }
        }
    }
}

/// The worker of `peers` that reads `partition` of `topic`: consecutive partitions
/// of a topic go to consecutive workers, from a place that depends on the topic's
/// name (FNV-1a, fixed across runs and machines).
pub(crate) fn reader_of(topic: &str, partition: i32, peers: usize) -> usize {
    let hash = topic.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    ((hash % peers.max(1) as u64) as usize + partition as usize) % peers.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_spread_evenly_and_the_pattern_matches_whole_names() {
        // 6 partitions of one topic over 3 workers: 2 each, whatever the topic.
        for topic in ["events", "clicks", "a"] {
            let mut per = [0; 3];
            for p in 0..6 {
                per[reader_of(topic, p, 3)] += 1;
            }
            assert_eq!(per, [2, 2, 2], "{topic}");
        }
        assert_eq!(reader_of("events", 4, 1), 0);
        let Topics::Pattern(regex) = Topics::pattern("ev-.*|logs").unwrap() else {
            unreachable!()
        };
        assert!(regex.is_match("ev-1") && regex.is_match("logs"));
        assert!(!regex.is_match("old-ev-1") && !regex.is_match("logs2"));
        assert_eq!(Topics::pattern("ev-.*").unwrap().to_string(), "/ev-.*/");
        assert!(Topics::pattern("(").is_err());
    }
}
