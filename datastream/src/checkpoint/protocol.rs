//! The checkpoint protocol's vocabulary (`docs/0009-checkpoints.md`,
//! `docs/0017-sink-and-source-traits.md`): what sources, stateful operators and sinks
//! tell the committer ([`Ack`]), the `COMMITTED` [`Marker`] the committer writes, with
//! its format version ([`MARKER_FORMAT`]), and the values of a source's or sink's own
//! types a checkpoint holds ([`Stored`]).
//!
//! A leaf module: it imports nothing else of this crate, so that sources, sinks,
//! operators and the committer all depend on it and not on each other.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use strom_core::{Error, Result};

/// The committables key of part files staged by a build before marker format 1 (one
/// list for all of a job's file sinks, published by the file sink's committer).
pub const LEGACY_STAGED_PARTS: &str = "(staged part files of format 0)";

/// The format version of `COMMITTED` markers this build writes and reads. Version 1
/// is the first versioned layout: positions and committables of each source's and
/// sink's own type. A marker without a version (format 0, written before this one) is
/// migrated as it is read; one with a later version is refused, naming the file.
pub const MARKER_FORMAT: u32 = 1;

/// A value of a source's position type or a sink's committable type as a checkpoint
/// holds it: JSON in the marker, so that the marker stays readable and each source or
/// sink decodes its own values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Stored(serde_json::Value);

impl Stored {
    /// Stores `value`.
    ///
    /// # Panics
    /// When `value`'s `Serialize` fails (a map with non-string keys, say): the type
    /// cannot be checkpointed, a bug of the source or sink that declares it.
    pub fn encode<V: Serialize>(value: &V) -> Self {
        Stored(serde_json::to_value(value).expect("a checkpointed value serialises to JSON"))
    }

    /// The stored value as a `V`.
    ///
    /// # Errors
    /// When the value is not a `V` (a checkpoint of another source or sink).
    pub fn decode<V: DeserializeOwned>(&self) -> std::result::Result<V, serde_json::Error> {
        V::deserialize(&self.0)
    }

    /// The value as JSON text, the form it travels in inside an [`Ack`] (timely's
    /// binary encoding cannot carry self-describing JSON values).
    pub fn to_text(&self) -> String {
        self.0.to_string()
    }

    /// The value of JSON text made by [`Stored::to_text`].
    ///
    /// # Errors
    /// When `text` is not JSON.
    pub fn from_text(text: &str) -> std::result::Result<Self, serde_json::Error> {
        serde_json::from_str(text).map(Stored)
    }
}

/// What a source, a stateful operator or a sink tells the committer about an epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Ack {
    /// A source split's position at the end of the epoch.
    Position {
        /// The source's operator id.
        source: String,
        /// The split (worker index).
        split: usize,
        /// Where it was: the source's own position type, as [`Stored::to_text`].
        position: String,
    },
    /// What a sink writer pre-committed for the epoch: committed when the epoch's
    /// checkpoint is complete.
    Committable {
        /// The sink's id.
        sink: String,
        /// The sink's own committable type, as [`Stored::to_text`].
        committable: String,
    },
    /// Files an operator wrote for the epoch, with their CRC32.
    Files {
        /// The operator id.
        operator: String,
        /// `(path below the checkpoint folder, crc32)`.
        files: Vec<(String, u32)>,
        /// Bytes written.
        bytes: u64,
        /// Milliseconds the operator spent taking and writing its snapshot.
        millis: u64,
    },
}

/// Positions of every source split: `source -> split -> position`.
pub type Positions = BTreeMap<String, BTreeMap<usize, Stored>>;

