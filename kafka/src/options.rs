//! `kafka://HOST:PORT/TOPIC?option=value&...` URLs: where a job reads or writes, and
//! how (the options of the CLI's `--input`/`--output` and of `strom kafka`).

use std::fmt;

use crate::Error;

/// Where a source starts reading when it does not resume from a checkpoint
/// (Flink's `OffsetsInitializer`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartFrom {
    /// The first offset still in each partition.
    Earliest,
    /// The end of each partition when the source starts.
    Latest,
    /// The consumer group's committed offsets (earliest where the group has none).
    Committed,
    /// The first record whose timestamp is at or after this many ms since the epoch.
    Timestamp(i64),
}

/// What a sink promises about its output (Flink's `DeliveryGuarantee`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Records are sent as they come; a record the broker did not take is logged,
    /// not an error.
    None,
    /// Every checkpoint waits until the broker has every record sent before it:
    /// nothing is lost, a restore may send some again.
    AtLeastOnce,
    /// Records become visible once, when the checkpoint that covers them completes
    /// (transactions; read them with `read_committed`).
    ExactlyOnce,
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Delivery::None => "none",
            Delivery::AtLeastOnce => "at-least-once",
            Delivery::ExactlyOnce => "exactly-once",
        })
    }
}

/// A parsed `kafka://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KafkaUrl {
    /// `host:port` of the bootstrap broker.
    pub brokers: String,
    /// The topic.
    pub topic: String,
    /// `group=ID`: the consumer group (committed offsets; monitoring).
    pub group: Option<String>,
    /// `start=earliest|latest|committed|<epoch ms>` (default earliest).
    pub start: StartFrom,
    /// `bounded=true`: stop at the end of each partition, where first reached.
    pub bounded: bool,
    /// `isolation=read_committed|read_uncommitted` (default read_committed).
    pub read_committed: bool,
    /// `partitions=N`: partitions of a topic created because it is missing (default 1).
    pub partitions: i32,
    /// `delivery=none|at-least-once|exactly-once` (default at-least-once).
    pub delivery: Delivery,
    /// `transactional-id=PREFIX`: the exactly-once sink's transactional id (default
    /// derived from the job and topic).
    pub transactional_id: Option<String>,
}

/// Options every `kafka://` URL of this process takes where its query does not set
/// them ([`set_defaults`]: `[kafka]` in `strom.toml`).
static DEFAULTS: std::sync::RwLock<Vec<(String, String)>> = std::sync::RwLock::new(Vec::new());

/// Makes `options` the defaults of every `kafka://` URL parsed from now on in this
/// process: a URL's own query overrides them.
///
/// # Errors
/// [`Error::Url`] naming the first option that is unknown or has a bad value (then
/// the defaults stay as they were).
pub fn set_defaults(options: Vec<(String, String)>) -> Result<(), Error> {
    let mut probe = KafkaUrl::parse("kafka://localhost:9092/probe")?;
    for (key, value) in &options {
        probe.set(key, value).map_err(Error::Url)?;
    }
    *DEFAULTS
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = options;
    Ok(())
}

/// Whether `text` is a `kafka://` URL.
pub fn is_kafka_url(text: &str) -> bool {
    text.starts_with("kafka://")
}

