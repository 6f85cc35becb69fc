//! Micro-benchmarks of hot paths that whole-job numbers hide: key hashing and routing,
//! the word-count tokenizer, and CSV decoding into records.
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
    let text = strom_cli::jobs::wordcount::BUILTIN_TEXT.repeat(20);
    let mut g = c.benchmark_group("wordcount");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("tokenize", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for line in text.lines() {
                strom_cli::jobs::wordcount::tokenize(line, |w| n += w.len());
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, hashing, tokenizer);
criterion_main!(benches);
