//! # strom-ml
//!
//! Machine learning over Strom's DataSet API.
//!
//! Not built yet. It will hold estimators, transformers and pipelines (k-means, linear
//! and logistic regression, SVM, ALS, naive Bayes, kNN, scalers and encoders,
//! evaluation) and online learners over DataStream.
#![warn(missing_docs)]
