//! Bounded hand-over of input chunks from I/O threads to a timely worker.
//!
//! A producer runs on the I/O runtime's blocking pool, reads (e.g. fetches byte ranges or
//! decodes Parquet pages) and sends chunks into a bounded channel: when the worker falls
//! behind, the producer blocks (backpressure). After every send, and when it finishes, the
//! producer calls `wake`, which activates the worker's source operator.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::error::Result;

/// The producer's end.
pub struct ChunkSender<R> {
    /// `None` only while dropping: the channel must close before the final wake.
    tx: Option<mpsc::Sender<Result<R>>>,
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl<R> ChunkSender<R> {
    /// Sends one chunk (or error), blocking while the channel is full. Returns `false` when
    /// the worker has gone away, so the producer can stop.
    pub fn send(&self, item: Result<R>) -> bool {
        let ok = self
            .tx
            .as_ref()
            .is_some_and(|tx| tx.blocking_send(item).is_ok());
        (self.wake)();
        ok
    }
}

impl<R> Drop for ChunkSender<R> {
    fn drop(&mut self) {
        // Close the channel first, then wake: a wake before the close could be consumed
        // by a poll that still sees an open, empty channel, and the worker would park
        // for good.
        drop(self.tx.take());
        (self.wake)();
    }
}

/// The worker's end.
pub struct ChunkReceiver<R> {
    rx: mpsc::Receiver<Result<R>>,
}

/// What the worker finds when it looks for a chunk.
pub enum Poll<R> {
    /// A chunk (or the producer's error).
    Ready(Result<R>),
    /// Nothing yet; the producer will wake the worker.
    Pending,
    /// The producer has finished.
    Done,
}

impl<R> ChunkReceiver<R> {
    /// Takes the next chunk without blocking.
    pub fn poll(&mut self) -> Poll<R> {
        match self.rx.try_recv() {
            Ok(item) => Poll::Ready(item),
            Err(mpsc::error::TryRecvError::Empty) => Poll::Pending,
            Err(mpsc::error::TryRecvError::Disconnected) => Poll::Done,
        }
    }
}

/// Starts `produce` on the I/O runtime's blocking pool with a channel of `capacity` chunks.
pub fn spawn_producer<R, P>(
    capacity: usize,
    wake: impl Fn() + Send + Sync + 'static,
    produce: P,
) -> ChunkReceiver<R>
where
    R: Send + 'static,
    P: FnOnce(&ChunkSender<R>) + Send + 'static,
{
    let (tx, rx) = mpsc::channel(capacity.max(1));
    let sender = ChunkSender {
        tx: Some(tx),
        wake: Arc::new(wake),
    };
    crate::io_runtime::handle().spawn_blocking(move || produce(&sender));
    ChunkReceiver { rx }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// The last wake comes after the channel is closed, so a poll after it sees `Done`.
    #[test]
    fn final_wake_follows_close() {
        for _ in 0..200 {
            let wakes = Arc::new(AtomicUsize::new(0));
            let w = wakes.clone();
            let (tx, rx) = mpsc::channel::<Result<u32>>(1);
            let rx = std::sync::Mutex::new(ChunkReceiver { rx });
            let seen_done = Arc::new(AtomicUsize::new(0));
            let done = seen_done.clone();
            let rx = Arc::new(rx);
            let rx2 = rx.clone();
            let sender = ChunkSender {
                tx: Some(tx),
                wake: Arc::new(move || {
                    w.fetch_add(1, Ordering::SeqCst);
                    if matches!(rx2.lock().unwrap().poll(), Poll::Done) {
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                }),
            };
            drop(sender);
            assert_eq!(wakes.load(Ordering::SeqCst), 1);
            assert_eq!(
                seen_done.load(Ordering::SeqCst),
                1,
                "the final wake must observe the closed channel"
            );
        }
    }
}
