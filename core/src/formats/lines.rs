//! Byte-range splits of line-oriented files (text, CSV).

use bytes::{Bytes, BytesMut};

use crate::error::Result;
use crate::storage::FileMeta;

/// Default split size for line-oriented files.
pub const DEFAULT_SPLIT_SIZE: u64 = 64 << 20;

/// The lines of `file` that start in `[start, end)`.
#[derive(Clone, Debug)]
pub struct LineSplit {
    /// The file.
    pub file: FileMeta,
    /// First byte (inclusive).
    pub start: u64,
    /// Last byte (exclusive).
    pub end: u64,
}

/// The bytes of whole lines of one split, and where they start in the file.
#[derive(Clone, Debug)]
pub struct SplitBytes {
    /// Whole lines (the last one may lack its `\n` at the end of the file).
    pub bytes: Bytes,
    /// File offset of `bytes[0]`.
    pub offset: u64,
}

/// The split size for `files` read by `workers` workers: `max_split` at most, 1 MiB at
/// least, and otherwise such that the splits come in a multiple of `workers` of equal
/// size, so that every worker reads as much (150 MiB with 64 MiB splits at 2 workers is
/// 4 splits of 37.5 MiB, not 64 + 64 + 22 MiB, 86 MiB for one worker and 64 for the
/// other).
pub fn split_size_for(files: &[FileMeta], workers: usize, max_split: u64) -> u64 {
    let total: u64 = files.iter().map(|f| f.size).sum();
    let (workers, max_split) = (workers.max(1) as u64, max_split.max(1));
    let splits = total.div_ceil(max_split).div_ceil(workers).max(1) * workers;
    max_split.min(total.div_ceil(splits).max(1 << 20))
}

/// Cuts `files` into splits of about `split_size` bytes.
pub fn plan_splits(files: &[FileMeta], split_size: u64) -> Vec<LineSplit> {
    let split_size = split_size.max(1);
    let mut splits = Vec::new();
    for file in files {
        let mut start = 0;
        loop {
            let end = (start + split_size).min(file.size);
            splits.push(LineSplit {
                file: file.clone(),
                start,
                end,
            });
            if end >= file.size {
                break;
            }
            start = end;
        }
    }
    splits
}

const PROBE: u64 = 64 << 10;

/// Fetches the whole lines that start inside `split`.
///
/// # Errors
/// Storage errors, naming the file.
pub fn fetch_split(split: &LineSplit) -> Result<SplitBytes> {
    let file = &split.file;
    if split.start >= split.end {
        return Ok(SplitBytes {
            bytes: Bytes::new(),
            offset: split.start,
        });
    }
    // Read from one byte early: a line starts at `start` exactly when that byte is '\n'.
    let begin = split.start.saturating_sub(1);
    let data = file.location.read_range(begin..split.end)?;
    let first = if split.start == 0 {
        0
    } else {
        match memchr(&data) {
            Some(i) => i + 1,
            None => {
                return Ok(SplitBytes {
                    bytes: Bytes::new(),
                    offset: split.end,
                });
            }
        }
    };
    if first >= data.len() {
        return Ok(SplitBytes {
            bytes: Bytes::new(),
            offset: split.end,
        });
    }
    let complete = data.last() == Some(&b'\n') || split.end >= file.size;
    if complete {
        return Ok(SplitBytes {
            bytes: data.slice(first..),
            offset: begin + first as u64,
        });
    }
    // The last line runs past `end`: read on until its newline or the end of the file.
    let mut buf = BytesMut::from(&data[first..]);
    let mut pos = split.end;
    while pos < file.size {
        let upto = (pos + PROBE).min(file.size);
        let more = file.location.read_range(pos..upto)?;
        if let Some(i) = memchr(&more) {
            buf.extend_from_slice(&more[..=i]);
            break;
        }
        buf.extend_from_slice(&more);
        pos = upto;
    }
    Ok(SplitBytes {
        bytes: buf.freeze(),
        offset: begin + first as u64,
    })
}

