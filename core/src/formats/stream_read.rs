//! A file read front to back in bounded pieces of whole lines: the streaming entry
//! point of the line formats (text, CSV) for readers that take a file as one stream
//! (the DataStream file source), where [`super::lines`] cuts files into splits read
//! whole.
//!
//! Each fetch reads at most `chunk` bytes through object_store; a piece ends at the
//! last line end fetched so far, and the line begun after it is carried into the next
//! piece. With a quote byte (CSV), line ends inside quoted fields do not end a piece,
//! so a quoted line break stays inside one piece. Memory is a piece and the line
//! begun, whatever the file's size.
//!
//! [`LinePieces::range`] reads only the lines that start in a byte range, by the rule
//! of [`super::lines::fetch_split`] (a range's first line starts after the first line
//! end at or after its start's previous byte; its last line ends at the first line end
//! at or after its end's previous byte, quotes or not), so consecutive ranges of a file
//! give each line once.

use bytes::{Bytes, BytesMut};

use crate::error::Result;
use crate::formats::lines::SplitBytes;
use crate::storage::FileMeta;

/// Default bytes fetched at a time.
pub const DEFAULT_CHUNK: usize = 1 << 20;

/// The whole-line pieces of one file, in order (an iterator; each `next` fetches).
pub struct LinePieces {
    file: FileMeta,
    /// The next byte to fetch.
    next: u64,
    chunk: u64,
    quote: Option<u8>,
    /// Whether the bytes fetched so far end inside a quoted field.
    quoted: bool,
    /// Bytes fetched and not yet handed out (the line begun), and their file offset.
    carry: BytesMut,
    carry_at: u64,
    /// Lines starting at or after this offset are not this reader's.
    end: u64,
    /// Whether the bytes up to the first line end are still to be dropped (a range
    /// that starts inside the file).
    align: bool,
    finished: bool,
}

impl LinePieces {
    /// The pieces of `file`, fetched `chunk` bytes at a time; `quote` is the CSV quote
    /// byte (`None` for plain text).
    pub fn new(file: FileMeta, chunk: usize, quote: Option<u8>) -> Self {
        let size = file.size;
        Self::range(file, 0, size, chunk, quote)
    }

    /// The pieces of the lines of `file` that start in `[start, end)`.
    pub fn range(file: FileMeta, start: u64, end: u64, chunk: usize, quote: Option<u8>) -> Self {
        // From one byte early: a line starts at `start` exactly when that byte is '\n'.
        let next = start.saturating_sub(1);
        LinePieces {
            file,
            next,
            chunk: chunk.max(1) as u64,
            quote,
            quoted: false,
            carry: BytesMut::new(),
            carry_at: next,
            end,
            align: start > 0,
            finished: start >= end,
        }
    }

    /// The index just past the last line end of `bytes` outside quotes, carrying the
    /// quote state on.
    fn last_cut(&mut self, bytes: &[u8]) -> Option<usize> {
        let Some(q) = self.quote else {
            return bytes.iter().rposition(|&b| b == b'\n').map(|i| i + 1);
        };
        let mut cut = None;
        for (i, &b) in bytes.iter().enumerate() {
            if b == q {
                self.quoted = !self.quoted;
            } else if b == b'\n' && !self.quoted {
                cut = Some(i + 1);
            }
        }
        cut
    }

    fn hand_out(&mut self, len: usize) -> SplitBytes {
        let bytes = self.carry.split_to(len).freeze();
        let offset = self.carry_at;
        self.carry_at += len as u64;
        SplitBytes { bytes, offset }
    }
}

