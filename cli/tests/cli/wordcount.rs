//! `strom run wordcount` against an independent reference (Python's `re`), and the same
//! bytes at every parallelism.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use crate::support::{run_strom, scratch};

/// A corpus with mixed case, punctuation, digits, underscores, non-ASCII letters, CRLF
/// line ends, empty lines, a skewed word distribution, and several files.
pub(crate) fn write_corpus(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let vocabulary = [
        "The",
        "quick",
        "brown",
        "FOX",
        "jumps",
        "over",
        "the",
        "lazy",
        "dog",
        "Flink's",
        "stream_42",
        "naïve",
        "café",
        "ÄRGER",
        "x1",
        "über-cool",
        "co-operate",
        "don't",
        "e.g.",
        "3.14",
        "a",
        "I",
        "state",
        "window",
        "watermark",
        "checkpoint",
        "KELVIN\u{212A}",
        "ǅ",
        "tab\tsep",
    ];
    let mut next = crate::support::xorshift(42);
    for file in 0..3 {
        let mut text = String::new();
        for line in 0..4000 {
            let words = next() % 12;
            for _ in 0..words {
                // Skewed: low indices are much more frequent.
                let r = next() % 1000;
                let i = ((r * r) / 1000 * vocabulary.len() as u64 / 1000) as usize;
                text.push_str(vocabulary[i]);
                text.push(if next().is_multiple_of(5) { ',' } else { ' ' });
            }
            text.push_str(if line % 7 == 0 { "\r\n" } else { "\n" });
        }
        std::fs::write(dir.join(format!("part-{file}.txt")), text).unwrap();
    }
    std::fs::write(dir.join("_SUCCESS"), "not input").unwrap();
}

/// The reference answer, computed by Python (`re.split` on `[^a-z0-9_]+` of the
/// lower-cased text), as the expected CSV bytes.
pub(crate) fn reference(dir: &Path) -> Vec<u8> {
    let script = r#"
import collections, glob, re, sys
counts = collections.Counter()
for path in sorted(glob.glob(sys.argv[1] + "/part-*.txt")):
    with open(path, encoding="utf-8", newline="") as f:
        counts.update(w for w in re.split(r"[^a-z0-9_]+", f.read().lower()) if w)
rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
sys.stdout.write("word,count\n" + "".join(f"{w},{c}\n" for w, c in rows))
"#;
    match Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(dir)
        .output()
    {
        Ok(out) if out.status.success() => out.stdout,
        _ => rust_reference(dir),
    }
}

/// A plain sequential reference for machines without Python.
fn rust_reference(dir: &Path) -> Vec<u8> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    for i in 0..3 {
        let text = std::fs::read_to_string(dir.join(format!("part-{i}.txt")))
            .unwrap()
            .to_lowercase();
        let mut word = String::new();
        for c in text.chars().chain(std::iter::once(' ')) {
            if c.is_ascii_alphanumeric() || c == '_' {
                word.push(c);
            } else if !word.is_empty() {
                *counts.entry(std::mem::take(&mut word)).or_default() += 1;
            }
        }
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut out = String::from("word,count\n");
    for (w, c) in rows {
        out.push_str(&format!("{w},{c}\n"));
    }
    out.into_bytes()
}