/// What `COMMITTED` records.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    /// The marker's format version ([`MARKER_FORMAT`]; 0 when the file has none).
    #[serde(default)]
    pub format: u32,
    /// The epoch.
    pub epoch: u64,
    /// Workers of the job that wrote it.
    pub workers: usize,
    /// Key groups of the job.
    pub key_groups: u32,
    /// Every source split's position: `(source, split) -> position`.
    pub positions: Positions,
    /// Every file, with its CRC32.
    pub files: BTreeMap<String, u32>,
    /// The job that wrote it.
    pub job: String,
    /// Committables of sinks pre-committed up to this epoch and not known to be
    /// committed, by sink id: a restore commits them again (commits are idempotent).
    pub committables: BTreeMap<String, Vec<Stored>>,
    /// Bytes of state in the checkpoint.
    pub bytes: u64,
    /// The longest time (ms) an operator spent taking its snapshot.
    pub snapshot_ms: u64,
    /// When it was committed, ms since the Unix epoch.
    pub taken_ms: i64,
    /// The ids of the job graph's stateful operators and sources, in build order: a
    /// checkpoint restores only into the same graph.
    pub graph: Vec<String>,
}

impl Marker {
    /// The marker in the bytes of the file at `url`.
    ///
    /// # Errors
    /// [`Error::Format`] naming `url` when the bytes are not a marker, when it has no
    /// format version (written before versions) or when its version is later than
    /// [`MARKER_FORMAT`].
    pub fn parse(url: &str, bytes: &[u8]) -> Result<Marker> {
        /// The version alone, read first: a later layout may not parse as this one.
        #[derive(Deserialize)]
        struct Version {
            #[serde(default)]
            format: u32,
        }
        let version: Version = serde_json::from_slice(bytes)
            .map_err(|e| Error::format(url, format!("not a checkpoint marker: {e}")))?;
        match version.format {
            0 => return legacy::migrate(url, bytes),
            v if v > MARKER_FORMAT => {
                return Err(Error::format(
                    url,
                    format!(
                        "checkpoint marker of format version {v}, later than this build's \
                         {MARKER_FORMAT}: restore it with a newer build"
                    ),
                ));
            }
            _ => {}
        }
        serde_json::from_slice(bytes)
            .map_err(|e| Error::format(url, format!("not a checkpoint marker: {e}")))
    }

    /// The marker as the bytes of a `COMMITTED` file, stamped with [`MARKER_FORMAT`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let stamped = Marker {
            format: MARKER_FORMAT,
            ..self.clone()
        };
        serde_json::to_vec_pretty(&stamped).expect("a marker serialises")
    }
}

/// Markers of format 0 (written before versions), read as format 1.
mod legacy {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::{Value, json};
    use strom_core::{Error, Result};

    use super::{LEGACY_STAGED_PARTS, Marker, Stored};

    /// A format-0 marker: positions were one closed enum of every source's kinds, and
    /// the file sinks' staged parts one list of `(staged, target)`.
    #[derive(Deserialize)]
    struct Format0 {
        epoch: u64,
        workers: usize,
        key_groups: u32,
        positions: BTreeMap<String, BTreeMap<usize, Value>>,
        files: BTreeMap<String, u32>,
        #[serde(default)]
        job: String,
        #[serde(default)]
        staged: Vec<(String, String)>,
        #[serde(default)]
        bytes: u64,
        #[serde(default)]
        snapshot_ms: u64,
        #[serde(default)]
        taken_ms: i64,
        #[serde(default)]
        graph: Vec<String>,
    }

    /// A format-0 position as its source's own position type stores it.
    fn position(url: &str, old: Value) -> Result<Value> {
        let unknown = || Error::format(url, format!("unknown format-0 source position {old}"));
        let Value::Object(tagged) = &old else {
            return Err(unknown());
        };
        let [(kind, value)] = tagged.iter().collect::<Vec<_>>()[..] else {
            return Err(unknown());
        };
        Ok(match (kind.as_str(), value) {
            // A generator's and a file split's fields are unchanged.
            ("Generated" | "Files", fields) => fields.clone(),
            ("Ranges", ranges) => json!({ "given": ranges }),
            ("Records", n) => json!({ "given": [[0, n]] }),
            _ => return Err(unknown()),
        })
    }

