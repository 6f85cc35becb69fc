//! Writing output never destroys data Strom did not write: a non-empty output folder or an
//! existing output file is refused without `--overwrite`; with it only Strom's own part
//! files (or the file) are replaced; an output that is, holds or lies inside an input is
//! refused always.

use std::path::Path;

use crate::support::{fresh, scratch, strom};

/// Three words, counted: the CSV wordcount writes for `TEXT`.
const TEXT: &str = "b a\nc b\nb\n";
const COUNTS: &str = "word,count\nb,3\na,1\nc,1\n";

/// A folder `in/` with `TEXT` in one file, below a fresh `name` folder.
fn setup(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = fresh(scratch(name));
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("text.txt"), TEXT).unwrap();
    (dir, input)
}

fn wordcount(input: &Path, output: &str, more: &[&str]) -> std::process::Output {
    strom()
        .args(["run", "wordcount", "--input", input.to_str().unwrap()])
        .args(["--output", output])
        .args(more)
        .output()
        .expect("strom runs")
}

fn refused(out: &std::process::Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should be refused: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in: {stderr}");
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn folder_url(dir: &Path) -> String {
    format!("{}/", dir.display())
}

#[test]
fn a_folder_with_other_files_is_refused_and_kept() {
    let (dir, input) = setup("outputs-foreign");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    refused(
        &wordcount(&input, &folder_url(&out), &[]),
        &["not empty", "notes.txt", "--overwrite"],
    );
    assert_eq!(names(&out), ["notes.txt"]);
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn overwrite_replaces_only_stroms_part_files() {
    let (dir, input) = setup("outputs-overwrite");
    let out = dir.join("out");
    let first = wordcount(&input, &folder_url(&out), &["-w", "4"]);
    assert!(first.status.success(), "{first:?}");
    assert_eq!(names(&out).len(), 4);
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::write(out.join("part-7.csv"), "not of strom's naming").unwrap();
    let second = wordcount(&input, &folder_url(&out), &["-w", "2", "--overwrite"]);
    assert!(second.status.success(), "{second:?}");
    assert_eq!(
        names(&out),
        [
            "notes.txt",
            "part-00000.csv",
            "part-00001.csv",
            "part-7.csv"
        ],
        "the parts of the 4-worker run replaced, other files kept"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    // The counts are gathered on one worker: one part holds them, the other a header.
    let parts: String = ["part-00000.csv", "part-00001.csv"]
        .iter()
        .map(|p| std::fs::read_to_string(out.join(p)).unwrap())
        .collect();
    assert!(parts.contains(COUNTS), "{parts}");
}

#[test]
fn an_existing_file_is_refused_unless_overwritten() {
    let (dir, input) = setup("outputs-file");
    let out = dir.join("counts.csv");
    std::fs::write(&out, "precious").unwrap();
    let o = out.to_str().unwrap();
    refused(&wordcount(&input, o, &[]), &["counts.csv", "exists"]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious");
    let replaced = wordcount(&input, o, &["--overwrite"]);
    assert!(replaced.status.success(), "{replaced:?}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), COUNTS);
}

#[test]
fn an_output_that_is_holds_or_lies_inside_the_input_is_refused() {
    let (dir, input) = setup("outputs-input");
    let inside = input.join("sub");
    let cases = [
        folder_url(&input),
        input.to_str().unwrap().to_string(),
        folder_url(&inside),
        input.join("counts.csv").to_str().unwrap().to_string(),
        folder_url(&dir),
        // The same folder by another spelling.
        format!("{}/../in/", input.display()),
    ];
    for output in &cases {
        for more in [&[][..], &["--overwrite"]] {
            refused(&wordcount(&input, output, more), &["input", "in"]);
            assert_eq!(names(&input), ["text.txt"], "{output} {more:?}");
            assert_eq!(
                std::fs::read_to_string(input.join("text.txt")).unwrap(),
                TEXT
            );
        }
    }
}

#[test]
fn terasort_into_its_input_is_refused() {
    let dir = fresh(scratch("outputs-terasort"));
    let input = dir.join("tera");
    let generated = strom()
        .args(["run", "teragen", "--rows", "100", "--output"])
        .arg(folder_url(&input))
        .output()
        .unwrap();
    assert!(generated.status.success(), "{generated:?}");
    let before = names(&input);
    let sorted = strom()
        .args(["run", "terasort", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&input)
        .arg("--overwrite")
        .output()
        .unwrap();
    refused(&sorted, &["input"]);
    assert_eq!(names(&input), before);
    assert_eq!(
        std::fs::metadata(input.join(&before[0])).unwrap().len(),
        100 * 100
    );
}
