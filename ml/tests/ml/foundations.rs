//! Tables, errors, parameters and model files.

use strom_core::RuntimeConfig;
use strom_ml::{
    AnyModel, Error, LogisticRegression, NaiveBayes, NaiveBayesKind, Params, TableOptions, Vector,
    fit, load_model, run_on_table, save_model,
};

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn csv_rows_become_points_by_column_name() {
    let dir = tempfile::tempdir().unwrap();
    let url = write(&dir, "t.csv", "a,name,b,y\n1,x,2,0\n3,\"q,r\",4,1\n");
    for workers in [1, 2] {
        let mut points = run_on_table(
            &RuntimeConfig::default().with_workers(workers),
            &url,
            &TableOptions::default(),
            |_, t| Ok(t.points(&["b".into(), "a".into()], "y")?.collect()),
        )
        .unwrap();
        points.sort_by(|p, q| p.label.total_cmp(&q.label));
        assert_eq!(points[0].features, Vector::Dense(vec![2.0, 1.0]));
        assert_eq!(points[1].features, Vector::Dense(vec![4.0, 3.0]));
        assert_eq!(points[1].label, 1.0);
    }
}

#[test]
fn a_missing_or_string_column_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let url = write(&dir, "t.csv", "a,name,y\n1,x,0\n3,z,1\n");
    let cfg = RuntimeConfig::default();
    let err = fit(
        &cfg,
        &url,
        &TableOptions::default(),
        LogisticRegression::default().with_label("nope"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("column \\\"nope\\\": no such column (columns: a, name, y)")
            || err.contains("column \"nope\": no such column (columns: a, name, y)"),
        "{err}"
    );
    let est = LogisticRegression::default()
        .with_label("y")
        .with_features(&["a", "name"]);
    let err = fit(&cfg, &url, &TableOptions::default(), est)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("name") && err.contains("has type String"),
        "{err}"
    );
}

#[test]
fn a_non_numeric_value_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let url = write(&dir, "t.csv", "a,y\n1,0\n2,1\n");
    // Types come from the first file's sample; a later value that is not a number fails.
    let mut text = String::from("a,y\n");
    for i in 0..20000 {
        text.push_str(&format!("{i},{}\n", i % 2));
    }
    text.push_str("oops,1\n");
    let big = write(&dir, "big.csv", &text);
    let cfg = RuntimeConfig::default();
    let est = LogisticRegression::default()
        .with_label("y")
        .with_max_iter(2);
    assert!(fit(&cfg, &url, &TableOptions::default(), est.clone()).is_ok());
    let err = fit(&cfg, &big, &TableOptions::default(), est)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("big.csv")
            && err.contains("20002")
            && err.contains("column \"a\": \"oops\" is not a number"),
        "{err}"
    );
}

#[test]
fn parameters_are_set_by_name_and_checked() {
    let mut lr = LogisticRegression::default();
    lr.set("max-iter", "7").unwrap();
    lr.set("reg", "0.5").unwrap();
    assert_eq!((lr.max_iter, lr.reg), (7, 0.5));
    assert_eq!(
        lr.set("reg", "-1").unwrap_err().to_string(),
        "parameter reg: must be a number ≥ 0"
    );
    assert!(
        lr.set("reg", "abc")
            .unwrap_err()
            .to_string()
            .contains("\"abc\" is not a valid f64")
    );
    let err = lr.set("k", "3").unwrap_err().to_string();
    assert!(
        err.starts_with("parameter k: unknown parameter (known: features, label"),
        "{err}"
    );
}

#[test]
fn bad_values_found_while_fitting_are_typed_errors_naming_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let half = write(&dir, "half.csv", "x,y\n1,0\n2,0.5\n3,1\n");
    let missing = write(&dir, "missing.csv", "x,z,y\n1,1,0\n,2,1\n3,3,1\n");
    let negative = write(&dir, "negative.csv", "x,y\n1,0\n-2,1\n");
    for workers in [1, 2] {
        let config = RuntimeConfig::default().with_workers(workers);
        let at = |url: &str, e: NaiveBayes| fit(&config, url, &TableOptions::default(), e);
        let err = at(&half, NaiveBayes::default().with_label("y")).unwrap_err();
        assert!(
            matches!(&err, Error::Column { name, message }
                if name == "y" && message.starts_with("0.5 is not a class index")),
            "{err:?}"
        );
        let err = at(&missing, NaiveBayes::default().with_label("y")).unwrap_err();
        assert!(
            matches!(&err, Error::Column { name, message }
                if name == "x" && message.starts_with("missing or infinite value NaN")),
            "{err:?}"
        );
        let multinomial = NaiveBayes::default()
            .with_label("y")
            .with_kind(NaiveBayesKind::Multinomial);
        let err = at(&negative, multinomial).unwrap_err();
        assert!(
            matches!(&err, Error::Column { name, message }
                if name == "x" && message.contains("-2 < 0")),
            "{err:?}"
        );
    }
}

#[test]
fn models_are_saved_and_loaded_at_a_url() {
    let dir = tempfile::tempdir().unwrap();
    let url = write(&dir, "t.csv", "x,y\n-2,0\n-1,0\n1,1\n2,1\n");
    let model = fit(
        &RuntimeConfig::default(),
        &url,
        &TableOptions::default(),
        LogisticRegression::default().with_label("y").with_reg(0.1),
    )
    .unwrap();
    let file = format!("file://{}/models/lr.json", dir.path().display());
    save_model(&AnyModel::from(model.clone()), &file).unwrap();
    let text = std::fs::read_to_string(dir.path().join("models/lr.json")).unwrap();
    assert!(text.contains("\"format\": \"strom-ml-model\"") && text.contains("\"version\": 1"));
    assert!(text.contains("\"logistic-regression\""));
    assert_eq!(load_model(&file).unwrap(), AnyModel::from(model));
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Record {
    a: i64,
    name: String,
    b: f64,
    y: f64,
}

#[test]
fn parquet_columns_are_read_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/t.parquet", dir.path().display());
    let target = url.clone();
    let records = vec![
        Record {
            a: 1,
            name: "x".into(),
            b: 2.5,
            y: 0.0,
        },
        Record {
            a: 3,
            name: "z".into(),
            b: -1.0,
            y: 1.0,
        },
    ];
    strom_dataset::execute(&RuntimeConfig::default(), move |env| {
        env.from_collection(records.clone()).write_parquet(&target)
    })
    .unwrap();
    for workers in [1, 2] {
        let mut points = run_on_table(
            &RuntimeConfig::default().with_workers(workers),
            &url,
            &TableOptions::default(),
            |_, t| {
                assert_eq!(t.schema.names(), "a, name, b, y");
                let err = t.points(&["name".into()], "y").err().unwrap().to_string();
                assert!(err.contains("has type String"), "{err}");
                Ok(t.points(&["b".into(), "a".into()], "y")?.collect())
            },
        )
        .unwrap();
        points.sort_by(|p, q| p.label.total_cmp(&q.label));
        assert_eq!(points[0].features, Vector::Dense(vec![2.5, 1.0]));
        assert_eq!(points[1].features, Vector::Dense(vec![-1.0, 3.0]));
    }
}
