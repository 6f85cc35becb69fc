//! The generators against hand-listed graphs, at one and several workers.

use strom_gelly::generators::{self, RmatConfig};

use crate::support::{WORKERS, check, run};

fn both_ways(pairs: &[(u64, u64)]) -> Vec<(u64, u64)> {
    pairs.iter().flat_map(|&(a, b)| [(a, b), (b, a)]).collect()
}

macro_rules! edges_of {
    ($make:expr) => {
        |env: &strom_dataset::Env<'_>| {
            let make = $make;
            make(env).unwrap().edge_ids()
        }
    };
}

#[test]
fn small_generators_give_the_listed_edges() {
    check(
        both_ways(&[(0, 1), (0, 2), (1, 2)]),
        edges_of!(|env| generators::complete(env, 3)),
    );
    check(
        both_ways(&[(0, 1), (1, 2), (2, 3), (3, 0)]),
        edges_of!(|env| generators::cycle(env, 4)),
    );
    check(
        both_ways(&[(0, 1)]),
        edges_of!(|env| generators::cycle(env, 2)),
    );
    check(
        both_ways(&[(0, 1), (1, 2)]),
        edges_of!(|env| generators::path(env, 3)),
    );
    check(
        both_ways(&[(0, 1), (0, 2)]),
        edges_of!(|env| generators::star(env, 3)),
    );
    check(
        both_ways(&[(0, 1), (2, 3)]),
        edges_of!(|env| generators::singleton_edge(env, 2)),
    );
    // 2 x 3: ids x + 2y.
    check(
        both_ways(&[(0, 1), (2, 3), (4, 5), (0, 2), (2, 4), (1, 3), (3, 5)]),
        edges_of!(|env| generators::grid(env, &[(2, false), (3, false)])),
    );
    // A wrapped dimension of 3 joins its ends; of 2 it does not twice.
    check(
        both_ways(&[
            (0, 1),
            (1, 2),
            (2, 0),
            (0, 3),
            (1, 4),
            (2, 5),
            (3, 4),
            (4, 5),
            (5, 3),
        ]),
        edges_of!(|env| generators::grid(env, &[(3, true), (2, true)])),
    );
    check(
        both_ways(&[(0, 1), (0, 2), (1, 3), (2, 3)]),
        edges_of!(|env| generators::hypercube(env, 2)),
    );
    // Offset (4 - 1 + 1) / 2 = 2: each vertex joined to the one opposite.
    check(
        vec![(0, 2), (1, 3), (2, 0), (3, 1)],
        edges_of!(|env| generators::echo(env, 4, 1)),
    );
    // Offset (5 - 2 + 1) / 2 = 2: v + 2 and v + 3, a pentagram.
    check(
        both_ways(&[(0, 2), (1, 3), (2, 4), (3, 0), (4, 1)]),
        edges_of!(|env| generators::echo(env, 5, 2)),
    );
    check(
        vec![],
        edges_of!(
            |env| strom_gelly::Result::<_, strom_gelly::Error>::Ok(generators::empty(env, 3))
        ),
    );
    check(vec![0u64, 1, 2], |env| {
        generators::empty(env, 3).vertex_ids()
    });
    check(vec![0u64, 1, 2, 3], |env| {
        generators::star(env, 4).unwrap().vertex_ids()
    });
}

#[test]
fn bad_generator_parameters_are_named() {
    strom_dataset::execute(&strom_core::RuntimeConfig::default(), |env| {
        let err = |r: strom_gelly::Result<_>| r.err().expect("an error").to_string();
        assert!(err(generators::echo(env, 4, 2)).contains("`vertex_degree`"));
        assert!(err(generators::cycle(env, 1)).contains("`vertex_count`"));
        assert!(err(generators::grid(env, &[(3, false), (0, true)])).contains("size 0"));
        assert!(err(generators::hypercube(env, 0)).contains("`dimensions`"));
        assert!(err(generators::rmat(env, &RmatConfig::new(0, 4))).contains("`scale`"));
    })
    .unwrap();
}

#[test]
fn rmat_is_seeded_skewed_and_the_same_at_any_parallelism() {
    let config = RmatConfig::new(8, 8).with_seed(42);
    let c = config.clone();
    let one = run(1, move |env| generators::rmat(env, &c).unwrap().edge_ids());
    assert_eq!(one.len(), 8 * 256);
    assert!(one.iter().all(|&(a, b)| a < 256 && b < 256));
    let c = config.clone();
    for w in WORKERS {
        let c = c.clone();
        assert_eq!(
            run(w, move |env| generators::rmat(env, &c).unwrap().edge_ids()),
            one
        );
    }
    let other = config.clone().with_seed(43);
    assert_ne!(
        run(2, move |env| generators::rmat(env, &other)
            .unwrap()
            .edge_ids()),
        one
    );
    // The top bit of the source is 0 with probability a + b = 0.76.
    let low = one.iter().filter(|e| e.0 < 128).count() as f64 / one.len() as f64;
    assert!((0.70..0.82).contains(&low), "{low}");
    // Vertex 0 gets about 0.76^8 of the out-edges (0.11), a uniform graph 1/256.
    let zero = one.iter().filter(|e| e.0 == 0).count();
    assert!(zero > 100, "{zero}");
}
