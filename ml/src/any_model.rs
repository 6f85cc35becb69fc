//! [`AnyModel`]: every model type of the library in one enum, for pipelines and for
//! model files, which name the kind of model they hold.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::stage::{Model, RowFn};
use crate::table::Schema;

macro_rules! any_model {
    ($($(#[$doc:meta])* $variant:ident($ty:ty)),* $(,)?) => {
        /// Any model of this library (its name in model files is the kebab-case variant).
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        #[allow(clippy::large_enum_variant)]
        pub enum AnyModel {
            $($(#[$doc])* $variant($ty),)*
        }

        impl Model for AnyModel {
            fn schema(&self, input: &Schema) -> Result<Schema> {
                match self {
                    $(AnyModel::$variant(m) => m.schema(input),)*
                }
            }

            fn row_fn(&self, input: &Schema) -> Result<RowFn> {
                match self {
                    $(AnyModel::$variant(m) => m.row_fn(input),)*
                }
            }
        }

        $(
            impl From<$ty> for AnyModel {
                fn from(m: $ty) -> Self {
                    AnyModel::$variant(m)
                }
            }
        )*

        impl AnyModel {
            /// The kind's name, as in model files.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(AnyModel::$variant(_) => kebab(stringify!($variant)),)*
                }
            }
        }
    };
}

fn kebab(name: &'static str) -> &'static str {
    // The names are few and fixed: leak each once.
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashMap<&'static str, &'static str>>> = OnceLock::new();
    let mut map = NAMES
        .get_or_init(Default::default)
        .lock()
        .expect("names lock");
    map.entry(name).or_insert_with(|| {
        let mut out = String::new();
        for (i, c) in name.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        }
        Box::leak(out.into_boxed_str())
    })
}

any_model! {
    /// See [`crate::LogisticRegressionModel`].
    LogisticRegression(crate::logistic::LogisticRegressionModel),
    /// See [`crate::KMeansModel`].
    KMeans(crate::kmeans::KMeansModel),
    /// See [`crate::LinearSvcModel`].
    LinearSvc(crate::svc::LinearSvcModel),
    /// See [`crate::LinearRegressionModel`].
    LinearRegression(crate::linear::LinearRegressionModel),
    /// See [`crate::KnnModel`].
    Knn(crate::knn::KnnModel),
    /// See [`crate::NaiveBayesModel`].
    NaiveBayes(crate::naive_bayes::NaiveBayesModel),
    /// See [`crate::AlsModel`].
    Als(crate::als::AlsModel),
    /// See [`crate::ScalerModel`].
    Scaler(crate::scalers::ScalerModel),
    /// See [`crate::VectorAssembler`].
    VectorAssembler(crate::features::VectorAssembler),
    /// See [`crate::Normalizer`].
    Normalizer(crate::features::Normalizer),
    /// See [`crate::StringIndexerModel`].
    StringIndexer(crate::string_indexer::StringIndexerModel),
    /// See [`crate::OneHotEncoderModel`].
    OneHotEncoder(crate::one_hot::OneHotEncoderModel),
    /// See [`crate::Bucketizer`] (also what a quantile discretizer fits).
    Bucketizer(crate::bucketizer::Bucketizer),
    /// See [`crate::PolynomialExpansion`].
    PolynomialExpansion(crate::polynomial::PolynomialExpansion),
    /// See [`crate::ImputerModel`].
    Imputer(crate::imputer::ImputerModel),
    /// See [`crate::HashingTf`].
    HashingTf(crate::hashing::HashingTf),
    /// See [`crate::IdfModel`].
    Idf(crate::hashing::IdfModel),
    /// See [`crate::PipelineModel`].
    Pipeline(crate::pipeline::PipelineModel),
}
