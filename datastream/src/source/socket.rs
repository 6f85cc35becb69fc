//! The text socket source (Flink's `socketTextStream`): lines read from a TCP server
//! by one worker, stamped with ingestion time. When the connection ends, the source
//! reconnects after half a second while retries remain (`None`: for ever), and
//! otherwise ends, giving the unfinished last line first, as Flink's does.

use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::{Poll, SplitReader, Timestamps};
use crate::env::StreamEnv;
use crate::stream::DataStream;
use crate::watermark::WatermarkStrategy;

/// Pause before reconnecting.
const RETRY_DELAY: Duration = Duration::from_millis(500);

struct SocketSplit {
    addr: String,
    /// Only one worker reads the socket; the others' splits are empty.
    reads: bool,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    retries_left: Option<u32>,
    retry_at: Option<Instant>,
    ever_connected: bool,
}

impl SocketSplit {
    fn lines(&mut self, out: &mut Vec<String>, max: usize) {
        while out.len() < max {
            let Some(end) = self.buf.iter().position(|&b| b == b'\n') else {
                break;
            };
            let line: Vec<u8> = self.buf.drain(..=end).collect();
            let text = String::from_utf8_lossy(&line[..line.len() - 1]);
            out.push(text.trim_end_matches('\r').to_string());
        }
    }

    /// The connection ended: retry later, or end.
    fn closed(&mut self, out: &mut Vec<String>) -> Poll {
        self.stream = None;
        if !self.buf.is_empty() {
            let rest = std::mem::take(&mut self.buf);
            out.push(
                String::from_utf8_lossy(&rest)
                    .trim_end_matches('\r')
                    .to_string(),
            );
        }
        match &mut self.retries_left {
            Some(0) => Poll::Done,
            left => {
                if let Some(n) = left {
                    *n -= 1;
                }
                self.retry_at = Some(Instant::now() + RETRY_DELAY);
                Poll::Pending(RETRY_DELAY)
            }
        }
    }
}

impl SplitReader<String> for SocketSplit {
    /// A socket cannot be read again: its position says nothing, and a restored job
    /// cannot resume it (the default [`SplitReader::seek`]).
    type Position = ();

    fn read(&mut self, out: &mut Vec<String>, max: usize) -> Poll {
        if !self.reads {
            return Poll::Done;
        }
        if self.stream.is_none() {
            if let Some(at) = self.retry_at {
                let now = Instant::now();
                if now < at {
                    return Poll::Pending(at - now);
                }
            }
            match TcpStream::connect(&self.addr).and_then(|s| s.set_nonblocking(true).map(|()| s)) {
                Ok(s) => {
                    self.stream = Some(s);
                    self.ever_connected = true;
                }
                Err(e) if !self.ever_connected && self.retries_left == Some(0) => {
                    panic!("socket source {}: cannot connect: {e}", self.addr)
                }
                Err(_) => return self.closed(out),
            }
        }
        self.lines(out, max);
        if out.len() >= max {
            return Poll::Ready;
        }
        let mut chunk = [0u8; 64 << 10];
        let stream = self.stream.as_mut().expect("connected above");
        match stream.read(&mut chunk) {
            Ok(0) => self.closed(out),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                self.lines(out, max);
                Poll::Ready
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if out.is_empty() {
                    Poll::Pending(Duration::from_millis(5))
                } else {
                    Poll::Ready
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => Poll::Ready,
            Err(_) => self.closed(out),
        }
    }

    fn position(&self) {}
}

impl<'s> StreamEnv<'s> {
    /// Lines of text from the TCP server at `addr` (`host:port`), read by worker 0 and
    /// stamped with ingestion time. After the connection ends, the source reconnects
    /// up to `max_retries` times (`None`: for ever); with no retries left it ends.
    ///
    /// # Panics
    /// (Failing the job) when the first connection fails and no retries are allowed.
    pub fn socket_text_stream(
        &self,
        addr: &str,
        max_retries: Option<u32>,
    ) -> DataStream<'s, String> {
        let split = SocketSplit {
            addr: addr.to_string(),
            reads: self.index() == 0,
            stream: None,
            buf: Vec::new(),
            retries_left: max_retries,
            retry_at: None,
            ever_connected: false,
        };
        let shown = format!("Source: socket {}", split.addr);
        self.source(
            "SocketTextSource",
            split,
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
        .name(&shown)
    }
}
