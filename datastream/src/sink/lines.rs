//! Line sinks that are not exactly-once (Flink's `print`, `FileSink` of rows,
//! `writeToSocket`): each worker writes what reaches it, a line per record.
//!
//! File sinks roll part files (`part-<worker>-<n><suffix>`) when a part reaches its
//! size or age, and publish each part whole through object_store, so a reader never
//! sees a half-written part; the last part is published when the stream ends. On a
//! local file system a part is written as it comes into a hidden in-progress file
//! beside it and renamed when it rolls; elsewhere it is held and put whole.
//!
//! Known limitation: rolled parts and socket lines are written on the worker thread
//! (these sinks predate the off-load rule; the exactly-once file sink,
//! [`super::StagedFileSink`], writes off it).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use strom_core::storage::{Location, resolve};
use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::generic::builder_rc::OperatorBuilder;

use crate::stream::{Data, DataStream};

/// Where a line sink writes.
#[derive(Clone, Debug)]
pub enum LineSink {
    /// Standard output.
    Stdout,
    /// A TCP server at `host:port`.
    Socket(String),
    /// Rolling part files in a folder.
    Files(FileSink),
}

/// Rolling part files in a folder URL.
#[derive(Clone, Debug)]
pub struct FileSink {
    /// The folder (any object_store URL).
    pub url: String,
    /// A part rolls once it holds this many bytes.
    pub max_part_bytes: usize,
    /// A part rolls once it has been open this long.
    pub rollover: Duration,
    /// A first line of every part (a CSV header).
    pub header: Option<String>,
    /// File name suffix (`.csv`).
    pub suffix: String,
}

impl FileSink {
    /// Parts of up to 128 MiB, rolled at least every 60 s (Flink's defaults), into
    /// `url`.
    pub fn new(url: impl Into<String>) -> Self {
        FileSink {
            url: url.into(),
            max_part_bytes: 128 << 20,
            rollover: Duration::from_secs(60),
            header: None,
            suffix: String::new(),
        }
    }
}

/// One worker's part files: the open one, and how many it rolled.
struct Parts {
    sink: FileSink,
    worker: usize,
    next: usize,
    open: Option<Part>,
}

/// An open part: on a local file system streamed into a hidden file beside its name
/// (`.part-...inprogress`, renamed when it rolls, as Flink's in-progress files), so
/// it is written through a small buffer rather than held; elsewhere held in memory
/// and put whole when it rolls.
struct Part {
    since: Instant,
    target: Location,
    name: String,
    bytes: usize,
    to: PartWriter,
}

enum PartWriter {
    Staged(BufWriter<File>, PathBuf),
    Memory(Vec<u8>),
}

impl Drop for Part {
    /// A part dropped unpublished (the job failed or was cancelled) leaves no
    /// in-progress file behind.
    fn drop(&mut self) {
        if let PartWriter::Staged(_, staged) = &self.to {
            let _ = std::fs::remove_file(staged);
        }
    }
}

impl Parts {
    fn line(&mut self, line: &str) {
        if self.open.is_none() {
            let part = self.start().unwrap_or_else(|e| panic!("{e}"));
            self.open = Some(part);
        }
        let part = self.open.as_mut().expect("a part is open");
        let written = match &mut part.to {
            PartWriter::Staged(file, _) => file
                .write_all(line.as_bytes())
                .and_then(|()| file.write_all(b"\n")),
            PartWriter::Memory(buf) => {
                buf.extend_from_slice(line.as_bytes());
                buf.push(b'\n');
                Ok(())
            }
        };
        if let Err(e) = written {
            panic!(
                "file sink {}: cannot write {}: {e}",
                self.sink.url, part.name
            );
        }
        part.bytes += line.len() + 1;
        if part.bytes >= self.sink.max_part_bytes {
            self.roll();
        }
    }

