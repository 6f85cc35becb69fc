//! Single-threaded hand-written baselines: the floor a parallel engine must beat (the
//! COST question). They use the same hash function as Strom's jobs (FxHash).

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use rustc_hash::FxHashMap;

/// Word count of one file, as `word,count` CSV sorted by count desc, word asc, in memory.
pub(crate) fn wordcount(path: &Path) -> Result<Vec<u8>> {
    let text = std::fs::read_to_string(path)?;
    let mut counts: FxHashMap<String, u64> = FxHashMap::default();
    let mut lowered = String::new();
    for line in text.lines() {
        lowered.clear();
        if line.is_ascii() {
            lowered.push_str(line);
            lowered.make_ascii_lowercase();
        } else {
            lowered.push_str(&line.to_lowercase());
        }
        for word in lowered.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if word.is_empty() {
                continue;
            }
            match counts.get_mut(word) {
                Some(c) => *c += 1,
                None => {
                    counts.insert(word.to_string(), 1);
                }
            }
        }
    }
    let mut rows: Vec<(String, u64)> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut out = Vec::with_capacity(rows.len() * 16);
    out.extend_from_slice(b"word,count\n");
    for (w, c) in rows {
        writeln!(out, "{w},{c}")?;
    }
    Ok(out)
}
