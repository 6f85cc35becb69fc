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

/// The lines of a whole file's `bytes` (from `url`), numbered from 1, without their line
/// ends; invalid UTF-8 is an error naming the file and line, as [`decode_parsed`] gives,
/// never replacement characters.
pub fn utf8_lines<'a>(
    url: &'a str,
    bytes: &'a [u8],
) -> impl Iterator<Item = Result<(usize, &'a str)>> + 'a {
    lines(bytes).enumerate().map(move |(n, (_, line))| {
        std::str::from_utf8(line)
            .map(|text| (n + 1, text))
            .map_err(|e| Error::format(format!("{url}:{}", n + 1), e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_lines_name_the_line_of_invalid_bytes() {
        let bytes = b"key,1\r\nok,2\nb\xffd,3\n";
        let mut it = utf8_lines("in.csv", bytes);
        assert_eq!(it.next().unwrap().unwrap(), (1, "key,1"));
        assert_eq!(it.next().unwrap().unwrap(), (2, "ok,2"));
        let err = it.next().unwrap().unwrap_err().to_string();
        assert!(err.starts_with("in.csv:3: invalid utf-8"), "{err}");
    }
}
