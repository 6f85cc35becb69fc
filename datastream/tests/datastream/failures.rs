//! A panic in a user function fails the job as the operator of the program it ran
//! in, by the name the program gave that operator (issue 26, point 9).

use strom_core::{Error, JobFailure, RuntimeConfig};
use strom_datastream::process::{Context, KeyedProcessFunction};
use strom_datastream::{DataStream, StreamEnv, execute};

/// The operator (and message) a job built by `build` failed with.
fn failure<F>(build: F) -> (Option<String>, String)
where
    F: for<'s> Fn(&StreamEnv<'s>) -> DataStream<'s, i64> + Send + Sync + 'static,
{
    // The names come from the operators the job reports (the CLI always has it on).
    strom_core::metrics::enable();
    let config = RuntimeConfig::default().with_workers(2);
    match execute(&config, build) {
        Err(Error::Job(JobFailure::Panicked {
            operator, message, ..
        })) => (operator, message),
        other => panic!("expected a panic's failure, got {other:?}"),
    }
}

#[test]
fn a_panicking_map_names_its_operator() {
    let (operator, message) = failure(|env| {
        env.from_collection((0..100i64).collect::<Vec<_>>())
            .map(|x| x * 2)
            .name("Double")
            .map(|x| {
                assert!(x != 84, "no 84 please");
                x
            })
            .name("Refuse 84")
            .filter(|x| *x > 10)
            .name("Keep large")
    });
    assert_eq!(operator.as_deref(), Some("Refuse 84"));
    assert!(message.contains("no 84 please"), "{message}");
}

/// Panics at the key's third record.
struct ThirdFails;

impl KeyedProcessFunction<i64, i64> for ThirdFails {
    type Out = i64;
    type Side = ();

    fn process_element(&mut self, value: i64, ctx: &mut Context<'_, i64, i64, ()>) {
        assert!(value < 20, "key {} saw {value}", ctx.key());
        ctx.collect(value);
    }
}

#[test]
fn a_panicking_process_function_names_its_operator() {
    let (operator, message) = failure(|env| {
        env.from_collection((0..30i64).collect::<Vec<_>>())
            .key_by(|x| x % 10)
            .process(ThirdFails)
            .main
            .name("Third fails")
            .map(|x| x + 1)
    });
    assert_eq!(operator.as_deref(), Some("Third fails"));
    assert!(message.contains("saw 2"), "{message}");
}

#[test]
fn without_names_the_operator_is_shown_by_its_kind() {
    let (operator, _) = failure(|env| {
        env.from_collection(vec![1i64, 2, 3]).filter(|x| {
            assert!(*x != 2, "two");
            true
        })
    });
    assert_eq!(operator.as_deref(), Some("Filter"));
}