    /// Opens the next part, its header written.
    fn start(&mut self) -> Result<Part, String> {
        let name = format!(
            "part-{:05}-{:05}{}",
            self.worker, self.next, self.sink.suffix
        );
        self.next += 1;
        let cannot = |e: &dyn std::fmt::Display| {
            format!("file sink {}: cannot write {name}: {e}", self.sink.url)
        };
        let target = resolve(&self.sink.url).map_err(|e| cannot(&e))?.join(&name);
        let mut to = match &target.local {
            Some(path) => {
                let staged = path.with_file_name(format!(".{name}.inprogress"));
                if let Some(dir) = staged.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| cannot(&e))?;
                }
                let file = File::create(&staged).map_err(|e| cannot(&e))?;
                PartWriter::Staged(BufWriter::with_capacity(1 << 20, file), staged)
            }
            None => PartWriter::Memory(Vec::new()),
        };
        let mut bytes = 0;
        if let Some(h) = &self.sink.header {
            let header = format!("{h}\n");
            match &mut to {
                PartWriter::Staged(file, _) => {
                    file.write_all(header.as_bytes()).map_err(|e| cannot(&e))?;
                }
                PartWriter::Memory(buf) => buf.extend_from_slice(header.as_bytes()),
            }
            bytes = header.len();
        }
        Ok(Part {
            since: Instant::now(),
            target,
            name,
            bytes,
            to,
        })
    }

    fn roll_if_old(&mut self) {
        if self
            .open
            .as_ref()
            .is_some_and(|part| part.since.elapsed() >= self.sink.rollover)
        {
            self.roll();
        }
    }

    /// Publishes the open part whole under its name.
    fn roll(&mut self) {
        let Some(mut part) = self.open.take() else {
            return;
        };
        let to = std::mem::replace(&mut part.to, PartWriter::Memory(Vec::new()));
        let published = match to {
            PartWriter::Staged(file, staged) => file
                .into_inner()
                .map_err(|e| e.into_error().to_string())
                .and_then(|_| part.target.publish_file(&staged).map_err(|e| e.to_string())),
            PartWriter::Memory(buf) => part.target.write(buf.into()).map_err(|e| e.to_string()),
        };
        if let Err(e) = published {
            panic!(
                "file sink {}: cannot write {}: {e}",
                self.sink.url, part.name
            );
        }
    }
}

/// A socket written line by line, connected on first use.
struct Socket {
    addr: String,
    stream: Option<TcpStream>,
}

impl Socket {
    fn write(&mut self, bytes: &[u8]) {
        let mut last = None;
        for attempt in 0..3 {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(500));
            }
            if self.stream.is_none() {
                match TcpStream::connect(&self.addr) {
                    Ok(s) => self.stream = Some(s),
                    Err(e) => {
                        last = Some(e);
                        continue;
                    }
                }
            }
            match self.stream.as_mut().map(|s| s.write_all(bytes)) {
                Some(Ok(())) => return,
                Some(Err(e)) => {
                    self.stream = None;
                    last = Some(e);
                }
                None => {}
            }
        }
        let why = last.map_or_else(String::new, |e| e.to_string());
        panic!("socket sink {}: {why}", self.addr);
    }
}

impl<T: Data> DataStream<'_, T> {
    /// Prints every record (its `Debug` form) to standard output as it arrives; with
    /// several workers each line starts `<worker + 1>> `, as Flink's `print` does.
    pub fn print(&self)
    where
        T: std::fmt::Debug,
    {
        let (index, peers) = (self.env.index(), self.env.peers());
        if peers > 1 {
            self.write_lines(LineSink::Stdout, move |r| format!("{}> {r:?}", index + 1));
        } else {
            self.write_lines(LineSink::Stdout, |r| format!("{r:?}"));
        }
    }

    /// Writes every record as the line `format` makes of it.
    pub fn write_lines(&self, sink: LineSink, format: impl Fn(&T) -> String + 'static) {
        let index = self.env.index();
        let mut builder = OperatorBuilder::new("LineSink".to_string(), self.env.scope);
        let info = builder.operator_info();
        let (operator, id) = (info.local_id, info.global_id);
        let shown = match &sink {
            LineSink::Stdout => "Sink: print".to_string(),
            LineSink::Files(f) => format!("Sink: {}", f.url),
            LineSink::Socket(addr) => format!("Sink: socket {addr}"),
        };
        let activator = self.env.scope.activator_for(info.address);
        let mut input = builder.new_input(self.stream.clone(), Pipeline);
        let mut parts = match &sink {
            LineSink::Files(f) => Some(Parts {
                sink: f.clone(),
                worker: index,
                next: 0,
                open: None,
            }),
            _ => None,
        };
        let mut socket = match &sink {
            LineSink::Socket(addr) => Some(Socket {
                addr: addr.clone(),
                stream: None,
            }),
            _ => None,
        };
        builder.build(move |_| {
            move |frontiers| {
                let _running = strom_core::metrics::running(id);
                let frontier = frontiers[0].frontier();
                let mut text = String::new();
                input.for_each(|_, batch| {
                    for r in batch.drain(..) {
                        let line = format(&r.value);
                        match &mut parts {
                            Some(p) => p.line(&line),
                            None => {
                                text.push_str(&line);
                                text.push('\n');
                            }
                        }
                    }
                });
                if !text.is_empty() {
                    match &mut socket {
                        Some(s) => s.write(text.as_bytes()),
                        None => {
                            let mut out = std::io::stdout().lock();
                            let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
                        }
                    }
                }
                if let Some(p) = &mut parts {
                    if frontier.is_empty() {
                        p.roll();
                    } else {
                        p.roll_if_old();
                        if p.open.is_some() {
                            // Look again to roll the part on age.
                            activator.activate_after(p.sink.rollover.min(Duration::from_secs(1)));
                        }
                    }
                }
            }
        });
        strom_core::metrics::group_built(&self.env.scope, Some(operator), Some(&shown));
    }
}
