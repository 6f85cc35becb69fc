//! Integration tests of strom-ml.

mod foundations;
mod logistic;
mod support;
