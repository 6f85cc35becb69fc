//! A seeded, Zipf-distributed text corpus for word-count benchmarks.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

/// What the corpus holds.
pub(crate) struct Stats {
    pub(crate) lines: u64,
    pub(crate) words: u64,
}

/// Writes `bytes` of text to `path` unless it exists, and counts its lines and words.
pub(crate) fn ensure(path: &Path, bytes: usize) -> Result<Stats> {
    if !path.exists() {
        let tmp = path.with_extension("tmp");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        // Vocabulary of 100k made-up words; ranks drawn from Zipf(s = 1) by inversion.
        let vocabulary: Vec<String> = (0..100_000u32).map(word).collect();
        let harmonic: Vec<f64> = (1..=vocabulary.len())
            .scan(0.0, |acc, k| {
                *acc += 1.0 / k as f64;
                Some(*acc)
            })
            .collect();
        let total = *harmonic.last().expect("non-empty vocabulary");
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut written = 0;
        let mut line = String::new();
        while written < bytes {
            line.clear();
            let n = 4 + (next(&mut state) % 12) as usize;
            for i in 0..n {
                let u = (next(&mut state) >> 11) as f64 / (1u64 << 53) as f64 * total;
                let rank = harmonic
                    .partition_point(|&h| h < u)
                    .min(vocabulary.len() - 1);
                if i > 0 {
                    line.push_str(if next(&mut state).is_multiple_of(8) {
                        ", "
                    } else {
                        " "
                    });
                }
                line.push_str(&vocabulary[rank]);
            }
            line.push_str(".\n");
            out.write_all(line.as_bytes())?;
            written += line.len();
        }
        out.flush()?;
        drop(out);
        std::fs::rename(&tmp, path)?;
    }
    let text = std::fs::read(path)?;
    let lines = text.iter().filter(|&&b| b == b'\n').count() as u64;
    let words = text
        .split(|b| !b.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .count() as u64;
    Ok(Stats { lines, words })
}

fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn word(i: u32) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "Da", "Fe", "ga", "hu", "jo", "pe", "qi",
        "wu",
    ];
    let mut w = String::new();
    let mut n = i + 1;
    while n > 0 {
        w.push_str(SYLLABLES[(n % 16) as usize]);
        n /= 16;
    }
    w
}
