//! Sources and sinks: text, CSV and Parquet (with nulls, projection and row-group
//! pruning) through URLs, malformed input named by file and row, and all-or-nothing
//! output.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use strom_core::arrow::array::{Date32Array, Decimal128Array, Int64Array, StringArray};
use strom_core::arrow::datatypes::{DataType, Field, Schema};
use strom_core::arrow::record_batch::RecordBatch;
use strom_core::formats::parquet::{CmpOp, Scalar, StatsPredicate};
use strom_core::parquet::arrow::ArrowWriter;
use strom_core::parquet::file::properties::WriterProperties;
use strom_core::{Date, Decimal, RuntimeConfig};
use strom_dataset::{CsvOptions, ParquetOptions, execute};

fn config(workers: usize) -> RuntimeConfig {
    RuntimeConfig::default()
        .with_workers(workers)
        .with_split_size(16)
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Sale {
    region: String,
    amount: Option<i64>,
    note: Option<String>,
}

#[test]
fn csv_round_trip_with_quotes_nulls_and_parts() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("sales.csv");
    std::fs::write(
        &input,
        "note,region,amount\n\"a, quoted\",north,3\n,south,\nplain,north,-7\n",
    )
    .unwrap();
    let expected = vec![
        Sale {
            region: "north".into(),
            amount: Some(-7),
            note: Some("plain".into()),
        },
        Sale {
            region: "north".into(),
            amount: Some(3),
            note: Some("a, quoted".into()),
        },
        Sale {
            region: "south".into(),
            amount: None,
            note: None,
        },
    ];
    for w in [1, 3] {
        let url = input.to_str().unwrap().to_string();
        let out_file = dir.path().join(format!("out-{w}.csv"));
        let out_dir = format!("{}/parts-{w}/", dir.path().display());
        let (f, d) = (out_file.to_str().unwrap().to_string(), out_dir.clone());
        let mut got = execute(&config(w), move |env| {
            let sales = env.read_csv::<Sale>(&url, CsvOptions::default());
            sales
                .gather()
                .sort_partition_by(|a, b| a.cmp(b))
                .write_csv(&f, CsvOptions::default());
            sales.write_csv(&d, CsvOptions::default());
            sales.collect()
        })
        .unwrap()
        .unwrap();
        got.sort();
        assert_eq!(got, expected);
        let written = std::fs::read_to_string(&out_file).unwrap();
        assert_eq!(
            written,
            "region,amount,note\nnorth,-7,plain\nnorth,3,\"a, quoted\"\nsouth,,\n"
        );
        // Part files: one per worker, read back as one data set.
        let parts = std::fs::read_dir(dir.path().join(format!("parts-{w}")))
            .unwrap()
            .count();
        assert_eq!(parts, w);
        let mut back = execute(&config(2), move |env| {
            env.read_csv::<Sale>(&out_dir, CsvOptions::default())
                .collect()
        })
        .unwrap()
        .unwrap();
        back.sort();
        assert_eq!(back, expected);
    }
}

#[test]
fn text_source_and_sink_over_memory_urls() {
    let text: String = (0..500).map(|i| format!("line {i}\n")).collect();
    strom_core::storage::resolve("memory://io-test/in.txt")
        .unwrap()
        .write(text.clone().into())
        .unwrap();
    for w in [1, 4] {
        let out = format!("memory://io-test/out-{w}.txt");
        let o = out.clone();
        execute(&config(w), move |env| {
            env.read_text("memory://io-test/in.txt")
                .gather()
                .sort_partition(|l| l.clone(), strom_dataset::Order::Ascending)
                .write_text(&o)
        })
        .unwrap();
        let got = strom_core::storage::resolve(&out)
            .unwrap()
            .read_all()
            .unwrap();
        let mut expected: Vec<&str> = text.lines().collect();
        expected.sort();
        assert_eq!(
            String::from_utf8(got.to_vec()).unwrap(),
            expected.join("\n") + "\n"
        );
    }
}

