//! Integration tests of strom-cep: NFA semantics case by case against hand-computed
//! matches (compared as multisets, as Flink's CEP tests do), pattern validation, the
//! operator under the test harness and patterns on DataStream.

mod cep {
    mod groups;
    mod loop_window;
    mod negation;
    mod nfa;
    mod operator;
    mod same_element;
    mod stream;
    mod support;
    mod until;
    mod validation;
    mod within;
}
