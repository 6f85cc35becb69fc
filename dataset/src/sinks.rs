//! Sinks: `collect` and `count` to the driver; text, CSV, Parquet and raw binary files
//! through object_store.
//!
//! A file URL ending in `/` is a folder: every worker writes `part-NNNNN.<ext>` (Flink's
//! layout at parallelism above one). Publishing replaces the part files of an earlier run
//! (those of more workers too) and never touches any other file in the folder; refusing a
//! non-empty folder or an existing file is the caller's choice
//! (`strom_core::storage::check_outputs`, which `strom run` calls before launch). Any other
//! URL is one file, written by worker 0 after gathering all records there (records
//! already on worker 0 keep their order, so `gather().sort_partition(..)` writes a sorted
//! file). Files are staged locally and published only when the whole job succeeded.

use std::cell::RefCell;
use std::io::{BufWriter, Write};
use std::rc::Rc;

use strom_core::formats::CsvOptions;
use strom_core::formats::parquet::ParquetFileWriter;
use strom_core::storage::resolve;
use strom_core::timely::dataflow::channels::pact::{Exchange, Pipeline};
use strom_core::timely::dataflow::operators::generic::Operator;
use strom_core::{Error, Result};

use crate::data_set::{Data, DataSet};
use crate::env::Staged;
use crate::output::{Collected, Counted};

type FileWriter = BufWriter<std::fs::File>;

