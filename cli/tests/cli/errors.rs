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
