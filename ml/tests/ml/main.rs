//! Integration tests of strom-ml.

mod als;
mod cross_validate;
mod features;
mod foundations;
mod kmeans;
mod knn;
mod linear;
mod logistic;
mod metrics;
mod naive_bayes;
mod online;
mod scalers;
mod split;
mod support;
mod svc;
mod transformers;