/// Cuts the whole lines in `bytes` into pieces of about `target` bytes, each ending at a
/// line end. With a `quote` byte, line ends inside quoted fields are not cut (CSV).
pub fn pieces(bytes: &SplitBytes, target: usize, quote: Option<u8>) -> Vec<SplitBytes> {
    let data = &bytes.bytes;
    let target = target.max(1);
    // Where each piece ends (exclusive).
    let mut ends = Vec::new();
    let mut start = 0usize;
    match quote {
        // No quoting: the first line end at or after `target` bytes ends a piece.
        None => {
            while start + target <= data.len() {
                match memchr::memchr(b'\n', &data[start + target - 1..]) {
                    Some(i) => {
                        start += target + i;
                        ends.push(start);
                    }
                    None => break,
                }
            }
        }
        Some(q) => {
            let mut quoted = false;
            for i in memchr::memchr2_iter(q, b'\n', data) {
                if data[i] == q {
                    quoted = !quoted;
                } else if !quoted && i + 1 - start >= target {
                    start = i + 1;
                    ends.push(start);
                }
            }
        }
    }
    if ends.last().copied().unwrap_or(0) < data.len() {
        ends.push(data.len());
    }
    let mut from = 0;
    ends.into_iter()
        .map(|end| {
            let piece = SplitBytes {
                bytes: data.slice(from..end),
                offset: bytes.offset + from as u64,
            };
            from = end;
            piece
        })
        .collect()
}

fn memchr(data: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', data)
}

/// The 1-based line number of file offset `offset` (counts the newlines before it; used
/// only to name the line in an error).
pub fn line_number_at(file: &FileMeta, offset: u64) -> Result<u64> {
    if offset == 0 {
        return Ok(1);
    }
    let prefix = file.location.read_range(0..offset.min(file.size))?;
    Ok(prefix.iter().filter(|&&b| b == b'\n').count() as u64 + 1)
}

/// Iterates over the lines of `bytes`, without their `\n` or `\r\n`, with their offsets.
pub fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let start = pos;
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        pos = end + 1;
        let line = &bytes[start..end];
        Some((start, line.strip_suffix(b"\r").unwrap_or(line)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{list_files, resolve};
    use proptest::prelude::*;

    proptest! {
        // Every line is read exactly once, whatever the split size.
        #[test]
        fn splits_partition_lines(text in "([a-c]{0,5}\n){0,20}[a-c]{0,5}", size in 1u64..40) {
            let url = format!("memory://splits/{}.txt", crate::keys::stable_hash(&(&text, size)));
            resolve(&url).unwrap().write(Bytes::from(text.clone())).unwrap();
            let files = list_files(&url).unwrap();
            let mut got = Vec::new();
            for split in plan_splits(&files, size) {
                let part = fetch_split(&split).unwrap();
                for (_, line) in lines(&part.bytes) {
                    got.push(String::from_utf8(line.to_vec()).unwrap());
                }
            }
            let expected: Vec<String> = lines(text.as_bytes())
                .map(|(_, l)| String::from_utf8(l.to_vec()).unwrap())
                .collect();
            prop_assert_eq!(got, expected);
        }

        // Pieces cover the bytes exactly, end at line ends, and never cut inside quotes.
        #[test]
        fn pieces_cut_at_unquoted_line_ends(text in "([a\"\n]{0,6}\n){0,30}", target in 1usize..20) {
            let whole = SplitBytes { bytes: Bytes::from(text.clone()), offset: 7 };
            let parts = pieces(&whole, target, Some(b'"'));
            let mut joined = Vec::new();
            let mut quotes = 0;
            for (i, p) in parts.iter().enumerate() {
                prop_assert_eq!(p.offset, 7 + joined.len() as u64);
                joined.extend_from_slice(&p.bytes);
                quotes += p.bytes.iter().filter(|&&b| b == b'"').count();
                if i + 1 < parts.len() {
                    prop_assert_eq!(p.bytes.last(), Some(&b'\n'));
                    prop_assert!(quotes % 2 == 0);
                }
            }
            prop_assert_eq!(joined, text.into_bytes());
        }
    }
}
