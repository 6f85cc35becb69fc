//! `kafka://HOST:PORT/TOPIC?option=value&...` URLs: where a job reads or writes, and
//! how (the options of the CLI's `--input`/`--output` and of `strom kafka`). A source
//! reads one topic, a list (`kafka://HOST:PORT/a,b`) or the topics matching a pattern
//! (`kafka://HOST:PORT/?pattern=events-.*`).

use std::fmt;
use std::time::Duration;

use crate::Error;

/// Where a source starts reading when it does not resume from a checkpoint
/// (Flink's `OffsetsInitializer`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartFrom {
    /// The first offset still in each partition.
    Earliest,
    /// The end of each partition when the source starts.
    Latest,
    /// The consumer group's committed offsets (earliest where the group has none).
    Committed,
    /// The first record whose timestamp is at or after this many ms since the epoch.
    Timestamp(i64),
    /// These offsets; a partition not listed starts at its earliest offset.
    Offsets(Vec<StartOffset>),
}

/// One explicit start offset ([`StartFrom::Offsets`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartOffset {
    /// The topic it is for; `None`: the partition of that number in every topic read.
    pub topic: Option<String>,
    /// The partition.
    pub partition: i32,
    /// The first offset to read.
    pub offset: i64,
}

impl StartFrom {
    /// The explicit start offset of `partition` of `topic`, if one is given.
    pub(crate) fn explicit(&self, topic: &str, partition: i32) -> Option<i64> {
        let StartFrom::Offsets(list) = self else {
            return None;
        };
        let own = list
            .iter()
            .find(|o| o.partition == partition && o.topic.as_deref() == Some(topic));
        // A topic's own entry wins over one for every topic.
        own.or_else(|| {
            list.iter()
                .find(|o| o.partition == partition && o.topic.is_none())
        })
        .map(|o| o.offset)
    }

    /// Parses `offsets:[TOPIC:]PARTITION=OFFSET,...`.
    fn offsets(list: &str) -> Option<StartFrom> {
        let mut offsets = Vec::new();
        for item in list.split(',') {
            let (at, offset) = item.split_once('=')?;
            let (topic, partition) = match at.rsplit_once(':') {
                Some((topic, p)) if !topic.is_empty() => (Some(topic.to_string()), p),
                Some(_) => return None,
                None => (None, at),
            };
            offsets.push(StartOffset {
                topic,
                partition: partition.trim().parse().ok().filter(|p| *p >= 0)?,
                offset: offset.trim().parse().ok().filter(|o| *o >= 0)?,
            });
        }
        Some(StartFrom::Offsets(offsets))
    }
}

