//! Micro-benchmarks of hot paths that whole-job numbers hide: key hashing and routing,
//! the word-count tokenizer, record serialization, event-time window assignment, keyed
//! state access on both backends, the external sorter's spill and merge, and timely's
//! exchange between two workers.
//!
//! `cargo bench -p strom-benches --bench hot_paths`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use strom_core::keys::worker_for_key;

fn hashing(c: &mut Criterion) {
    let words: Vec<String> = (0..10_000).map(|i| format!("word{i}")).collect();
    let mut g = c.benchmark_group("keys");
    g.throughput(Throughput::Elements(words.len() as u64));
    g.bench_function("worker_for_key/string", |b| {
        b.iter(|| {
            words
                .iter()
                .map(|w| worker_for_key(w, 128, 4))
                .sum::<usize>()
        })
    });
    g.finish();
}

fn tokenizer(c: &mut Criterion) {
    let text = strom_jobs::wordcount::BUILTIN_TEXT.repeat(20);
    let mut g = c.benchmark_group("wordcount");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("tokenize", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for line in text.lines() {
                strom_jobs::wordcount::tokenize(line, |w| n += w.len());
            }
            n
        })
    });
    g.finish();
}

/// Records as operators exchange and spill them: bincode, both ways.
fn serialization(c: &mut Criterion) {
    let records: Vec<(String, u64, i64)> = (0..10_000)
        .map(|i| (format!("key{}", i % 1000), i, i as i64 * 7))
        .collect();
    let bytes = bincode::serialize(&records).expect("serializes");
    let mut g = c.benchmark_group("serialization");
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("bincode/encode", |b| {
        b.iter(|| bincode::serialize(&records).expect("serializes").len())
    });
    g.bench_function("bincode/decode", |b| {
        b.iter(|| {
            bincode::deserialize::<Vec<(String, u64, i64)>>(&bytes)
                .expect("decodes")
                .len()
        })
    });
    g.finish();
}

/// The windows of each event time: tumbling and sliding (4 windows each).
fn window_assignment(c: &mut Criterion) {
    use strom_datastream::window::{sliding_windows, tumbling_start};
    let times: Vec<i64> = (0..10_000i64).map(|i| 1_700_000_000_000 + i * 37).collect();
    let mut g = c.benchmark_group("windows");
    g.throughput(Throughput::Elements(times.len() as u64));
    g.bench_function("tumbling", |b| {
        b.iter(|| times.iter().map(|&t| tumbling_start(t, 1_000)).sum::<i64>())
    });
    g.bench_function("sliding/4", |b| {
        b.iter(|| {
            times
                .iter()
                .flat_map(|&t| sliding_windows(t, 4_000, 1_000))
                .map(|w| w.0)
                .sum::<i64>()
        })
    });
    g.finish();
}

/// Read-modify-write of keyed state, 10,000 keys, on the heap and on disk (a cache of
/// 1,000 entries, so most accesses go to the store).
fn state_access(c: &mut Criterion) {
    use strom_core::state::{DiskOptions, KeyGroupRange, StateBackend, StateTable};
    let range = KeyGroupRange::for_worker(0, 1, 128);
    let keys: Vec<(u32, u64)> = (0..10_000u64)
        .map(|k| (range.group_of(&k), k.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
        .collect();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let disk = StateBackend::Disk(DiskOptions {
        dir: Some(dir.path().to_path_buf()),
        cache_entries: 1_000,
        ..DiskOptions::default()
    });
    let mut g = c.benchmark_group("state");
    g.throughput(Throughput::Elements(keys.len() as u64));
    for (name, backend) in [("heap", StateBackend::Heap), ("disk", disk)] {
        let mut table: StateTable<u64, u64> = StateTable::on(range, &backend).expect("a table");
        g.bench_function(format!("update/{name}"), |b| {
            b.iter(|| {
                for &(group, key) in &keys {
                    *table.entry(group, key).or_insert(0) += 1;
                }
            })
        });
    }
    g.finish();
}

/// 200,000 records through the external sorter with a budget that makes it spill
/// about eight runs, then merged back.
fn spill_merge(c: &mut Criterion) {
    use std::sync::Arc;
    use strom_core::spill::{ExternalSorter, SpillDir, SpillMetrics, footprint};
    let records: Vec<(u64, u64)> = (0..200_000u64)
        .map(|i| (i.wrapping_mul(0x9e37_79b9_7f4a_7c15), i))
        .collect();
    let budget = footprint(&records[0]) * records.len() as u64 / 8;
    let dir = Arc::new(SpillDir::new(None).expect("a spill folder"));
    let mut g = c.benchmark_group("spill");
    g.throughput(Throughput::Elements(records.len() as u64));
    g.sample_size(10);
    g.bench_function("sort-spill-merge", |b| {
        b.iter(|| {
            let mut sorter = ExternalSorter::new(
                |a: &(u64, u64), b: &(u64, u64)| a.cmp(b),
                budget,
                dir.clone(),
                Arc::new(SpillMetrics::default()),
            );
            for r in &records {
                sorter.push(*r).expect("pushed");
            }
            sorter.finish().expect("merged").count()
        })
    });
    g.finish();
}

/// 1,000,000 numbers exchanged by value between two timely workers in one process.
fn exchange(c: &mut Criterion) {
    use strom_core::timely::dataflow::Stream;
    use strom_core::timely::dataflow::operators::{Exchange, Inspect, Probe, ToStream};
    let mut g = c.benchmark_group("exchange");
    g.throughput(Throughput::Elements(1_000_000));
    g.sample_size(10);
    g.bench_function("timely/2-workers", |b| {
        b.iter(|| {
            let counts =
                strom_core::timely::execute(strom_core::timely::Config::process(2), |worker| {
                    let index = worker.index() as u64;
                    let seen = std::rc::Rc::new(std::cell::Cell::new(0u64));
                    let counter = seen.clone();
                    worker.dataflow::<u64, _, _>(|scope| {
                        let numbers: Stream<'_, u64, Vec<u64>> =
                            (0..500_000u64).map(move |i| i * 2 + index).to_stream(scope);
                        numbers
                            .exchange(|x| *x)
                            .inspect(move |_| counter.set(counter.get() + 1))
                            .probe();
                    });
                    while worker.step() {}
                    seen.get()
                })
                .expect("runs")
                .join();
            let total: u64 = counts.into_iter().map(|c| c.expect("a worker")).sum();
            assert_eq!(total, 1_000_000, "every number arrives once");
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    hashing,
    tokenizer,
    serialization,
    window_assignment,
    state_access,
    spill_merge,
    exchange
);
criterion_main!(benches);
