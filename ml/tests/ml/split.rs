//! Train/test splits: disjoint, complete, near the weights, and the same at any worker
//! count.

use strom_core::RuntimeConfig;
use strom_ml::{TableOptions, Value, random_split, run_on_table};

fn parts(url: &str, workers: usize) -> Vec<Vec<f64>> {
    let mut out = run_on_table(
        &RuntimeConfig::default().with_workers(workers),
        url,
        &TableOptions::default(),
        |_, t| {
            let parts = random_split(&t, &[0.7, 0.3], 42)?;
            let tagged = parts[0]
                .rows
                .map(|r| (0u8, r))
                .union(&parts[1].rows.map(|r| (1u8, r)));
            Ok(tagged.collect())
        },
    )
    .unwrap();
    out.sort_by(|a, b| {
        a.1[0]
            .as_num()
            .unwrap()
            .total_cmp(&b.1[0].as_num().unwrap())
    });
    let mut split = vec![Vec::new(), Vec::new()];
    for (part, row) in out {
        if let Value::Num(x) = row[0] {
            split[part as usize].push(x);
        }
    }
    split
}

#[test]
fn a_split_is_disjoint_complete_and_independent_of_workers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    let mut text = String::from("id,v\n");
    for i in 0..2000 {
        text.push_str(&format!("{i},{}\n", i % 7));
    }
    std::fs::write(&path, text).unwrap();
    let url = path.to_str().unwrap();
    let one = parts(url, 1);
    assert_eq!(one, parts(url, 2));
    assert_eq!(one[0].len() + one[1].len(), 2000);
    let mut all: Vec<f64> = one.concat();
    all.sort_by(f64::total_cmp);
    all.dedup();
    assert_eq!(all.len(), 2000);
    // 30% of 2000 is 600; three standard deviations of a binomial count are about 61.
    assert!((one[1].len() as i64 - 600).abs() < 61, "{}", one[1].len());
}
