//! Integration tests of strom-cep: NFA semantics case by case against hand-computed
//! matches (compared as multisets, as Flink's CEP tests do), pattern validation, the
//! operator under the test harness and patterns on DataStream.

mod cep {
    mod contiguity;
    mod greedy;
    mod groups;
    mod iterative;
    mod loop_window;
    mod loops;
    mod negation;
    mod nfa;
    mod not_pattern;
    mod operator;
    mod same_element;
    mod skip;
    mod stream;
    mod support;
    mod timeouts;
    mod times;
    mod until;
    mod validation;
    mod within;
}