impl KafkaUrl {
    /// Parses `kafka://HOST:PORT/TOPIC?options`.
    ///
    /// # Errors
    /// [`Error::Url`] naming the URL and the part that is wrong (an unknown option,
    /// a bad value, no port, no topic).
    pub fn parse(text: &str) -> Result<KafkaUrl, Error> {
        let bad = |why: String| Error::Url(format!("{text}: {why}"));
        let url = url::Url::parse(text).map_err(|e| bad(e.to_string()))?;
        if url.scheme() != "kafka" {
            return Err(bad("expected kafka://HOST:PORT/TOPIC".into()));
        }
        let host = url.host_str().ok_or_else(|| bad("no broker host".into()))?;
        let port = url
            .port()
            .ok_or_else(|| bad("no broker port (kafka://HOST:PORT/TOPIC)".into()))?;
        let topic = url.path().trim_start_matches('/');
        if topic.is_empty() || topic.contains('/') {
            return Err(bad(
                "expected one topic after the broker (kafka://HOST:PORT/TOPIC)".into(),
            ));
        }
        let mut parsed = KafkaUrl {
            brokers: format!("{host}:{port}"),
            topic: topic.to_string(),
            group: None,
            start: StartFrom::Earliest,
            bounded: false,
            read_committed: true,
            partitions: 1,
            delivery: Delivery::AtLeastOnce,
            transactional_id: None,
        };
        let defaults = DEFAULTS
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (key, value) in defaults.iter() {
            parsed
                .set(key, value)
                .map_err(|e| bad(format!("the [kafka] settings: {e}")))?;
        }
        for (key, value) in url.query_pairs() {
            parsed.set(&key, &value).map_err(bad)?;
        }
        Ok(parsed)
    }

    /// Sets option `key` to `value` (as in the URL's query or `[kafka]` settings).
    ///
    /// # Errors
    /// Naming the option, when it is unknown or its value is not one it takes.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let wrong = |expected: &str| format!("option {key}={value:?}: expected {expected}");
        match key {
            "group" => self.group = Some(value.to_string()),
            "start" => {
                self.start = match value {
                    "earliest" => StartFrom::Earliest,
                    "latest" => StartFrom::Latest,
                    "committed" => StartFrom::Committed,
                    ms => StartFrom::Timestamp(
                        ms.parse()
                            .map_err(|_| wrong("earliest, latest, committed or epoch ms"))?,
                    ),
                }
            }
            "bounded" => self.bounded = value.parse().map_err(|_| wrong("true or false"))?,
            "isolation" => {
                self.read_committed = match value {
                    "read_committed" => true,
                    "read_uncommitted" => false,
                    _ => return Err(wrong("read_committed or read_uncommitted")),
                }
            }
            "partitions" => {
                self.partitions = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| wrong("a positive number"))?
            }
            "delivery" => {
                self.delivery = match value {
                    "none" => Delivery::None,
                    "at-least-once" => Delivery::AtLeastOnce,
                    "exactly-once" => Delivery::ExactlyOnce,
                    _ => return Err(wrong("none, at-least-once or exactly-once")),
                }
            }
            "transactional-id" => self.transactional_id = Some(value.to_string()),
            _ => {
                return Err(format!(
                    "unknown option {key:?} (known: group, start, bounded, isolation, \
                     partitions, delivery, transactional-id)"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_and_bad_ones_are_named() {
        let url = KafkaUrl::parse(
            "kafka://127.0.0.1:9092/events?start=1700000000000&bounded=true&delivery=exactly-once&partitions=3&group=g",
        )
        .unwrap();
        assert_eq!(url.brokers, "127.0.0.1:9092");
        assert_eq!(url.topic, "events");
        assert_eq!(url.start, StartFrom::Timestamp(1_700_000_000_000));
        assert!(url.bounded && url.read_committed);
        assert_eq!(url.partitions, 3);
        assert_eq!(url.delivery, Delivery::ExactlyOnce);
        assert_eq!(url.group.as_deref(), Some("g"));
        let defaults = KafkaUrl::parse("kafka://localhost:9092/t").unwrap();
        assert_eq!(defaults.start, StartFrom::Earliest);
        assert_eq!(defaults.delivery, Delivery::AtLeastOnce);
        assert!(!defaults.bounded);
        let err = |u: &str| KafkaUrl::parse(u).unwrap_err().to_string();
        assert!(err("kafka://h:1/t?colour=red").contains("unknown option \"colour\""));
        assert!(err("kafka://h:1/t?start=soon").contains("start=\"soon\""));
        assert!(err("kafka://h/t").contains("no broker port"));
        assert!(err("kafka://h:1/").contains("one topic"));
        assert!(err("kafka://h:1/t?partitions=0").contains("partitions=\"0\""));
    }
}
