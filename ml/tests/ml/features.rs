//! The vector assembler and the normalizer on hand-computed rows, alone and in a
//! pipeline, at 1 and 2 workers.

use strom_core::RuntimeConfig;
use strom_ml::{
    Estimator, Normalizer, Pipeline, TableOptions, Value, Vector, VectorAssembler, run_on_table,
};

#[test]
fn assembled_then_normalized() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, "a,name,b\n3,x,4\n0,y,0\n1,z,-1\n").unwrap();
    for workers in [1, 2] {
        let mut rows = run_on_table(
            &RuntimeConfig::default().with_workers(workers),
            path.to_str().unwrap(),
            &TableOptions::default(),
            |_, t| {
                let pipeline = Pipeline::new()
                    .with_stage(VectorAssembler::new(&["a", "b"], "v"))
                    .with_stage(Normalizer::new(&["v"], 1.0));
                let out = pipeline.fit(&t)?.transform(&t)?;
                assert_eq!(out.schema.names(), "a, name, b, v, normalized");
                Ok(out.rows.collect())
            },
        )
        .unwrap();
        rows.sort_by(|x, y| x[1].as_str_cmp(&y[1]));
        let vectors: Vec<(Value, Value)> = rows
            .into_iter()
            .map(|r| (r[3].clone(), r[4].clone()))
            .collect();
        let v = |x: Vec<f64>| Value::Vec(Vector::Dense(x));
        assert_eq!(
            vectors,
            vec![
                (v(vec![3.0, 4.0]), v(vec![3.0 / 7.0, 4.0 / 7.0])),
                (v(vec![0.0, 0.0]), v(vec![0.0, 0.0])),
                (v(vec![1.0, -1.0]), v(vec![0.5, -0.5])),
            ]
        );
    }
}

trait StrCmp {
    fn as_str_cmp(&self, other: &Self) -> std::cmp::Ordering;
}

impl StrCmp for Value {
    fn as_str_cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (Value::Str(a), Value::Str(b)) => a.cmp(b),
            _ => std::cmp::Ordering::Equal,
        }
    }
}

#[test]
fn a_bad_norm_is_refused() {
    let err = Normalizer::new(&["v"], 0.5)
        .output_schema(&Default::default())
        .unwrap_err();
    assert_eq!(err.to_string(), "parameter p: 0.5 is below 1");
}

#[test]
fn strings_are_indexed_by_frequency_then_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, "s\nb\na\nc\nb\nc\nb\n").unwrap();
    for workers in [1, 2] {
        let models = run_on_table(
            &RuntimeConfig::default().with_workers(workers),
            path.to_str().unwrap(),
            &TableOptions::default(),
            |_, t| Ok(strom_ml::StringIndexer::new("s", "i").fit(&t)?.collect()),
        )
        .unwrap();
        // b: 3, c: 2, a: 1.
        assert_eq!(models[0].labels, vec!["b", "c", "a"]);
        let mut f = strom_ml::Model::row_fn(
            &models[0],
            &strom_ml::Schema::new([("s".to_string(), strom_ml::ColumnType::String)]),
        )
        .unwrap();
        assert_eq!(f(vec![Value::Str("a".into())])[1], Value::Num(2.0));
        assert_eq!(f(vec![Value::Str("zz".into())])[1], Value::Num(3.0));
    }
}

#[test]
fn indices_are_one_hot_encoded_without_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, "c\n0\n2\n1\n2\n").unwrap();
    for workers in [1, 2] {
        let models = run_on_table(
            &RuntimeConfig::default().with_workers(workers),
            path.to_str().unwrap(),
            &TableOptions::default(),
            |_, t| Ok(strom_ml::OneHotEncoder::new("c", "v").fit(&t)?.collect()),
        )
        .unwrap();
        assert_eq!(models[0].categories, 3);
        let schema = strom_ml::Schema::new([("c".to_string(), strom_ml::ColumnType::Number)]);
        let mut f = strom_ml::Model::row_fn(&models[0], &schema).unwrap();
        let hot = |c: f64, f: &mut strom_ml::RowFn| f(vec![Value::Num(c)])[1].clone();
        assert_eq!(hot(1.0, &mut f), Value::Vec(Vector::sparse(2, [(1, 1.0)])));
        assert_eq!(hot(2.0, &mut f), Value::Vec(Vector::sparse(2, [])));
        assert_eq!(hot(7.0, &mut f), Value::Vec(Vector::sparse(2, [])));
    }
}
