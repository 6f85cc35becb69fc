//! `strom run window-agg` against Apache Flink itself and a Python reference of
//! event-time windows (input disorder within the bound, so nothing is late), at several
//! layouts; and late records beyond the bound going to `--late-output`.

use std::ffi::OsStr;
use std::path::Path;

use crate::support::{flink_script, fresh, python_script, run_strom, scratch, skip};

/// Rows of `key,window_start,window_end,count,sum`, sorted, the sum parsed.
fn rows(path: &Path) -> Vec<(String, i64, i64, u64, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows: Vec<_> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            )
        })
        .collect();
    rows.sort_by(|a, b| (a.1, &a.0, a.2).cmp(&(b.1, &b.0, b.2)));
    rows
}

/// Events over 10 keys, event times climbing with disorder below `bound` ms.
pub(crate) fn write_events(path: &Path, n: usize, bound: i64) {
    let mut s = 99u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut text = String::from("key,event_time_ms,value\n");
    let mut max = 1_700_000_000_000i64;
    for _ in 0..n {
        max += (next() % 40) as i64;
        let ts = max - (next() % bound as u64) as i64;
        let key = format!("k{}", next() % 10);
        let value = (next() % 2001) as i64 - 1000;
        text.push_str(&format!("{key},{ts},{}\n", value as f64 / 4.0));
    }
    std::fs::write(path, text).unwrap();
}

/// Asserts two window outputs are equal row for row (sums to 1e-6).
fn assert_same(got: &Path, want: &Path, what: &str) {
    let (got, want) = (rows(got), rows(want));
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((&g.0, g.1, g.2, g.3), (&w.0, w.1, w.2, w.3), "{what}");
        assert!((g.4 - w.4).abs() < 1e-6, "{what}: {g:?} vs {w:?}");
    }
}

const WINDOWS: [(&str, &str); 3] = [
    ("tumbling:5s", "tumbling:5000"),
    ("sliding:10s:2s", "sliding:10000:2000"),
    ("session:150ms", "session:150"),
];

/// Runs `window-agg` on `input` at 1 worker, 4 workers, 2 processes of 2 and 2 workers
/// on the disk state backend, checking each output against `expected(window)`.
fn check_layouts(dir: &Path, input: &Path, expected: impl Fn(&str) -> std::path::PathBuf) {
    for (window, spec) in WINDOWS {
        let disk = [
            "-w",
            "2",
            "--state-backend",
            "disk",
            "--state-cache-entries",
            "4",
        ];
        for layout in [
            &["-w", "1"][..],
            &["-w", "4"],
            &["-p", "2", "-w", "2"],
            &disk,
        ] {
            let out = dir.join("out.csv");
            let _ = std::fs::remove_file(&out);
            let mut args = vec![
                "run",
                "window-agg",
                "--input",
                input.to_str().unwrap(),
                "--window",
                window,
                "--out-of-orderness",
                "2s",
                "--output",
                out.to_str().unwrap(),
            ];
            args.extend_from_slice(layout);
            run_strom(&args);
            assert_same(&out, &expected(spec), &format!("{window} {layout:?}"));
        }
    }
}

#[test]
fn window_agg_matches_the_reference_at_every_layout() {
    let dir = scratch("window-agg");
    let input = dir.join("events.csv");
    write_events(&input, 20_000, 2_000);
    for (_, spec) in WINDOWS {
        let expected = dir.join(format!("expected-{}.csv", spec.replace(':', "-")));
        let lengths: Vec<&str> = spec.split(':').skip(1).collect();
        let (size, slide) = match spec.split(':').next() {
            Some("session") => ("session", lengths[0]),
            Some("tumbling") => (lengths[0], lengths[0]),
            _ => (lengths[0], lengths[1]),
        };
        let args: [&OsStr; 4] = [
            input.as_os_str(),
            size.as_ref(),
            slide.as_ref(),
            expected.as_os_str(),
        ];
        if let Err(why) = python_script("window_reference.py", &args) {
            return skip("window_agg_matches_the_reference_at_every_layout", &why);
        }
    }
    check_layouts(&dir, &input, |spec| {
        dir.join(format!("expected-{}.csv", spec.replace(':', "-")))
    });
}

#[test]
fn window_agg_equals_flink_at_every_layout() {
    let dir = scratch("window-agg-flink");
    let input = dir.join("events.csv");
    write_events(&input, 20_000, 2_000);
    let mut args: Vec<&OsStr> = vec![input.as_os_str(), "2000".as_ref(), dir.as_os_str()];
    args.extend(WINDOWS.iter().map(|(_, spec)| OsStr::new(spec)));
    if let Err(why) = flink_script("flink_window_agg.py", &args) {
        return skip("window_agg_equals_flink_at_every_layout", &why);
    }
    check_layouts(&dir, &input, |spec| {
        dir.join(format!("flink-{}.csv", spec.replace(':', "-")))
    });
}

#[test]
fn records_beyond_the_bound_go_to_the_late_output() {
    let dir = scratch("window-agg-late");
    let input = dir.join("events.csv");
    // 1,100 records a second apart, then one far behind: a file read as a stream moves
    // its watermark after every 1,024 records (`WATERMARK_EVERY`), so by then it is
    // 1,023 s - 1 s - 1 ms past the start, and the window [10 s, 11 s) has fired.
    let mut text = String::from("key,event_time_ms,value\n");
    for i in 0..1_100 {
        text.push_str(&format!("a,{},1\n", i * 1_000));
    }
    text.push_str("a,10500,7\n");
    std::fs::write(&input, text).unwrap();
    let (out, late) = (fresh(dir.join("out.csv")), fresh(dir.join("late.csv")));
    run_strom(&[
        "run",
        "window-agg",
        "--input",
        input.to_str().unwrap(),
        "--window",
        "tumbling:1s",
        "--out-of-orderness",
        "1s",
        "--output",
        out.to_str().unwrap(),
        "--late-output",
        late.to_str().unwrap(),
        "-w",
        "1",
    ]);
    assert_eq!(
        std::fs::read_to_string(&late).unwrap(),
        "key,event_time_ms,value\na,10500,7\n"
    );
    let windows = rows(&out);
    assert_eq!(windows.len(), 1_100);
    assert!(windows.iter().all(|w| w.3 == 1 && w.4 == 1.0));
}

#[test]
fn malformed_rows_and_windows_are_named() {
    let dir = scratch("window-agg-errors");
    let input = dir.join("bad.csv");
    std::fs::write(&input, "key,event_time_ms,value\na,1000,1\nb,soon,2\n").unwrap();
    let run = |window: &str| {
        let out = crate::support::strom()
            .args(["run", "window-agg", "--input"])
            .arg(&input)
            .args(["--window", window])
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = run("tumbling:1s");
    assert!(
        err.contains("bad.csv:3") && err.contains("event_time_ms"),
        "{err}"
    );
    assert!(run("hopping:1s").contains("tumbling:SIZE"));
}
