//! # strom-ml
//!
//! Machine learning over Strom's DataSet API, in the shape of Flink ML 2.x: an
//! [`Estimator`] fits a [`Model`] on a [`Table`], a model transforms tables, and a
//! [`Pipeline`] of stages is itself an estimator. Training loops are bulk iterations
//! of `strom-dataset` (per-worker statistics or gradients, combined by iteration
//! aggregators, broadcast back), deterministic for a given seed and worker count.
//! It sits on `strom-core` (storage, formats), `strom-dataset` and, for online
//! learners ([`ftrl`], [`online_kmeans`]), `strom-datastream`; `strom-jobs` and the CLI sit on it.
//!
//! ```
//! use strom_core::RuntimeConfig;
//! use strom_ml::{LogisticRegression, TableOptions, Transformer, fit};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let url = dir.path().join("points.csv");
//! std::fs::write(&url, "x,y\n-2,0\n-1,0\n1,1\n2,1\n").unwrap();
//! let url = url.to_str().unwrap().to_string();
//! let estimator = LogisticRegression::default().with_label("y").with_reg(0.1);
//! let model = fit(&RuntimeConfig::default().with_workers(2), &url, &TableOptions::default(), estimator)
//!     .unwrap();
//! assert!(model.coefficients[0][0] > 0.0);
//! ```
//!
//! Data: dense and sparse [`Vector`]s, [`LabeledPoint`]s, tables read from CSV (with a
//! header) or Parquet at any storage URL ([`read_table`]). Models are saved as
//! versioned JSON ([`save_model`], [`load_model`]). See `docs/0021-ml-optimiser-and-models.md`.
#![warn(missing_docs)]

mod als;
mod any_model;
mod block;
mod bucketizer;
mod column_values;
mod cross_validate;
mod error;
mod features;
mod ftrl;
mod hashing;
mod imputer;
mod kmeans;
mod knn;
mod lbfgs;
mod linear;
mod logistic;
mod metrics;
mod model_file;
mod naive_bayes;
mod one_hot;
mod online;
mod online_kmeans;
mod optimize;
mod params;
mod pipeline;
mod polynomial;
mod run;
mod scalers;
mod split;
mod stage;
mod stats;
mod string_indexer;
mod svc;
mod table;
mod vector;

pub use als::{Als, AlsModel};
pub use any_model::AnyModel;
pub use bucketizer::{Bucketizer, HandleInvalid, QuantileDiscretizer};
pub use cross_validate::{
    CrossValidation, CrossValidator, ParamGrid, ParamPoint, cross_validate, fold_scores, k_fold,
};
pub use error::{Error, Result};
pub use features::{Normalizer, VectorAssembler};
pub use ftrl::{Ftrl, FtrlModel, ftrl};
pub use hashing::{HashingTf, Idf, IdfModel, murmur3_32};
pub use imputer::{ImputeStrategy, Imputer, ImputerModel};
pub use kmeans::{KMeans, KMeansModel};
pub use knn::{Knn, KnnModel, KnnWeights};
pub use linear::{LinearRegression, LinearRegressionModel};
pub use logistic::{Family, LogisticRegression, LogisticRegressionModel};
pub use metrics::{
    Metric, accuracy, auc_roc, average_precision, evaluate, f1_macro, log_loss, r2, silhouette,
};
pub use model_file::{FORMAT, VERSION, load_model, save_model};
pub use naive_bayes::{NaiveBayes, NaiveBayesKind, NaiveBayesModel};
pub use one_hot::{OneHotEncoder, OneHotEncoderModel};
pub use online::{OnlineModel, OnlineOutputs, online};
pub use online_kmeans::{OnlineKMeansModel, online_kmeans};
pub use params::{Columns, Params};
pub use pipeline::{Pipeline, PipelineModel, Stage};
pub use polynomial::PolynomialExpansion;
pub use run::{fit, run_on_table};
pub use scalers::{Scaler, ScalerKind, ScalerModel};
pub use split::random_split;
pub use stage::{Estimator, Fitted, Model, RowFn, Transformer};
pub use string_indexer::{StringIndexer, StringIndexerModel};
pub use svc::{LinearSvc, LinearSvcModel};
pub use table::{
    Column, ColumnType, Row, Schema, Table, TableFormat, TableOptions, Value, read_schema,
    read_table,
};
pub use vector::{LabeledPoint, Vector};
