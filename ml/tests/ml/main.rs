//! Integration tests of strom-ml.

mod features;
mod foundations;
mod kmeans;
mod linear;
mod logistic;
mod metrics;
mod naive_bayes;
mod scalers;
mod split;
mod support;
mod svc;
