//! Text lines: one `String` record per line, one parsed record per line, or blocks of
//! whole lines ([`TextBlock`]) for jobs that look at each line in place.

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

/// Whole lines of a text file, read as one record (about a piece of a split, 1 MiB), so
/// that a job that only looks at each line (counting its words, parsing its fields) does
/// not allocate a record per line. Its text is valid UTF-8, checked when it was read.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TextBlock {
    text: String,
}

impl TextBlock {
    /// A block of the lines of `text` (a `\n` or `\r\n` at its end is not an empty line).
    pub fn new(text: String) -> Self {
        Self { text }
    }

    /// The block's lines, without their line ends.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        lines(self.text.as_bytes()).map(|(at, line)| &self.text[at..at + line.len()])
    }

    /// The block's text, line ends included.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// The lines of a fetched piece of a split as one [`TextBlock`].
///
/// # Errors
/// [`Error::Format`] naming the file and line of invalid UTF-8.
pub fn decode_block(split: &LineSplit, bytes: &SplitBytes) -> Result<TextBlock> {
    match std::str::from_utf8(&bytes.bytes) {
        Ok(text) => Ok(TextBlock::new(text.to_owned())),
        Err(e) => {
            let n = line_number_at(&split.file, bytes.offset + e.valid_up_to() as u64)?;
            Err(Error::format(format!("{}:{n}", split.file.location.url), e))
        }
    }
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
    fn blocks_give_their_lines_without_line_ends() {
        let block = TextBlock::new("a b\r\n\nc\n".to_owned());
        assert_eq!(block.lines().collect::<Vec<_>>(), ["a b", "", "c"]);
        let last = TextBlock::new("x\ny".to_owned());
        assert_eq!(last.lines().collect::<Vec<_>>(), ["x", "y"]);
    }

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
