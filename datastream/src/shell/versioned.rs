//! The format version of key-group files: the shell writes every key group an
//! operator snapshots behind a small header (`STKG` and a version), and reads files
//! without it as version 0 (checkpoints written before versions existed), so that a
//! later change of a snapshot's layout can tell old files from new and migrate them.
//!
//! Known limitation: a version-0 file whose first four bytes happen to be `STKG` would
//! be misread; every built-in operator's file starts with a length or a count (never
//! those bytes), only a broadcast state of a user type could.

use crate::checkpoint::{GroupSink, Part};

/// The header's first bytes.
const MAGIC: &[u8; 4] = b"STKG";

/// The version the shell writes.
pub(crate) const VERSION: u16 = 1;

/// A sink that puts the header before every group it passes on.
pub(crate) struct Versioned<'a>(pub(crate) &'a mut dyn GroupSink);

impl GroupSink for Versioned<'_> {
    fn full_due(&self, group: u32) -> bool {
        self.0.full_due(group)
    }

    fn emit(&mut self, group: u32, part: Part) {
        let wrap = |bytes: Vec<u8>| {
            let mut out = Vec::with_capacity(bytes.len() + 6);
            out.extend_from_slice(MAGIC);
            out.extend_from_slice(&VERSION.to_le_bytes());
            out.extend_from_slice(&bytes);
            out
        };
        self.0.emit(
            group,
            match part {
                Part::Full(bytes) => Part::Full(wrap(bytes)),
                Part::Delta(bytes) => Part::Delta(wrap(bytes)),
            },
        );
    }
}

/// The version of `bytes` and the snapshot after its header (version 0: no header).
fn split(bytes: &[u8]) -> (u16, &[u8]) {
    match bytes.strip_prefix(MAGIC) {
        Some(rest) if rest.len() >= 2 => (u16::from_le_bytes([rest[0], rest[1]]), &rest[2..]),
        _ => (0, bytes),
    }
}

/// `part` without its header, for an operator of this version.
///
/// # Panics
/// (Failing the job) when the file was written by a later version.
pub(crate) fn unwrap(group: u32, part: Part) -> Part {
    let strip = |bytes: Vec<u8>| {
        let (version, rest) = split(&bytes);
        assert!(
            version <= VERSION,
            "key group {group}: snapshot format version {version}, newer than this \
             build reads ({VERSION}); restore it with the version that wrote it"
        );
        rest.to_vec()
    };
    match part {
        Part::Full(bytes) => Part::Full(strip(bytes)),
        Part::Delta(bytes) => Part::Delta(strip(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects what it is given.
    #[derive(Default)]
    struct Kept(Vec<(u32, Part)>);

    impl GroupSink for Kept {
        fn full_due(&self, _: u32) -> bool {
            true
        }
        fn emit(&mut self, group: u32, part: Part) {
            self.0.push((group, part));
        }
    }

    fn bytes(part: &Part) -> &[u8] {
        match part {
            Part::Full(b) | Part::Delta(b) => b,
        }
    }

    #[test]
    fn a_versioned_group_reads_back_and_an_unversioned_one_as_it_is() {
        let mut kept = Kept::default();
        Versioned(&mut kept).emit(3, Part::Full(vec![7, 8, 9]));
        Versioned(&mut kept).emit(4, Part::Delta(vec![]));
        let (g, full) = kept.0.remove(0);
        assert_eq!(
            (g, bytes(&full)),
            (3, &[b'S', b'T', b'K', b'G', 1, 0, 7, 8, 9][..])
        );
        assert_eq!(bytes(&unwrap(3, full)), [7, 8, 9]);
        let (_, delta) = kept.0.remove(0);
        assert!(matches!(unwrap(4, delta), Part::Delta(b) if b.is_empty()));
        // Version 0: written before the header existed.
        assert_eq!(
            bytes(&unwrap(5, Part::Full(vec![2, 0, 0, 0]))),
            [2, 0, 0, 0]
        );
    }

    #[test]
    #[should_panic(expected = "snapshot format version 2, newer than this build reads (1)")]
    fn a_group_of_a_later_version_is_refused() {
        unwrap(1, Part::Full(vec![b'S', b'T', b'K', b'G', 2, 0, 1]));
    }
}