/// A duration as the options write it: `500ms`, `10s`, `5m`.
fn duration(text: &str) -> Option<Duration> {
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = number.parse().ok()?;
    match unit {
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" => Some(Duration::from_secs(60 * n)),
        _ => None,
    }
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
    /// The topic (a source: one topic or a comma-separated list, or empty with
    /// `pattern`; a sink: one topic).
    pub topic: String,
    /// `pattern=REGEX`: a source reads every topic whose whole name matches.
    pub pattern: Option<String>,
    /// `discovery=DURATION|off`: how often an unbounded source looks for new
    /// partitions and topics (default 30s; a bounded source never does).
    pub discovery: Option<Duration>,
    /// `idleness=DURATION`: a partition with no record for this long no longer holds
    /// the source's watermark back (Flink's `withIdleness`, per partition); by
    /// default the job's watermark strategy says, and without one a partition holds
    /// the watermark at its greatest event time until it gives a later record.
    pub idleness: Option<Duration>,
    /// `dead-letters=TOPIC`: a record the job cannot read goes to this topic (on the
    /// same brokers, its error in the record's `error` header) instead of failing
    /// the job.
    pub dead_letters: Option<String>,
    /// `group=ID`: the consumer group (committed offsets; monitoring).
    pub group: Option<String>,
    /// `start=earliest|latest|committed|<epoch ms>|offsets:[TOPIC:]P=O,...` (default
    /// earliest).
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
        if topic.contains('/') || topic.split(',').any(|t| t.is_empty()) && !topic.is_empty() {
            return Err(bad(
                "expected topics after the broker (kafka://HOST:PORT/TOPIC[,TOPIC...])".into(),
            ));
        }
        let mut parsed = KafkaUrl {
            brokers: format!("{host}:{port}"),
            topic: topic.to_string(),
            pattern: None,
            discovery: Some(Duration::from_secs(30)),
            idleness: None,
            dead_letters: None,
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
        if parsed.topic.is_empty() == parsed.pattern.is_none() {
            return Err(bad(
                "expected one topic after the broker (kafka://HOST:PORT/TOPIC), a list \
                 (TOPIC,TOPIC), or none and pattern=REGEX"
                    .into(),
            ));
        }
        Ok(parsed)
    }

    /// The topics a source of this URL reads by name (empty with a pattern).
    pub fn topics(&self) -> Vec<String> {
        self.topic
            .split(',')
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect()
    }

    /// The one topic of this URL (a sink writes one; `strom kafka` reads one).
    ///
    /// # Errors
    /// [`Error::Url`] when the URL names a list or a pattern.
    pub fn one_topic(&self) -> Result<&str, Error> {
        if self.pattern.is_some() || self.topic.contains(',') {
            return Err(Error::Url(format!(
                "kafka://{}/{}: expected one topic here, not a list or a pattern",
                self.brokers, self.topic
            )));
        }
        Ok(&self.topic)
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
                    other => match other.strip_prefix("offsets:") {
                        Some(list) => StartFrom::offsets(list).ok_or_else(|| {
                            wrong("offsets:[TOPIC:]PARTITION=OFFSET,... (numbers from 0)")
                        })?,
                        None => StartFrom::Timestamp(other.parse().map_err(|_| {
                            wrong("earliest, latest, committed, epoch ms or offsets:...")
                        })?),
                    },
                }
            }
            "pattern" => {
                regex::Regex::new(value).map_err(|e| wrong(&format!("a regex ({e})")))?;
                self.pattern = Some(value.to_string());
            }
            "discovery" => {
                self.discovery = match value {
                    "off" => None,
                    d => Some(
                        duration(d)
                            .filter(|d| !d.is_zero())
                            .ok_or_else(|| wrong("off or a duration such as 500ms, 10s, 5m"))?,
                    ),
                }
            }
            "idleness" => {
                self.idleness = Some(
                    duration(value)
                        .filter(|d| !d.is_zero())
                        .ok_or_else(|| wrong("a duration such as 500ms, 10s, 5m"))?,
                );
            }
            "dead-letters" => {
                if value.is_empty() || value.contains([',', '/']) {
                    return Err(wrong("one topic name"));
                }
                self.dead_letters = Some(value.to_string());
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
                     partitions, delivery, transactional-id, pattern, discovery, idleness, \
                     dead-letters)"
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
        assert!(err("kafka://h:1/a,,b").contains("expected topics"));
        assert!(err("kafka://h:1/a?pattern=x").contains("or none and pattern"));
        assert!(err("kafka://h:1/?pattern=(").contains("pattern=\"(\": expected a regex"));
        assert!(err("kafka://h:1/t?discovery=soon").contains("discovery=\"soon\""));
        assert!(err("kafka://h:1/t?idleness=0s").contains("idleness=\"0s\""));
        assert!(err("kafka://h:1/t?start=offsets:0=x").contains("offsets:[TOPIC:]"));
        assert!(err("kafka://h:1/t?start=offsets::1=2").contains("offsets:[TOPIC:]"));
    }

    #[test]
    fn topic_lists_patterns_and_explicit_offsets() {
        let list = KafkaUrl::parse("kafka://h:1/a,b.c?discovery=500ms&idleness=5s").unwrap();
        assert_eq!(list.topics(), ["a", "b.c"]);
        assert_eq!(list.discovery, Some(Duration::from_millis(500)));
        assert_eq!(list.idleness, Some(Duration::from_secs(5)));
        assert!(list.one_topic().is_err());
        let pattern = KafkaUrl::parse("kafka://h:1/?pattern=ev-.*&discovery=off").unwrap();
        assert!(pattern.topics().is_empty() && pattern.discovery.is_none());
        assert_eq!(pattern.pattern.as_deref(), Some("ev-.*"));
        assert!(pattern.one_topic().is_err());
        assert_eq!(
            KafkaUrl::parse("kafka://h:1/t")
                .unwrap()
                .one_topic()
                .unwrap(),
            "t"
        );
        let start = KafkaUrl::parse("kafka://h:1/a,b?start=offsets:0=5,a:0=7,b-x.y:2=9")
            .unwrap()
            .start;
        assert_eq!(start.explicit("a", 0), Some(7), "a topic's own entry wins");
        assert_eq!(start.explicit("b", 0), Some(5), "an entry for every topic");
        assert_eq!(start.explicit("b-x.y", 2), Some(9));
        assert_eq!(start.explicit("b", 2), None, "not listed: earliest");
        assert_eq!(StartFrom::Earliest.explicit("a", 0), None);
        let dead = KafkaUrl::parse("kafka://h:1/t?dead-letters=t-dlq").unwrap();
        assert_eq!(dead.dead_letters.as_deref(), Some("t-dlq"));
    }
}
