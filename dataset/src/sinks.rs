//! Sinks: `collect` and `count` to the driver; text and CSV files through object_store.
//!
//! A file URL ending in `/` is a folder: every worker writes `part-NNNNN.<ext>` (Flink's
//! layout at parallelism above one), and the folder's old contents are replaced. Any other
//! URL is one file, written by worker 0 after gathering all records there (records
//! already on worker 0 keep their order, so `gather().sort_partition(..)` writes a sorted
//! file). Files are staged locally and published only when the whole job succeeded.

use std::cell::RefCell;
use std::io::{BufWriter, Write};
use std::rc::Rc;

use strom_core::formats::CsvOptions;
use strom_core::storage::resolve;
use strom_core::timely::dataflow::channels::pact::{Exchange, Pipeline};
use strom_core::timely::dataflow::operators::generic::Operator;
use strom_core::{Error, Result};

use crate::data_set::{Data, DataSet};
use crate::env::Staged;
use crate::output::{Collected, Counted};

type FileWriter = BufWriter<std::fs::File>;

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
        Counted { cell }
    }

    /// Writes one line per record (its `Display` form).
    pub fn write_text(&self, url: &str)
    where
        T: std::fmt::Display,
    {
        self.file_sink(url, ".txt", None, |w: &mut FileWriter, x: &T| {
            writeln!(w, "{x}").map_err(Error::from)
        });
    }

    /// Writes CSV rows (serde). With `options.has_header`, struct records get a header
    /// line of their field names.
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
        let mut row = Vec::new();
        self.file_sink(url, ".csv", header, move |w: &mut FileWriter, x: &T| {
            row.clear();
            let mut cw = csv::WriterBuilder::new()
                .has_headers(false)
                .delimiter(options.delimiter)
                .quote(options.quote)
                .from_writer(&mut row);
            cw.serialize(x)
                .map_err(|e| Error::Plan(format!("cannot write record as CSV: {e}")))?;
            drop(cw);
            w.write_all(&row).map_err(Error::from)
        });
    }

    fn file_sink(
        &self,
        url: &str,
        ext: &str,
        header: Option<Vec<u8>>,
        mut write: impl FnMut(&mut FileWriter, &T) -> Result<()> + 'static,
    ) {
        let ctx = self.env.ctx.clone();
        let index = self.env.index();
        let target = match resolve(url) {
            Ok(t) => t,
            Err(e) => return ctx.fail(&e),
        };
        let folder = url.ends_with('/');
        let (target, stream) = if folder {
            ctx.replace_folder(target.clone());
            (
                target.join(&format!("part-{index:05}{ext}")),
                self.stream.clone(),
            )
        } else {
            (target, self.gather().stream)
        };
        let writes = folder || index == 0;
        let mut file: Option<(std::path::PathBuf, FileWriter)> = None;
        let mut done = false;
        stream.sink(Pipeline, "FileSink", move |(input, frontier)| {
            let mut step = || -> Result<()> {
                if writes && file.is_none() && !done {
                    let path = ctx.staging_file(index)?;
                    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
                    if let Some(h) = &header {
                        w.write_all(h)?;
                    }
                    file = Some((path, w));
                }
                let mut result = Ok(());
                input.for_each(|_, data| {
                    if let (Some((_, w)), Ok(())) = (file.as_mut(), &result) {
                        for x in data.iter() {
                            if let Err(e) = write(w, x) {
                                result = Err(e);
                                break;
                            }
                        }
                    }
                });
                result?;
                if frontier.frontier().is_empty() && !done {
                    done = true;
                    if let Some((path, w)) = file.take() {
                        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
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
                ctx.fail(&Error::Job(format!("writing {}: {e}", target.url)));
            }
        });
    }
}