/// The worker index in a part file's name, `part-NNNNN<ext>`, as folder sinks name them.
fn part_index(name: &str, ext: &str) -> Option<usize> {
    let digits = name.strip_prefix("part-")?.strip_suffix(ext)?;
    (digits.len() == 5 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// Flushes a staged file to disk.
fn close(w: FileWriter) -> Result<()> {
    w.into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()
        .map_err(Error::from)
}

/// Writes records of one format into a staging file.
trait RecordWriter<T> {
    fn write(&mut self, record: &T) -> Result<()>;
    /// Flushes everything (footers included) to disk.
    fn finish(self) -> Result<()>;
}

struct TextWriter(FileWriter);

impl<T: std::fmt::Display> RecordWriter<T> for TextWriter {
    fn write(&mut self, record: &T) -> Result<()> {
        writeln!(self.0, "{record}").map_err(Error::from)
    }
    fn finish(self) -> Result<()> {
        close(self.0)
    }
}

struct CsvWriter {
    out: FileWriter,
    options: CsvOptions,
    row: Vec<u8>,
}

impl<T: serde::Serialize> RecordWriter<T> for CsvWriter {
    fn write(&mut self, record: &T) -> Result<()> {
        self.row.clear();
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .delimiter(self.options.delimiter)
            .quote(self.options.quote)
            .from_writer(&mut self.row);
        w.serialize(record)
            .map_err(|e| Error::Plan(format!("cannot write record as CSV: {e}")))?;
        drop(w);
        self.out.write_all(&self.row).map_err(Error::from)
    }
    fn finish(self) -> Result<()> {
        close(self.out)
    }
}

struct BytesWriter(FileWriter);

impl<T: AsRef<[u8]>> RecordWriter<T> for BytesWriter {
    fn write(&mut self, record: &T) -> Result<()> {
        self.0.write_all(record.as_ref()).map_err(Error::from)
    }
    fn finish(self) -> Result<()> {
        close(self.0)
    }
}

struct ParquetWriter(ParquetFileWriter<FileWriter>);

impl<T: serde::Serialize> RecordWriter<T> for ParquetWriter {
    fn write(&mut self, record: &T) -> Result<()> {
        self.0.write(record)
    }
    fn finish(self) -> Result<()> {
        close(self.0.finish()?)
    }
}

impl<'scope, T: Data> DataSet<'scope, T> {
    /// Gathers all records on the driver; the job returns them.
    pub fn collect(&self) -> Collected<T> {
        let cell = Rc::new(RefCell::new(Vec::new()));
        let sink = cell.clone();
        self.stream
            .clone()
            .sink(Exchange::new(|_: &T| 0), "Collect", move |(input, _)| {
                input.for_each(|_, data| sink.borrow_mut().append(data));
            });
        shown_as(&self.stream, "Sink: collect");
        Collected { cell }
    }

    /// Counts the records; the job returns the count.
    pub fn count(&self) -> Counted {
        let local = self.aggregate(crate::aggregate::count());
        let cell = Rc::new(RefCell::new(0));
        let sink = cell.clone();
        local.stream.sink(Pipeline, "Count", move |(input, _)| {
            input.for_each(|_, data| *sink.borrow_mut() += data.iter().sum::<u64>());
        });
        shown_as(&self.stream, "Sink: count");
        Counted { cell }
    }

    /// Writes one line per record (its `Display` form).
    pub fn write_text(&self, url: &str)
    where
        T: std::fmt::Display,
    {
        self.file_sink(url, ".txt", |file| Ok(TextWriter(file)));
    }

    /// Writes CSV rows (serde). With `options.has_header`, struct records get a header
    /// line of their field names (also when there are no records).
    pub fn write_csv(&self, url: &str, options: CsvOptions) {
        let header = if options.has_header {
            strom_core::formats::schema::field_names::<T>().map(|names| {
                let mut w = csv::WriterBuilder::new()
                    .delimiter(options.delimiter)
                    .quote(options.quote)
                    .from_writer(Vec::new());
                w.write_record(names).expect("writing to memory");
                w.into_inner().expect("flushing to memory")
            })
        } else {
            None
        };
        self.file_sink(url, ".csv", move |mut file| {
            if let Some(h) = &header {
                file.write_all(h)?;
            }
            Ok(CsvWriter {
                out: file,
                options: options.clone(),
                row: Vec::new(),
            })
        });
    }

    /// Writes the records' bytes back to back, with no separators (binary records such
    /// as TeraSort's; part files are named `part-NNNNN` without an extension).
    pub fn write_bytes(&self, url: &str)
    where
        T: AsRef<[u8]>,
    {
        self.file_sink(url, "", |file| Ok(BytesWriter(file)));
    }

    /// Writes a Parquet file (or one per worker for a folder URL): one column per struct
    /// field or tuple position (see `strom_core::formats::arrow_ser`).
    pub fn write_parquet(&self, url: &str) {
        self.file_sink(url, ".parquet", |file| {
            Ok(ParquetWriter(ParquetFileWriter::new(file)))
        });
    }

    fn file_sink<W: RecordWriter<T> + 'static>(
        &self,
        url: &str,
        ext: &str,
        mut open: impl FnMut(FileWriter) -> Result<W> + 'static,
    ) {
        let ctx = self.env.ctx.clone();
        let index = self.env.index();
        let target = match resolve(url) {
            Ok(t) => t,
            Err(e) => return ctx.fail(&e),
        };
        let folder = url.ends_with('/');
        let (target, stream) = if folder {
            if index == 0 {
                // Part files of an earlier, wider run that this run will not replace.
                let stale = target.file_names().map(|names| {
                    names
                        .into_iter()
                        .filter(|name| part_index(name, ext).is_some_and(|i| i >= self.env.peers()))
                        .collect::<Vec<_>>()
                });
                match stale {
                    Ok(stale) => stale
                        .iter()
                        .for_each(|name| ctx.remove_on_publish(target.join(name))),
                    Err(e) => return ctx.fail(&e),
                }
            }
            (
                target.join(&format!("part-{index:05}{ext}")),
                self.stream.clone(),
            )
        } else {
            (target, self.gather().stream)
        };
        let writes = folder || index == 0;
        let shown = format!("Sink: {url}");
        let mut file: Option<(std::path::PathBuf, W)> = None;
        let mut done = false;
        stream.sink(Pipeline, "FileSink", move |(input, frontier)| {
            let mut step = || -> Result<()> {
                if writes && file.is_none() && !done {
                    let path = ctx.staging_file(index)?;
                    let created =
                        std::fs::File::create(&path).map_err(|e| Error::path(path.display(), e))?;
                    let out = BufWriter::with_capacity(1 << 20, created);
                    file = Some((path, open(out)?));
                }
                let mut result = Ok(());
                input.for_each(|_, data| {
                    if let (Some((_, w)), Ok(())) = (file.as_mut(), &result) {
                        result = data.iter().try_for_each(|x| w.write(x));
                    }
                });
                result?;
                if frontier.frontier().is_empty() && !done {
                    done = true;
                    if let Some((path, w)) = file.take() {
                        w.finish()?;
                        ctx.stage(Staged {
                            file: path,
                            target: target.clone(),
                        });
                    }
                }
                Ok(())
            };
            if let Err(e) = step() {
                done = true;
                file = None;
                ctx.fail_with(format!("writing {}: {e}", target.url));
            }
        });
        shown_as(&self.stream, &shown);
    }
}

/// Shows the operators built since the last data set (a sink's) as one, `name`.
fn shown_as<T>(
    stream: &strom_core::timely::dataflow::StreamVec<'_, crate::env::Time, T>,
    name: &str,
) {
    strom_core::metrics::group_built(&stream.scope(), None, Some(name));
}
