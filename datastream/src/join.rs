//! Joins of two keyed streams in event time (Flink's `intervalJoin` and window
//! `join`).
//!
//! - **Interval join**: each record `a` of the first stream meets every record `b` of
//!   the second with the same key and `a.ts + lower <= b.ts <= a.ts + upper`; the pair
//!   carries the later of the two times. Each side is buffered per key and time in map
//!   state and dropped by a timer once the watermark is past the times it can still
//!   meet; records behind the watermark are late and dropped, as in Flink.
//! - **Window join**: records of both streams with the same key in the same window
//!   (tumbling, sliding or session) meet pairwise when the window fires.

use std::hash::Hash;
use std::time::Duration;

use strom_core::time::Offset;

use crate::connect::{Either, KeyedCoProcessFunction};
use crate::process::{Context, MapState};
use crate::stream::{Data, DataStream, KeyedStream};
use crate::window::WindowResult;

/// The interval join of two keyed streams.
pub struct IntervalJoin<'s, A, B, K> {
    first: KeyedStream<'s, A, K>,
    second: KeyedStream<'s, B, K>,
    lower: i64,
    upper: i64,
}

impl<'s, A: Data, K: Data + Hash + Eq> KeyedStream<'s, A, K> {
    /// Joins this stream with `other` on equal keys, for records within
    /// `[a.ts + lower, a.ts + upper]` of each other (bounds inclusive, as Flink's
    /// `between`): `interval_join(&b, Offset::before(Duration::from_secs(2)),
    /// Offset::after(Duration::from_secs(1)))`.
    ///
    /// # Panics
    /// When `lower > upper`.
    pub fn interval_join<B: Data>(
        &self,
        other: &KeyedStream<'s, B, K>,
        lower: Offset,
        upper: Offset,
    ) -> IntervalJoin<'s, A, B, K> {
        let (lower, upper) = (lower.as_millis(), upper.as_millis());
        assert!(
            lower <= upper,
            "interval join bounds: {lower} ms > {upper} ms"
        );
        IntervalJoin {
            first: KeyedStream {
                stream: self.stream.clone(),
                key: self.key.clone(),
            },
            second: KeyedStream {
                stream: other.stream.clone(),
                key: other.key.clone(),
            },
            lower,
            upper,
        }
    }
}

struct IntervalJoiner<A, B> {
    lower: i64,
    upper: i64,
    left: MapState<i64, Vec<A>>,
    right: MapState<i64, Vec<B>>,
}

impl<A: Data, B: Data> IntervalJoiner<A, B> {
    /// Emits the pairs `(a at ta, b at tb)` for every buffered record of the other side
    /// that `ts` meets, and buffers the new record with a clean-up timer.
    fn arrive<K: Data + Hash + Eq>(
        &mut self,
        side: Either<A, B>,
        ctx: &mut Context<'_, K, (A, B), ()>,
    ) {
        let ts = ctx.timestamp();
        if ts < ctx.current_watermark() {
            return; // late (Flink: behind the watermark)
        }
        match side {
            Either::Left(a) => {
                for (tb, bs) in self.right.entries(ctx) {
                    if ts + self.lower <= tb && tb <= ts + self.upper {
                        for b in bs {
                            ctx.collect_at(ts.max(tb), (a.clone(), b));
                        }
                    }
                }
                let mut here = self.left.get(ctx, &ts).unwrap_or_default();
                here.push(a);
                self.left.put(ctx, ts, here);
                // It can meet right records up to ts + upper; later ones come after
                // the watermark passes that.
                ctx.register_event_time_timer(ts + self.upper);
            }
            Either::Right(b) => {
                for (ta, as_) in self.left.entries(ctx) {
                    if ta + self.lower <= ts && ts <= ta + self.upper {
                        for a in as_ {
                            ctx.collect_at(ts.max(ta), (a, b.clone()));
                        }
                    }
                }
                let mut here = self.right.get(ctx, &ts).unwrap_or_default();
                here.push(b);
                self.right.put(ctx, ts, here);
                // It can meet left records up to ts - lower.
                ctx.register_event_time_timer(ts - self.lower);
            }
        }
    }
}

