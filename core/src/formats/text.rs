//! Text lines: one `String` record per line.

use crate::error::{Error, Result};
use crate::formats::lines::{LineSplit, SplitBytes, line_number_at, lines};

/// Decodes the lines of a fetched split into `out`.
///
/// # Errors
/// [`Error::Format`] naming the file and line of invalid UTF-8.
pub fn decode_lines(split: &LineSplit, bytes: &SplitBytes, out: &mut Vec<String>) -> Result<()> {
    for (at, line) in lines(&bytes.bytes) {
        match std::str::from_utf8(line) {
            Ok(s) => out.push(s.to_string()),
            Err(e) => {
                let n = line_number_at(&split.file, bytes.offset + at as u64)?;
                return Err(Error::format(format!("{}:{n}", split.file.location.url), e));
            }
        }
    }
    Ok(())
}
