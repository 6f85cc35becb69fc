//! The `strict` pattern of `strom-bench cep` (`A B+ C`, strict, skip past last event,
//! within 10 s; 200,000 events 1 ms apart over 100 keys) at 1 worker, with the
//! auto-watermark interval given in ms: shows that the operator's throughput at sparse
//! event times is bounded by source flow control (a 2 s event-time lead per watermark
//! step), not by the operator (`docs/0020-cep-nfa.md`).
//!
//! ```sh
//! cargo run --release -p strom-cep --example watermark_interval -- 200
//! ```
use std::rc::Rc;
use std::time::{Duration, Instant};
use strom_cep::{AfterMatchSkipStrategy, Pattern, pattern};
use strom_core::RuntimeConfig;
use strom_datastream::{Generator, Timestamps, WatermarkStrategy, execute};
/// (key, kind, time ms), as the bench's.
type Ev = (u32, u8, i64);
/// Event `i` of `keys` keys (the bench's generator).
fn event(i: u64, keys: u32) -> Ev {
    let h = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let h = h ^ (h >> 29);
    (
        ((h >> 32) % u64::from(keys)) as u32,
        ((h >> 8) % 4) as u8,
        i as i64,
    )
}
fn main() {
    let ms: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let n: u64 = 200_000;
    let k = |c: u8| move |e: &Ev| e.1 == c;
    let p = Pattern::begin_with_skip("a", AfterMatchSkipStrategy::SkipPastLastEvent)
        .where_(k(0))
        .next("b")
        .where_(k(1))
        .one_or_more()
        .consecutive()
        .greedy()
        .next("c")
        .where_(k(2))
        .within(Duration::from_millis(10_000));
    let t = Instant::now();
    let rows = execute(&RuntimeConfig::default().with_workers(1), move |env| {
        let env = env.with_auto_watermark_interval(Duration::from_millis(ms));
        let s = env.generate(
            Generator {
                count: Some(n),
                rate: None,
            },
            move |i| event(i, 100),
            Timestamps::Event(Rc::new(|e: &Ev| e.2)),
            WatermarkStrategy::bounded_out_of_orderness(Duration::ZERO),
        );
        pattern(s.key_by(|e: &Ev| e.0), &p)
            .expect("a valid pattern")
            .select(|m| m.get("a")[0].2)
    })
    .expect("the job runs")
    .unwrap_or_default();
    let s = t.elapsed().as_secs_f64();
    println!(
        "interval {ms} ms: {} matches, {s:.2} s, {:.0} events/s",
        rows.len(),
        n as f64 / s
    );
}