#[test]
fn text_blocks_hold_every_line_once_and_name_invalid_utf8_by_line() {
    // CRLF and LF line ends, an empty line, no newline at the end; split size 16 makes
    // many splits, so lines straddle split boundaries.
    let text: String = (0..300)
        .map(|i| match i % 3 {
            0 => format!("line {i}\r\n"),
            1 => "\n".to_string(),
            _ => format!("word{i} word{i}\n"),
        })
        .collect::<String>()
        + "last";
    let url = "memory://io-test/blocks.txt";
    strom_core::storage::resolve(url)
        .unwrap()
        .write(text.clone().into())
        .unwrap();
    let mut expected: Vec<String> = text.lines().map(str::to_string).collect();
    expected.sort();
    for w in [1, 3] {
        let mut got = execute(&config(w), move |env| {
            env.read_text_blocks(url)
                .flat_map(|b| b.lines().map(str::to_string).collect::<Vec<_>>())
                .collect()
        })
        .unwrap()
        .unwrap();
        got.sort();
        assert_eq!(got, expected, "{w} workers");
    }
    let bad = "memory://io-test/bad-blocks.txt";
    strom_core::storage::resolve(bad)
        .unwrap()
        .write(b"ok\nok\nb\xffd\nok\n".to_vec().into())
        .unwrap();
    let err = execute(&config(2), move |env| {
        env.read_text_blocks(bad)
            .map(|b| b.lines().count())
            .collect()
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("bad-blocks.txt:3"), "{err}");
}

#[test]
fn malformed_csv_names_file_and_line_and_publishes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("a.csv"), "region,amount,note\nx,1,\ny,2,\n").unwrap();
    std::fs::write(
        input.join("b.csv"),
        "region,amount,note\nx,1,\ny,2,\nz,three,\n",
    )
    .unwrap();
    let out = dir.path().join("out.csv");
    for w in [1, 3] {
        let (url, o) = (
            input.to_str().unwrap().to_string(),
            out.to_str().unwrap().to_string(),
        );
        let err = execute(&config(w), move |env| {
            env.read_csv::<Sale>(&url, CsvOptions::default())
                .write_csv(&o, CsvOptions::default())
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("b.csv:4") && err.contains("field 2"), "{err}");
        assert!(!out.exists());
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Row {
    id: i64,
    day: Date,
    price: Option<Decimal>,
    name: Option<String>,
}

fn write_parquet(path: &std::path::Path, ids: std::ops::Range<i64>) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("unused", DataType::Utf8, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("price", DataType::Decimal128(12, 2), true),
        Field::new("day", DataType::Date32, false),
    ]));
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(100))
        .build();
    let mut writer = ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        schema.clone(),
        Some(props),
    )
    .unwrap();
    let ids: Vec<i64> = ids.collect();
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from(ids.clone())),
            Arc::new(StringArray::from(
                ids.iter().map(|i| format!("u{i}")).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                ids.iter()
                    .map(|i| (i % 3 != 0).then(|| format!("n{i}")))
                    .collect::<Vec<_>>(),
            )),
            Arc::new(
                Decimal128Array::from(
                    ids.iter()
                        .map(|i| (i % 5 != 0).then_some(i128::from(*i) * 101))
                        .collect::<Vec<_>>(),
                )
                .with_precision_and_scale(12, 2)
                .unwrap(),
            ),
            Arc::new(Date32Array::from(
                ids.iter().map(|i| *i as i32).collect::<Vec<_>>(),
            )),
        ],
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

fn expected_row(i: i64) -> Row {
    Row {
        id: i,
        day: Date(i as i32),
        price: (i % 5 != 0).then(|| Decimal::new(i128::from(i) * 101, 2)),
        name: (i % 3 != 0).then(|| format!("n{i}")),
    }
}

#[test]
fn parquet_nulls_projection_folders_and_pruning() {
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("a.parquet"), 0..450);
    write_parquet(&dir.path().join("b.parquet"), 450..1000);
    let url = dir.path().to_str().unwrap().to_string();
    for w in [1, 3] {
        let u = url.clone();
        let got = execute(&config(w), move |env| {
            env.read_parquet::<Row>(&u, ParquetOptions::default())
                .collect()
        })
        .unwrap()
        .unwrap();
        let mut got = got;
        got.sort();
        assert_eq!(
            got,
            (0..1000).map(expected_row).collect::<Vec<_>>(),
            "workers={w}"
        );
    }
    // Pruning on day >= 950: b.parquet's row groups hold ids 450..549, ..., 850..949,
    // 950..999, so only the last one can match. The reader does not filter rows, so
    // exactly that group's rows come back.
    let u = url.clone();
    let pruned = execute(&config(2), move |env| {
        let options = ParquetOptions::default().with_predicate(StatsPredicate::cmp(
            "day",
            CmpOp::Ge,
            Scalar::Date(Date(950)),
        ));
        env.read_parquet::<Row>(&u, options).collect()
    })
    .unwrap()
    .unwrap();
    let mut ids: Vec<i64> = pruned.iter().map(|r| r.id).collect();
    ids.sort();
    assert_eq!(ids, (950..1000).collect::<Vec<_>>());
    // A null read into a non-Option field names the file, row and column.
    #[derive(Clone, Debug, Serialize, Deserialize)]
    struct Strict {
        id: i64,
        name: String,
    }
    let u = url.clone();
    let err = execute(&config(1), move |env| {
        env.read_parquet::<Strict>(&u, ParquetOptions::default())
            .count()
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("a.parquet: row 1, column name: null value"),
        "{err}"
    );
}

#[test]
fn parquet_round_trip_and_unwritable_records() {
    let dir = tempfile::tempdir().unwrap();
    let single = dir.path().join("rows.parquet");
    let folder = format!("{}/parts/", dir.path().display());
    for w in [1, 3] {
        let (s, f) = (single.to_str().unwrap().to_string(), folder.clone());
        execute(&config(w), move |env| {
            let rows = env
                .generate_sequence(0, 999)
                .map(|i| expected_row(i as i64));
            rows.write_parquet(&s);
            rows.write_parquet(&f);
        })
        .unwrap();
        for url in [single.to_str().unwrap().to_string(), folder.clone()] {
            let u = url.clone();
            let mut back = execute(&config(2), move |env| {
                env.read_parquet::<Row>(&u, ParquetOptions::default())
                    .collect()
            })
            .unwrap()
            .unwrap();
            back.sort();
            assert_eq!(
                back,
                (0..1000).map(expected_row).collect::<Vec<_>>(),
                "{url} written by {w} workers"
            );
        }
        // pyarrow-independent check of the physical layout: the footer's columns.
        let meta = strom_core::formats::parquet::metadata(
            &strom_core::storage::list_files(single.to_str().unwrap()).unwrap()[0],
        )
        .unwrap();
        let names: Vec<String> = meta
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(names, ["id", "day", "price", "name"]);
    }
    // A record shape with no columnar form fails the job, naming the output.
    let bad = dir.path().join("bad.parquet");
    let b = bad.to_str().unwrap().to_string();
    let err = execute(&config(1), move |env| {
        env.from_collection(vec![(1u64, vec![1u8])])
            .write_parquet(&b)
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("bad.parquet") && err.contains("not supported"),
        "{err}"
    );
    assert!(!bad.exists());
}
