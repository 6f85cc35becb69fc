//! Fixed-length binary records (e.g. TeraSort's 100-byte records): splits and pieces
//! are aligned to whole records.

use crate::error::{Error, Result};
use crate::formats::lines::SplitBytes;
use crate::storage::FileMeta;

/// Records `[first, first + count)` of a file.
#[derive(Clone, Debug)]
pub struct FixedSplit {
    /// The file.
    pub file: FileMeta,
    /// Byte offset of the first record.
    pub start: u64,
    /// Byte offset after the last record.
    pub end: u64,
}

/// Cuts `files` into splits of about `split_size` bytes, on record boundaries.
///
/// # Errors
/// [`Error::Format`] naming a file whose size is not a multiple of `record_len`.
pub fn plan_splits(
    files: &[FileMeta],
    record_len: u64,
    split_size: u64,
) -> Result<Vec<FixedSplit>> {
    let step = (split_size / record_len).max(1) * record_len;
    let mut splits = Vec::new();
    for file in files {
        if file.size % record_len != 0 {
            return Err(Error::format(
                &file.location.url,
                format!(
                    "size {} is not a multiple of the record length {record_len}",
                    file.size
                ),
            ));
        }
        let mut start = 0;
        while start < file.size {
            let end = (start + step).min(file.size);
            splits.push(FixedSplit {
                file: file.clone(),
                start,
                end,
            });
            start = end;
        }
    }
    Ok(splits)
}

/// Reads a split, in pieces of about `piece` bytes (whole records), calling `send` for
/// each until it returns `false`.
///
/// # Errors
/// Storage errors naming the file.
pub fn read_split(
    split: &FixedSplit,
    record_len: u64,
    piece: u64,
    send: &mut dyn FnMut(SplitBytes) -> bool,
) -> Result<()> {
    let step = (piece / record_len).max(1) * record_len;
    let mut at = split.start;
    while at < split.end {
        let end = (at + step).min(split.end);
        let bytes = split.file.location.read_range(at..end)?;
        if !send(SplitBytes { bytes, offset: at }) {
            break;
        }
        at = end;
    }
    Ok(())
}