#[test]
fn wordcount_matches_reference_at_every_parallelism() {
    let dir = scratch("wordcount");
    let corpus = dir.join("corpus");
    write_corpus(&corpus);
    let expected = reference(&corpus);
    assert!(expected.len() > 100, "reference is not empty");
    let layouts: [&[&str]; 4] = [
        &["--workers", "1"],
        &["--workers", "4"],
        &["--processes", "2", "--workers", "2"],
        // Small splits: every file is read as several byte ranges by several workers.
        &["--workers", "3", "--split-size", "10KB"],
    ];
    for layout in layouts {
        let out = dir.join("counts.csv");
        let _ = std::fs::remove_file(&out);
        let mut args = vec![
            "run",
            "wordcount",
            "--input",
            corpus.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(layout);
        run_strom(&args);
        let got = std::fs::read(&out).unwrap();
        assert!(
            got == expected,
            "{layout:?}: output differs from the reference"
        );
    }
}

#[test]
fn wordcount_default_runs_on_builtin_text() {
    let out = run_strom(&["run", "wordcount"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["word", "count"]
    );
    // Hand-counted in Hamlet's soliloquy (Flink's WordCountData): "the" occurs 22 times.
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["the", "22"]
    );
    assert_eq!(lines.len(), 11);
}

/// A cluster started from a host file, one `strom` per process (as on several machines).
#[test]
fn host_file_cluster_gives_the_same_bytes() {
    let dir = scratch("wordcount-hosts");
    let corpus = dir.join("corpus");
    write_corpus(&corpus);
    let hosts = dir.join("hosts.txt");
    let ports: Vec<u16> = (0..2)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    std::fs::write(
        &hosts,
        format!(
            "# two processes\n127.0.0.1:{}\n127.0.0.1:{}\n",
            ports[0], ports[1]
        ),
    )
    .unwrap();
    let out = dir.join("counts.csv");
    let _ = std::fs::remove_file(&out);
    let children: Vec<_> = (0..2)
        .map(|i| {
            crate::support::strom()
                .args([
                    "run",
                    "wordcount",
                    "--input",
                    corpus.to_str().unwrap(),
                    "--output",
                    out.to_str().unwrap(),
                ])
                .args([
                    "--hosts",
                    hosts.to_str().unwrap(),
                    "--process-index",
                    &i.to_string(),
                    "--workers",
                    "2",
                ])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    assert!(
        std::fs::read(&out).unwrap() == reference(&corpus),
        "host-file cluster output differs"
    );
}

/// Parquet output, read back by pyarrow (an independent reader), equals the CSV answer.
#[test]
fn wordcount_parquet_output_reads_back_in_pyarrow() {
    let env = match crate::support::python_env() {
        Ok(e) => e,
        Err(why) => {
            return crate::support::skip("wordcount_parquet_output_reads_back_in_pyarrow", &why);
        }
    };
    let dir = scratch("wordcount-parquet");
    let corpus = dir.join("corpus");
    write_corpus(&corpus);
    let out = dir.join("counts.parquet");
    let _ = std::fs::remove_file(&out);
    run_strom(&[
        "run",
        "wordcount",
        "--input",
        corpus.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--workers",
        "3",
    ]);
    let script = "import pyarrow.parquet as pq, sys\nt = pq.read_table(sys.argv[1])\n\
                  assert t.schema.names == ['word', 'count'], t.schema\n\
                  sys.stdout.write('word,count\\n' + ''.join(f'{w},{c}\\n' for w, c in zip(t['word'].to_pylist(), t['count'].to_pylist())))";
    let read = Command::new(env.join("bin/python"))
        .arg("-c")
        .arg(script)
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    assert!(
        read.stdout == reference(&corpus),
        "Parquet output differs from the reference"
    );
}

/// A batch job draws a progress bar (bytes read of the total, rate, ETA) when standard
/// error is a terminal (here a pseudo-terminal from util-linux `script`), and writes
/// nothing to a pipe.
#[test]
fn progress_bar_only_on_a_terminal() {
    let dir = scratch("wordcount-progress");
    // About 20 MB, so the job runs long enough for the bar to be drawn.
    let input = dir.join("words.txt");
    let line = "alpha beta gamma delta epsilon zeta eta theta iota kappa\n";
    std::fs::write(&input, line.repeat(20_000_000 / line.len())).unwrap();
    let size = std::fs::metadata(&input).unwrap().len();
    let args = |out: &str| {
        vec![
            "run".to_string(),
            "wordcount".into(),
            "--input".into(),
            input.to_str().unwrap().into(),
            "--output".into(),
            crate::support::fresh(dir.join(out))
                .to_str()
                .unwrap()
                .into(),
        ]
    };
    let piped = crate::support::strom()
        .args(args("piped.csv"))
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert!(
        piped.stderr.is_empty(),
        "quiet in a pipe, got: {}",
        String::from_utf8_lossy(&piped.stderr)
    );

    let command = std::iter::once(env!("CARGO_BIN_EXE_strom").to_string())
        .chain(args("tty.csv"))
        .collect::<Vec<_>>()
        .join(" ");
    let Ok(tty) = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("STROM_HOME", dir.join("home"))
        .output()
    else {
        crate::support::skip("progress_bar_only_on_a_terminal", "no util-linux `script`");
        return;
    };
    assert!(tty.status.success());
    let text = String::from_utf8_lossy(&tty.stdout);
    let total = format!("/{:.2} MiB read", size as f64 / (1 << 20) as f64);
    assert!(text.contains(&total), "a bar of {total} in: {text}");
    assert!(text.contains("/s, ETA"), "rate and ETA in: {text}");
    // The counts are the same as without a terminal.
    assert_eq!(
        std::fs::read(dir.join("tty.csv")).unwrap(),
        std::fs::read(dir.join("piped.csv")).unwrap()
    );
}
