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

/// TeraSort: reads every record of the files in `input` into memory, sorts them by the
/// 10-byte key (stable) and writes them to `output` as one file.
pub(crate) fn terasort(input: &Path, output: &Path) -> Result<()> {
    let mut files: Vec<_> = std::fs::read_dir(input)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    files.retain(|p| {
        !p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
    });
    files.sort();
    let mut data = Vec::new();
    for f in files {
        data.extend(std::fs::read(f)?);
    }
    let mut records: Vec<&[u8]> = data.chunks_exact(100).collect();
    records.sort_by(|a, b| a[..10].cmp(&b[..10]));
    let mut out = std::io::BufWriter::new(std::fs::File::create(output)?);
    for r in records {
        out.write_all(r)?;
    }
    out.flush()?;
    Ok(())
}

/// Whether the files in `dir`, concatenated in name order, equal `expected`'s bytes.
pub(crate) fn same_concatenation(dir: &Path, expected: &Path) -> Result<bool> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    files.sort();
    let want = std::fs::read(expected)?;
    let mut at = 0;
    for f in files {
        let got = std::fs::read(f)?;
        if want.get(at..at + got.len()) != Some(&got[..]) {
            return Ok(false);
        }
        at += got.len();
    }
    Ok(at == want.len())
}
