//! Integration tests of strom-ml.

mod foundations;
mod linear;
mod logistic;
mod scalers;
mod support;
