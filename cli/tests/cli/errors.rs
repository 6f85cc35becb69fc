//! Bad input fails with a clear error naming the file and line or row, and publishes
//! nothing.

use crate::support::{scratch, strom};

fn fails_with(args: &[&str], needles: &[&str]) {
    let out = strom().args(args).output().expect("strom runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "strom {args:?} should fail");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "strom {args:?}: {needle:?} not in:\n{stderr}"
        );
    }
    assert!(
        !stderr.contains("panicked"),
        "strom {args:?} panicked:\n{stderr}"
    );
}

#[test]
fn invalid_utf8_names_file_and_line_and_writes_nothing() {
    let dir = scratch("errors-utf8");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("a.txt"), "fine words\nmore words\n").unwrap();
    std::fs::write(input.join("b.txt"), b"ok\nstill ok\nbad \xff byte\n").unwrap();
    let out = dir.join("out.csv");
    let _ = std::fs::remove_file(&out);
    for layout in [
        &["--workers", "1"][..],
        &["--workers", "3", "--split-size", "8"][..],
    ] {
        let mut args = vec![
            "run",
            "wordcount",
            "--input",
            input.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(layout);
        fails_with(&args, &["b.txt:3", "invalid utf-8"]);
        assert!(!out.exists(), "a failed job must not publish output");
    }
}

#[test]
fn missing_input_and_bad_parquet_are_named() {
    let dir = scratch("errors-missing");
    let missing = dir.join("nope");
    fails_with(
        &["run", "wordcount", "--input", missing.to_str().unwrap()],
        &["no input files", "nope"],
    );

    let data = dir.join("tpch");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("lineitem.parquet"), b"this is not parquet").unwrap();
    fails_with(
        &[
            "run",
            "tpch",
            "--query",
            "6",
            "--data",
            data.to_str().unwrap(),
        ],
        &["lineitem.parquet", "not a readable Parquet file"],
    );
    fails_with(
        &[
            "run",
            "tpch",
            "--query",
            "7",
            "--data",
            data.to_str().unwrap(),
        ],
        &["query 7 is not built in"],
    );
}

#[test]
fn bad_settings_are_named() {
    let dir = scratch("errors-settings");
    let toml = dir.join("strom.toml");
    std::fs::write(&toml, "workers = \"many\"\n").unwrap();
    fails_with(
        &["run", "wordcount", "--config", toml.to_str().unwrap()],
        &["strom.toml"],
    );
    fails_with(
        &["run", "wordcount", "--memory", "12 parsecs"],
        &["--memory", "parsecs"],
    );
    fails_with(
        &["run", "wordcount", "--workers", "0"],
        &["workers must be at least 1"],
    );
}

/// Settings that used to hang or exhaust the machine fail at once, naming the setting.
#[test]
fn settings_that_cannot_run_are_refused_before_launch() {
    fails_with(
        &["run", "wordcount", "--memory", "0"],
        &["memory budget of 0 bytes is too small"],
    );
    fails_with(
        &["run", "wordcount", "--workers", "4", "--memory", "8KB"],
        &["too small", "4 workers"],
    );
    fails_with(
        &["run", "wordcount", "--workers", "100000"],
        &["100000 workers", "per core"],
    );
    fails_with(
        &["run", "wordcount", "--processes", "100", "--workers", "2"],
        &["200 workers", "key groups"],
    );
    fails_with(
        &["run", "unique-visitors", "--rate", "0"],
        &["--rate", "positive"],
    );
    fails_with(
        &["run", "unique-visitors", "--rate=-5"],
        &["--rate", "positive"],
    );
}

/// A streaming job's input line that does not parse is named by file and line, and
/// input options that do not go together are named.
#[test]
fn streaming_inputs_that_do_not_parse_or_go_together_are_named() {
    let dir = scratch("errors-inputs");
    let input = dir.join("visits.csv");
    std::fs::write(&input, "visitor,time_ms\n1,100\n2,soon\n").unwrap();
    let input = input.to_str().unwrap();
    let visitors = ["run", "unique-visitors", "--input", input];
    // The file source fails the job as its worker's failure (a panic), naming the line.
    let out = strom().args(visitors).output().expect("strom runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("job failed") && stderr.contains("visits.csv:3: field time_ms"),
        "{stderr}"
    );
    fails_with(
        &[&visitors[..], &["--visits", "5"]].concat(),
        &["--visits", "--input"],
    );
    let words = ["run", "socket-window-wordcount"];
    fails_with(&words, &["--port"]);
    let kafka = "kafka://127.0.0.1:9/lines";
    let both = [&words[..], &["--port", "9", "--input", kafka]].concat();
    fails_with(&both, &["--port", "--input"]);
    let file = [&words[..], &["--input", input]].concat();
    fails_with(&file, &["--input", "kafka://"]);
}

/// Every folder a job writes is checked before the first record is read, and the error
/// names it; nothing panics.
#[test]
fn unwritable_folders_are_named_before_launch() {
    let dir = scratch("errors-unwritable");
    let file = dir.join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let below_file = file.join("sub");
    let below = below_file.to_str().unwrap();
    let stream = [
        "run",
        "unique-visitors",
        "--visitors",
        "10",
        "--visits",
        "100",
        "--checkpoint-interval",
        "1s",
        "--output",
    ];
    let out = dir.join("visits/");
    let _ = std::fs::remove_dir_all(&out);
    let o = out.to_str().unwrap();
    for bad in ["/proc/nope", below] {
        let mut args = stream.to_vec();
        args.extend([o, "--checkpoint-dir", bad]);
        fails_with(&args, &["--checkpoint-dir", bad]);
        assert!(!out.exists(), "the job did not start");
        fails_with(
            &["run", "wordcount", "--spill-dir", bad],
            &["--spill-dir", bad],
        );
        let mut args = stream.to_vec();
        args.extend([o, "--state-backend", "disk", "--state-dir", bad]);
        fails_with(&args, &["--state-dir", bad]);
    }
    fails_with(
        &["run", "wordcount", "--output", "/proc/nope/o.csv"],
        &["/proc/nope/o.csv"],
    );
    let mut args = stream.to_vec();
    args.push("/proc/nope/");
    fails_with(&args, &["/proc/nope/"]);
}

/// A `--restore` that names no committed checkpoint fails before launch.
#[test]
fn a_bad_restore_path_is_named_before_launch() {
    let dir = scratch("errors-restore");
    let missing = dir.join("checkpoints/chk-0000000007");
    let m = missing.to_str().unwrap();
    let out = dir.join("out/");
    let _ = std::fs::remove_dir_all(&out);
    fails_with(
        &[
            "run",
            "unique-visitors",
            "--visitors",
            "10",
            "--output",
            out.to_str().unwrap(),
            "--restore",
            m,
        ],
        &["--restore", m, "not a committed checkpoint"],
    );
    let empty = dir.join("empty-checkpoints");
    std::fs::create_dir_all(&empty).unwrap();
    fails_with(
        &[
            "run",
            "unique-visitors",
            "--output",
            out.to_str().unwrap(),
            "--checkpoint-dir",
            empty.to_str().unwrap(),
            "--restore",
            "latest",
        ],
        &["--restore latest", "no committed checkpoint"],
    );
}
