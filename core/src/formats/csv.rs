//! CSV: header, delimiter, quoting, comments; rows deserialize into serde records.
//!
//! With a header, struct fields match columns by name (extra columns are ignored); without
//! one, or for tuples, by position. Empty fields deserialize to `None` for `Option` fields.

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::formats::lines::{LineSplit, SplitBytes, line_number_at};

/// How a CSV file is laid out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// Whether the first line of every file is a header (default true).
    pub has_header: bool,
    /// Field delimiter (default `,`).
    pub delimiter: u8,
    /// Quote character (default `"`).
    pub quote: u8,
    /// Lines starting with this byte are skipped (default none).
    pub comment: Option<u8>,
    /// Whether surrounding white space is trimmed from fields (default false).
    pub trim: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            has_header: true,
            delimiter: b',',
            quote: b'"',
            comment: None,
            trim: false,
        }
    }
}

impl CsvOptions {
    /// Sets whether files start with a header line.
    #[must_use]
    pub fn with_header(mut self, has_header: bool) -> Self {
        self.has_header = has_header;
        self
    }

    /// Sets the delimiter.
    #[must_use]
    pub fn with_delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Sets the quote character.
    #[must_use]
    pub fn with_quote(mut self, quote: u8) -> Self {
        self.quote = quote;
        self
    }

    /// Sets the comment character.
    #[must_use]
    pub fn with_comment(mut self, comment: u8) -> Self {
        self.comment = Some(comment);
        self
    }

    /// Sets whether fields are trimmed.
    #[must_use]
    pub fn with_trim(mut self, trim: bool) -> Self {
        self.trim = trim;
        self
    }

    fn reader<R: std::io::Read>(&self, input: R) -> ::csv::Reader<R> {
        ::csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(self.delimiter)
            .quote(self.quote)
            .comment(self.comment)
            .trim(if self.trim {
                ::csv::Trim::All
            } else {
                ::csv::Trim::None
            })
            .flexible(false)
            .from_reader(input)
    }

    /// Reads the header line of `split`'s file (`None` without headers).
    ///
    /// # Errors
    /// Storage errors, or a malformed header (naming the file).
    pub fn header(&self, split: &LineSplit) -> Result<Option<::csv::StringRecord>> {
        if !self.has_header || split.file.size == 0 {
            return Ok(None);
        }
        let head = split
            .file
            .location
            .read_range(0..split.file.size.min(64 << 10))?;
        let mut reader = self.reader(&head[..]);
        let mut record = ::csv::StringRecord::new();
        match reader.read_record(&mut record) {
            Ok(true) => Ok(Some(record)),
            Ok(false) => Ok(None),
            Err(e) => Err(Error::format(format!("{}:1", split.file.location.url), e)),
        }
    }

    /// Decodes the rows of a fetched split into `out`.
    ///
    /// # Errors
    /// [`Error::Format`] naming the file and line of the first bad row.
    pub fn decode<T: DeserializeOwned>(
        &self,
        split: &LineSplit,
        header: Option<&::csv::StringRecord>,
        bytes: &SplitBytes,
        out: &mut Vec<T>,
    ) -> Result<()> {
        let mut reader = self.reader(&bytes.bytes[..]);
        let mut record = ::csv::ByteRecord::new();
        let skip_header = self.has_header && bytes.offset == 0;
        let mut first = true;
        let byte_header = header.map(|h| h.as_byte_record().clone());
        loop {
            let pos = reader.position().clone();
            let fail = |message: String| -> Result<()> {
                let line = line_number_at(&split.file, bytes.offset + pos.byte())?;
                Err(Error::format(
                    format!("{}:{line}", split.file.location.url),
                    message,
                ))
            };
            match reader.read_byte_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(e) => return fail(csv_message(&e)),
            }
            if std::mem::take(&mut first) && skip_header {
                continue;
            }
            if let Some(h) = byte_header.as_ref().filter(|h| h.len() != record.len()) {
                return fail(format!(
                    "expected {} fields as in the header, found {}",
                    h.len(),
                    record.len()
                ));
            }
            match record.deserialize::<T>(byte_header.as_ref()) {
                Ok(value) => out.push(value),
                Err(e) => return fail(csv_message(&e)),
            }
        }
    }
}

fn csv_message(e: &::csv::Error) -> String {
    match e.kind() {
        ::csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(field) => format!("field {}: {}", field + 1, err.kind()),
            None => err.kind().to_string(),
        },
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("expected {expected_len} fields, found {len}")
        }
        ::csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 in field {}", err.field() + 1),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::lines::{fetch_split, plan_splits};
    use crate::storage::{list_files, resolve};

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Row {
        name: String,
        qty: Option<i64>,
    }

    fn read(url: &str, text: &str, options: &CsvOptions, split: u64) -> Result<Vec<Row>> {
        resolve(url)
            .unwrap()
            .write(bytes::Bytes::from(text.to_string()))
            .unwrap();
        let mut out = Vec::new();
        for s in plan_splits(&list_files(url).unwrap(), split) {
            let header = options.header(&s)?;
            options.decode(&s, header.as_ref(), &fetch_split(&s)?, &mut out)?;
        }
        Ok(out)
    }

    #[test]
    fn reads_by_header_name_with_quotes_and_nulls() {
        let text = "qty,name\n3,\"a, b\"\n,c\n7,d\n";
        let rows = read("memory://csv/a.csv", text, &CsvOptions::default(), 5).unwrap();
        assert_eq!(
            rows,
            vec![
                Row {
                    name: "a, b".into(),
                    qty: Some(3)
                },
                Row {
                    name: "c".into(),
                    qty: None
                },
                Row {
                    name: "d".into(),
                    qty: Some(7)
                },
            ]
        );
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let text = "name,qty\na,1\nb,2\nc,x\n";
        let err = read("memory://csv/bad.csv", text, &CsvOptions::default(), 7).unwrap_err();
        assert_eq!(
            err.to_string().split(": field").next().unwrap(),
            "memory://csv/bad.csv:4"
        );
        let text = "name,qty\na,1\nb,2,3\n";
        let err = read(
            "memory://csv/ragged.csv",
            text,
            &CsvOptions::default(),
            1000,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("memory://csv/ragged.csv:3: expected 2 fields"),
            "{err}"
        );
    }

    #[test]
    fn delimiter_and_no_header() {
        let options = CsvOptions::default()
            .with_header(false)
            .with_delimiter(b'|');
        let rows = read("memory://csv/p.csv", "x|1\ny|\n", &options, 1000).unwrap();
        assert_eq!(
            rows[1],
            Row {
                name: "y".into(),
                qty: None
            }
        );
    }
}