    /// The marker in the bytes of a format-0 `COMMITTED` file at `url`.
    pub(super) fn migrate(url: &str, bytes: &[u8]) -> Result<Marker> {
        let old: Format0 = serde_json::from_slice(bytes)
            .map_err(|e| Error::format(url, format!("not a checkpoint marker: {e}")))?;
        let mut positions = BTreeMap::new();
        for (source, splits) in old.positions {
            let mut migrated = BTreeMap::new();
            for (split, value) in splits {
                migrated.insert(split, Stored(position(url, value)?));
            }
            positions.insert(source, migrated);
        }
        let mut committables = BTreeMap::new();
        if !old.staged.is_empty() {
            let parts = old
                .staged
                .into_iter()
                .map(|(staged, target)| Stored(json!({ "staged": staged, "target": target })))
                .collect();
            committables.insert(LEGACY_STAGED_PARTS.to_string(), parts);
        }
        Ok(Marker {
            format: 0,
            epoch: old.epoch,
            workers: old.workers,
            key_groups: old.key_groups,
            positions,
            files: old.files,
            job: old.job,
            committables,
            bytes: old.bytes,
            snapshot_ms: old.snapshot_ms,
            taken_ms: old.taken_ms,
            graph: old.graph,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_round_trips_with_its_version() {
        let mut marker = Marker {
            epoch: 7,
            ..Marker::default()
        };
        marker
            .positions
            .entry("000-source".into())
            .or_default()
            .insert(1, Stored::encode(&vec![(0u32, 42u64)]));
        let back = Marker::parse("mem://chk/COMMITTED", &marker.to_bytes()).unwrap();
        assert_eq!(back.format, MARKER_FORMAT);
        assert_eq!(back.epoch, 7);
        let p: Vec<(u32, u64)> = back.positions["000-source"][&1].decode().unwrap();
        assert_eq!(p, [(0, 42)]);
    }

    #[test]
    fn a_marker_without_a_version_is_migrated_and_a_later_one_refused_naming_the_file() {
        let url = "file:///cp/chk-0000000003/COMMITTED";
        let old = br#"{"epoch": 3, "workers": 2, "key_groups": 128,
            "positions": {"000-g": {"0": {"Generated": {"base": 0, "next": 8, "ahead": [9]}}},
                          "001-f": {"1": {"Files": {"done": ["a"], "current": ["b", 4]}}},
                          "002-c": {"0": {"Ranges": [[0, 5]]}, "1": {"Records": 7}}},
            "files": {}, "staged": [["s/.staging/x", "s/part-1.csv"]]}"#;
        let m = Marker::parse(url, old).unwrap();
        assert_eq!((m.format, m.epoch, m.workers), (0, 3, 2));
        let json = |stored: &Stored| stored.0.clone();
        assert_eq!(
            json(&m.positions["000-g"][&0]),
            serde_json::json!({"base": 0, "next": 8, "ahead": [9]})
        );
        assert_eq!(
            json(&m.positions["001-f"][&1]),
            serde_json::json!({"done": ["a"], "current": ["b", 4]})
        );
        assert_eq!(
            json(&m.positions["002-c"][&0]),
            serde_json::json!({"given": [[0, 5]]})
        );
        assert_eq!(
            json(&m.positions["002-c"][&1]),
            serde_json::json!({"given": [[0, 7]]})
        );
        assert_eq!(
            json(&m.committables[LEGACY_STAGED_PARTS][0]),
            serde_json::json!({"staged": "s/.staging/x", "target": "s/part-1.csv"})
        );
        let odd = br#"{"epoch": 3, "workers": 1, "key_groups": 128,
            "positions": {"000-g": {"0": {"Offsets": 3}}}, "files": {}}"#;
        let e = Marker::parse(url, odd).unwrap_err().to_string();
        assert!(e.contains(url) && e.contains("Offsets"), "{e}");
        let later = format!(r#"{{"format": {}, "epoch": 3}}"#, MARKER_FORMAT + 1);
        let e = Marker::parse(url, later.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains(url) && e.contains("later than"), "{e}");
    }

    #[test]
    fn a_stored_value_travels_as_text() {
        let v = Stored::encode(&("a", 3u8));
        let back = Stored::from_text(&v.to_text()).unwrap();
        assert_eq!(back.decode::<(String, u8)>().unwrap(), ("a".to_string(), 3));
    }
}