impl Iterator for LinePieces {
    type Item = Result<SplitBytes>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.finished {
                return None;
            }
            if self.next >= self.file.size {
                // The last line, without its line end.
                self.finished = true;
                return (!self.carry.is_empty()).then(|| Ok(self.hand_out(self.carry.len())));
            }
            let at = self.next;
            let upto = (at + self.chunk).min(self.file.size);
            let mut more: Bytes = match self.file.location.read_range(at..upto) {
                Ok(more) => more,
                Err(e) => {
                    self.finished = true;
                    self.carry.clear();
                    return Some(Err(e));
                }
            };
            // A file cut short since it was listed ends here.
            self.next = if more.is_empty() {
                self.file.size
            } else {
                at + more.len() as u64
            };
            let mut base = at;
            if self.align {
                // Drop the line begun before the range.
                let Some(i) = memchr::memchr(b'\n', &more) else {
                    self.carry_at = self.next;
                    continue;
                };
                self.align = false;
                base = at + i as u64 + 1;
                self.carry_at = base;
                more = more.slice(i + 1..);
                if base >= self.end {
                    self.finished = true;
                    return None;
                }
            }
            // The range's last line ends at the first line end at or after `end - 1`.
            let last = self.end.saturating_sub(1);
            if base + more.len() as u64 > last {
                let from = last.saturating_sub(base) as usize;
                if let Some(i) = memchr::memchr(b'\n', &more[from..]) {
                    self.carry.extend_from_slice(&more[..from + i + 1]);
                    self.finished = true;
                    return Some(Ok(self.hand_out(self.carry.len())));
                }
                self.carry.extend_from_slice(&more);
                continue;
            }
            let cut = self.last_cut(&more);
            self.carry.extend_from_slice(&more);
            if let Some(cut) = cut {
                let len = self.carry.len() - more.len() + cut;
                return Some(Ok(self.hand_out(len)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{list_files, resolve};
    use proptest::prelude::*;

    fn file_of(text: &str) -> FileMeta {
        let url = format!(
            "memory://stream-read/{}.txt",
            crate::keys::stable_hash(&text)
        );
        resolve(&url)
            .unwrap()
            .write(Bytes::from(text.to_string()))
            .unwrap();
        list_files(&url).unwrap().remove(0)
    }

    fn pieces_of(text: &str, chunk: usize, quote: Option<u8>) -> Vec<SplitBytes> {
        LinePieces::new(file_of(text), chunk, quote)
            .collect::<Result<_>>()
            .unwrap()
    }

    proptest! {
        // The pieces are the file in order, each (but the last) ends a line outside
        // quotes, and each is at most a chunk plus the line that crosses its end.
        #[test]
        fn pieces_are_the_file_cut_at_line_ends(
            text in "([ab\"]{0,7}\n){0,30}[ab]{0,4}",
            chunk in 1usize..24,
            csv in any::<bool>(),
        ) {
            let quote = csv.then_some(b'"');
            let parts = pieces_of(&text, chunk, quote);
            let mut joined = Vec::new();
            let mut quotes = 0;
            for (i, p) in parts.iter().enumerate() {
                prop_assert_eq!(p.offset, joined.len() as u64);
                prop_assert!(!p.bytes.is_empty());
                joined.extend_from_slice(&p.bytes);
                quotes += p.bytes.iter().filter(|&&b| Some(b) == quote).count();
                if i + 1 < parts.len() {
                    prop_assert_eq!(p.bytes.last(), Some(&b'\n'));
                    prop_assert!(quotes % 2 == 0);
                }
                if !csv {
                    // Without quotes, a piece is the line begun before its last
                    // fetch and (part of) that fetch.
                    let longest = text.split('\n').map(str::len).max().unwrap_or(0);
                    prop_assert!(p.bytes.len() <= chunk + longest + 1);
                }
            }
            prop_assert_eq!(joined, text.into_bytes());
        }

        // Cut at any points, a file's ranges read in pieces give the bytes that
        // `fetch_split` gives each range (its lines that start there), so together
        // every line once.
        #[test]
        fn ranges_read_in_pieces_are_the_split_lines(
            text in "([ab\"]{0,7}\n){0,30}[ab]{0,4}",
            cuts in proptest::collection::vec(0u64..240, 0..5),
            chunk in 1usize..24,
            csv in any::<bool>(),
        ) {
            let file = file_of(&text);
            let size = file.size;
            let mut bounds: Vec<u64> = cuts.into_iter().filter(|&c| c < size).collect();
            bounds.extend([0, size]);
            bounds.sort_unstable();
            bounds.dedup();
            let mut joined = Vec::new();
            for pair in bounds.windows(2) {
                let (start, end) = (pair[0], pair[1]);
                let split = crate::formats::lines::LineSplit { file: file.clone(), start, end };
                let expected = crate::formats::lines::fetch_split(&split).unwrap();
                let quote = csv.then_some(b'"');
                let mut got = Vec::new();
                for piece in LinePieces::range(file.clone(), start, end, chunk, quote) {
                    let piece = piece.unwrap();
                    prop_assert_eq!(piece.offset, expected.offset + got.len() as u64);
                    got.extend_from_slice(&piece.bytes);
                }
                prop_assert_eq!(&got[..], &expected.bytes[..]);
                joined.extend(got);
            }
            prop_assert_eq!(joined, text.into_bytes());
        }
    }

    #[test]
    fn a_large_file_comes_in_many_bounded_pieces() {
        let text: String = (0..10_000).map(|i| format!("line {i}\n")).collect();
        let parts = pieces_of(&text, 4_096, None);
        assert!(parts.len() > 20, "{} pieces", parts.len());
        // A fetch, and the line begun before it.
        assert!(
            parts
                .iter()
                .all(|p| p.bytes.len() <= 4_096 + "line 9999\n".len())
        );
        let lines: usize = parts
            .iter()
            .map(|p| p.bytes.iter().filter(|&&b| b == b'\n').count())
            .sum();
        assert_eq!(lines, 10_000);
    }
}
