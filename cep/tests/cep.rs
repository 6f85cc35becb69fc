//! Integration tests of strom-cep: NFA semantics case by case against hand-computed
//! matches (compared as multisets, as Flink's CEP tests do) and pattern validation.

mod cep {
    mod nfa;
    mod stream;
    mod support;
    mod validation;
}
