//! `teragen` / `terasort` / `teravalidate` under a tiny memory budget, checked against
//! the test's own sort of the input.

use std::path::Path;

use crate::support::{run_strom, scratch, strom};

/// Every record of the files below `dir`, in file-name order.
fn records_in(dir: &Path) -> Vec<Vec<u8>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            std::fs::read(f)
                .unwrap()
                .chunks(100)
                .map(<[u8]>::to_vec)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn terasort_sorts_out_of_core_at_every_parallelism() {
    let dir = scratch("terasort");
    let input = dir.join("in");
    let _ = std::fs::remove_dir_all(&input);
    let gen_out = run_strom(&[
        "run",
        "teragen",
        "--rows",
        "30000",
        "--output",
        input.to_str().unwrap(),
        "--workers",
        "2",
    ]);
    let gen_line = String::from_utf8(gen_out.stdout).unwrap();
    assert!(gen_line.starts_with("rows 30000, checksum "), "{gen_line}");
    let checksum = gen_line.trim().rsplit(' ').next().unwrap().to_string();

    let mut expected = records_in(&input);
    assert_eq!(expected.len(), 30000);
    assert!(expected.iter().all(|r| r.len() == 100));
    expected.sort();

    let layouts: [&[&str]; 3] = [
        &["--workers", "1"],
        &["--workers", "3"],
        &["--processes", "2", "--workers", "2"],
    ];
    for layout in layouts {
        let output = dir.join("out");
        let spill = dir.join("spill");
        let _ = std::fs::remove_dir_all(&output);
        let _ = std::fs::remove_dir_all(&spill);
        let mut args = vec![
            "run",
            "terasort",
            "--input",
            input.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
        ];
        args.extend_from_slice(&["--memory", "256KB", "--spill-dir", spill.to_str().unwrap()]);
        args.extend_from_slice(layout);
        let out = run_strom(&args);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("spilled"),
            "{layout:?}: no spilling reported"
        );
        assert!(
            std::fs::read_dir(&spill).unwrap().next().is_none(),
            "{layout:?}: spill folder not cleaned"
        );

        let got = records_in(&output);
        assert!(
            got.windows(2).all(|w| w[0][..10] <= w[1][..10]),
            "{layout:?}: output not sorted by key"
        );
        let mut all = got.clone();
        all.sort();
        assert!(
            all == expected,
            "{layout:?}: output is not a permutation of the input"
        );

        let validated = run_strom(&["run", "teravalidate", "--input", output.to_str().unwrap()]);
        let line = String::from_utf8(validated.stdout).unwrap();
        assert_eq!(
            line.trim(),
            format!("rows 30000, checksum {checksum}, sorted: yes")
        );
    }

    // teravalidate catches disorder, naming the file.
    let bad = dir.join("bad");
    let _ = std::fs::remove_dir_all(&bad);
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(
        bad.join("part-00000"),
        [expected[1].clone(), expected[0].clone()].concat(),
    )
    .unwrap();
    let out = strom()
        .args(["run", "teravalidate", "--input", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("part-00000 record 1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Regression: teravalidate once read 8 MiB steps, which split records (8 MiB is not a
/// multiple of 100) and misjudged files larger than one step.
#[test]
fn teravalidate_reads_whole_records_across_read_steps() {
    let dir = scratch("teravalidate-steps");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // 90,000 records (9 MB): more than one 8 MiB step. Keys are the row numbers in
    // fixed-width decimal, so the file is sorted.
    let mut data = Vec::with_capacity(90_000 * 100);
    for i in 0..90_000u32 {
        data.extend_from_slice(format!("{i:010}").as_bytes());
        data.extend_from_slice(&[b'x'; 90]);
    }
    std::fs::write(dir.join("part-00000"), &data).unwrap();
    let out = run_strom(&["run", "teravalidate", "--input", dir.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("rows 90000, checksum "));
}
