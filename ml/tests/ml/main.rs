//! Integration tests of strom-ml.

mod foundations;
mod linear;
mod logistic;
mod metrics;
mod scalers;
mod support;
