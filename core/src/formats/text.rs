//! Text lines: one `String` record per line, or one parsed record per line.

use crate::error::{Error, Result};
use crate::formats::lines::{LineSplit, SplitBytes, line_number_at, lines};

/// Decodes the lines of a fetched split with `parse`, which gives a record, `None` to
/// skip the line (a comment, say), or what is wrong with it.
///
/// # Errors
/// [`Error::Format`] naming the file and line of invalid UTF-8 or of a line `parse`
/// rejects.
pub fn decode_parsed<T>(
    split: &LineSplit,
    bytes: &SplitBytes,
    out: &mut Vec<T>,
    parse: &mut impl FnMut(&str) -> std::result::Result<Option<T>, String>,
) -> Result<()> {
    for (at, line) in lines(&bytes.bytes) {
        let problem = match std::str::from_utf8(line) {
            Ok(s) => match parse(s) {
                Ok(record) => {
                    out.extend(record);
                    continue;
                }
                Err(problem) => problem,
            },
            Err(e) => e.to_string(),
        };
        let n = line_number_at(&split.file, bytes.offset + at as u64)?;
        return Err(Error::format(
            format!("{}:{n}", split.file.location.url),
            problem,
        ));
    }
    Ok(())
}