impl<K: Data + Hash + Eq, A: Data, B: Data> KeyedCoProcessFunction<K, A, B>
    for IntervalJoiner<A, B>
{
    type Out = (A, B);
    type Side = ();

    fn process_element1(&mut self, value: A, ctx: &mut Context<'_, K, (A, B), ()>) {
        self.arrive(Either::Left(value), ctx);
    }

    fn process_element2(&mut self, value: B, ctx: &mut Context<'_, K, (A, B), ()>) {
        self.arrive(Either::Right(value), ctx);
    }

    fn on_timer(&mut self, _: i64, ctx: &mut Context<'_, K, (A, B), ()>) {
        // Forget what no later record can meet: a later record has ts > watermark.
        let w = ctx.current_watermark();
        for (ta, _) in self.left.entries(ctx) {
            if ta + self.upper <= w {
                self.left.remove(ctx, &ta);
            }
        }
        for (tb, _) in self.right.entries(ctx) {
            if tb - self.lower <= w {
                self.right.remove(ctx, &tb);
            }
        }
    }
}

impl<'s, A: Data, B: Data, K: Data + Hash + Eq> IntervalJoin<'s, A, B, K> {
    /// The joined pairs, each at the later of its two event times.
    pub fn pairs(&self) -> DataStream<'s, (A, B)> {
        let (k1, k2) = (self.first.key.owned(), self.second.key.owned());
        self.first
            .stream
            .connect(&self.second.stream)
            .key_by(move |a: &A| k1(a), move |b: &B| k2(b))
            .co_process(IntervalJoiner {
                lower: self.lower,
                upper: self.upper,
                left: MapState::new("interval-join-left"),
                right: MapState::new("interval-join-right"),
            })
            .main
    }
}

/// Records of both sides of a window join, gathered per key and window.
type Sides<A, B> = (Vec<A>, Vec<B>);

/// The window join of two keyed streams (Flink's `a.join(b).where(..).equalTo(..)`).
pub struct WindowJoin<'s, A, B, K> {
    keyed: KeyedStream<'s, Either<A, B>, K>,
}

impl<'s, A: Data, K: Data + Hash + Eq> KeyedStream<'s, A, K> {
    /// Joins this stream with `other` on equal keys within windows: choose the windows
    /// with [`WindowJoin::tumbling`], [`WindowJoin::sliding`] or [`WindowJoin::session`].
    pub fn window_join<B: Data>(&self, other: &KeyedStream<'s, B, K>) -> WindowJoin<'s, A, B, K> {
        let (k1, k2) = (self.key.owned(), other.key.owned());
        WindowJoin {
            keyed: self
                .stream
                .connect(&other.stream)
                .key_by(move |a: &A| k1(a), move |b: &B| k2(b)),
        }
    }
}

fn gather<A: Clone, B: Clone>(acc: &mut Sides<A, B>, e: &Either<A, B>) {
    match e {
        Either::Left(a) => acc.0.push(a.clone()),
        Either::Right(b) => acc.1.push(b.clone()),
    }
}

/// Every pair of a fired window, with the window's key and bounds.
fn pairs<K, A: Clone, B: Clone>(w: WindowResult<K, Sides<A, B>>) -> Vec<WindowResult<K, (A, B)>>
where
    K: Clone,
{
    let (lefts, rights) = &w.value;
    let mut out = Vec::with_capacity(lefts.len() * rights.len());
    for a in lefts {
        for b in rights {
            out.push(WindowResult {
                key: w.key.clone(),
                start: w.start,
                end: w.end,
                value: (a.clone(), b.clone()),
            });
        }
    }
    out
}

impl<'s, A: Data, B: Data, K: Data + Hash + Eq> WindowJoin<'s, A, B, K> {
    /// Pairs within tumbling event-time windows of `size`.
    pub fn tumbling(&self, size: Duration) -> DataStream<'s, WindowResult<K, (A, B)>> {
        self.sliding(size, size)
    }

    /// Pairs within sliding event-time windows (a pair in several windows comes once
    /// per window, as in Flink).
    pub fn sliding(
        &self,
        size: Duration,
        slide: Duration,
    ) -> DataStream<'s, WindowResult<K, (A, B)>> {
        self.keyed
            .sliding_window(size, slide)
            .aggregate(Sides::default, gather, |acc| acc)
            .flat_map(pairs)
    }

    /// Pairs within session windows of `gap`.
    pub fn session(&self, gap: Duration) -> DataStream<'s, WindowResult<K, (A, B)>> {
        self.keyed
            .session_window(gap)
            .aggregate(
                Sides::default,
                gather,
                |acc, mut other| {
                    acc.0.append(&mut other.0);
                    acc.1.append(&mut other.1);
                },
                |acc| acc,
            )
            .flat_map(pairs)
    }
}
