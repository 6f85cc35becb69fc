//! The Graph API on a small graph with string ids, a duplicate edge, a self-loop and
//! an isolated vertex, against hand-computed answers, at one and several workers.

use strom_dataset::Env;
use strom_gelly::{EdgeDirection, Graph};

use crate::support::check;

type G<'s> = Graph<'s, String, i64, i64>;

fn s(x: &str) -> String {
    x.to_string()
}

/// a=1, b=2, c=3, d=4 (isolated); a->b (1), a->c (2), b->c (3), c->a (4), c->c (5),
/// a->b (6).
fn graph<'s>(env: &Env<'s>) -> G<'s> {
    let vertices = ["a", "b", "c", "d"]
        .iter()
        .zip(1..)
        .map(|(k, v)| (s(k), v))
        .collect();
    let edges = [
        ("a", "b"),
        ("a", "c"),
        ("b", "c"),
        ("c", "a"),
        ("c", "c"),
        ("a", "b"),
    ]
    .iter()
    .zip(1..)
    .map(|((a, b), v)| (s(a), s(b), v))
    .collect();
    Graph::from_collections(env, vertices, edges)
}

fn kv(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    pairs.iter().map(|(k, v)| (s(k), *v)).collect()
}

fn kd(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
    pairs.iter().map(|(k, v)| (s(k), *v)).collect()
}

fn es(edges: &[(&str, &str, i64)]) -> Vec<(String, String, i64)> {
    edges.iter().map(|(a, b, v)| (s(a), s(b), *v)).collect()
}

#[test]
fn counts_and_degrees() {
    check(vec![4u64], |env| graph(env).number_of_vertices());
    check(vec![6u64], |env| graph(env).number_of_edges());
    check(vec![0u64], |env| {
        Graph::<u64, (), ()>::from_collections(env, vec![], vec![]).number_of_edges()
    });
    check(kd(&[("a", 3), ("b", 1), ("c", 2), ("d", 0)]), |env| {
        graph(env).out_degrees()
    });
    check(kd(&[("a", 1), ("b", 2), ("c", 3), ("d", 0)]), |env| {
        graph(env).in_degrees()
    });
    check(kd(&[("a", 4), ("b", 3), ("c", 5), ("d", 0)]), |env| {
        graph(env).degrees()
    });
    check(
        vec![
            (s("a"), (1, 3)),
            (s("b"), (2, 1)),
            (s("c"), (3, 2)),
            (s("d"), (0, 0)),
        ],
        |env| graph(env).in_out_degrees(),
    );
    check(vec![s("a"), s("b"), s("c"), s("d")], |env| {
        graph(env).vertex_ids()
    });
}

#[test]
fn triplets_carry_both_ends_values() {
    let expected = vec![
        (s("a"), s("b"), 1, 2, 1),
        (s("a"), s("c"), 1, 3, 2),
        (s("b"), s("c"), 2, 3, 3),
        (s("c"), s("a"), 3, 1, 4),
        (s("c"), s("c"), 3, 3, 5),
        (s("a"), s("b"), 1, 2, 6),
    ];
    check(expected, |env| graph(env).triplets());
}

#[test]
fn transformations() {
    check(kv(&[("a", 10), ("b", 20), ("c", 30), ("d", 40)]), |env| {
        graph(env).map_vertices(|v| v.1 * 10).vertices().clone()
    });
    check(
        es(&[
            ("a", "b", 0),
            ("a", "c", 0),
            ("b", "c", 1),
            ("c", "a", 0),
            ("c", "c", 0),
            ("a", "b", 1),
        ]),
        |env| {
            graph(env)
                .map_edges(|e| (e.2 % 3 == 0) as i64)
                .edges()
                .clone()
        },
    );
    check(vec![(s("A"), s("C"), 2), (s("C"), s("C"), 5)], |env| {
        graph(env)
            .translate_graph_ids(|k: &String| k.to_uppercase())
            .filter_on_edges(|e| e.2 == 2 || e.2 == 5)
            .edges()
            .clone()
    });
    check(es(&[("a", "b", 1), ("a", "b", 6)]), |env| {
        graph(env)
            .filter_on_vertices(|v| v.0 != "c")
            .edges()
            .clone()
    });
    check(kv(&[("a", 1), ("b", 2), ("d", 4)]), |env| {
        graph(env)
            .filter_on_vertices(|v| v.0 != "c")
            .vertices()
            .clone()
    });
    check(es(&[("a", "c", 2), ("c", "a", 4), ("a", "b", 6)]), |env| {
        graph(env)
            .subgraph(|v| v.1 <= 3, |e| e.2 % 2 == 0)
            .edges()
            .clone()
    });
    check(
        es(&[
            ("b", "a", 1),
            ("c", "a", 2),
            ("c", "b", 3),
            ("a", "c", 4),
            ("c", "c", 5),
            ("b", "a", 6),
        ]),
        |env| graph(env).reverse().edges().clone(),
    );
    check(vec![12u64], |env| {
        graph(env).get_undirected().number_of_edges()
    });
    check(kd(&[("a", 8), ("b", 6), ("c", 10), ("d", 0)]), |env| {
        graph(env).get_undirected().degrees()
    });
}

/// c=30, x=9; c->x (7), a->b (1) twice, c->c (5), b->c (99).
fn other<'s>(env: &Env<'s>) -> G<'s> {
    Graph::from_collections(
        env,
        kv(&[("a", 100), ("b", 200), ("c", 30), ("x", 9)]),
        es(&[
            ("c", "x", 7),
            ("a", "b", 1),
            ("a", "b", 1),
            ("c", "c", 5),
            ("b", "c", 99),
        ]),
    )
}

#[test]
fn graph_algebra() {
    check(
        kv(&[("a", 1), ("b", 2), ("c", 3), ("d", 4), ("x", 9)]),
        |env| graph(env).union(&other(env)).vertices().clone(),
    );
    check(vec![11u64], |env| {
        graph(env).union(&other(env)).number_of_edges()
    });
    check(kv(&[("d", 4)]), |env| {
        graph(env).difference(&other(env)).vertices().clone()
    });
    check(vec![0u64], |env| {
        graph(env).difference(&other(env)).number_of_edges()
    });
    check(es(&[("a", "b", 1), ("c", "c", 5)]), |env| {
        graph(env).intersect(&other(env), true).edges().clone()
    });
    check(
        es(&[("a", "b", 1), ("a", "b", 1), ("c", "c", 5), ("c", "c", 5)]),
        |env| graph(env).intersect(&other(env), false).edges().clone(),
    );
    check(kv(&[("a", 1), ("b", 2), ("c", 3)]), |env| {
        graph(env).intersect(&other(env), true).vertices().clone()
    });
    check(
        kv(&[("a", 1), ("b", 2), ("c", 3), ("d", 4), ("z", 26)]),
        |env| {
            let new = env.from_collection(kv(&[("d", 100), ("z", 26)]));
            graph(env).add_vertices(&new).vertices().clone()
        },
    );
    check(es(&[("a", "d", 7)]), |env| {
        let new = env.from_collection(es(&[("a", "d", 7), ("a", "q", 8)]));
        graph(env).add_edges(&new).edges().filter(|e| e.2 >= 7)
    });
    check(
        kv(&[("a", 1), ("b", 2), ("c", 3), ("d", 4), ("q", 0)]),
        |env| {
            let new = env.from_collection(es(&[("a", "q", 8)]));
            graph(env)
                .add_edges_and_vertices(&new, |_| 0)
                .vertices()
                .clone()
        },
    );
    check(es(&[("b", "c", 3), ("c", "c", 5)]), |env| {
        graph(env)
            .remove_vertices(&env.from_collection(vec![s("a")]))
            .edges()
            .clone()
    });
    check(
        es(&[("a", "c", 2), ("b", "c", 3), ("c", "a", 4), ("c", "c", 5)]),
        |env| {
            let gone = env.from_collection(es(&[("a", "b", 0)]));
            graph(env).remove_edges(&gone).edges().clone()
        },
    );
}

#[test]
fn joins_update_matching_values() {
    check(kv(&[("a", 101), ("b", 2), ("c", 3), ("d", 4)]), |env| {
        let input = env.from_collection(kv(&[("a", 100), ("q", 1)]));
        graph(env)
            .join_with_vertices(&input, |v, x| v + x)
            .vertices()
            .clone()
    });
    check(
        es(&[
            ("a", "b", 101),
            ("a", "c", 2),
            ("b", "c", 3),
            ("c", "a", 4),
            ("c", "c", 5),
            ("a", "b", 106),
        ]),
        |env| {
            let input = env.from_collection(es(&[("a", "b", 100)]));
            graph(env)
                .join_with_edges(&input, |v, x| v + x)
                .edges()
                .clone()
        },
    );
    check(
        es(&[
            ("a", "b", 1),
            ("a", "c", 2),
            ("b", "c", 3),
            ("c", "a", 1004),
            ("c", "c", 1005),
            ("a", "b", 6),
        ]),
        |env| {
            let input = env.from_collection(kv(&[("c", 1000)]));
            graph(env)
                .join_with_edges_on_source(&input, |v, x| v + x)
                .edges()
                .clone()
        },
    );
    check(
        es(&[
            ("a", "b", 1),
            ("a", "c", 1002),
            ("b", "c", 1003),
            ("c", "a", 4),
            ("c", "c", 1005),
            ("a", "b", 6),
        ]),
        |env| {
            let input = env.from_collection(kv(&[("c", 1000)]));
            graph(env)
                .join_with_edges_on_target(&input, |v, x| v + x)
                .edges()
                .clone()
        },
    );
}

#[test]
fn validation_names_missing_and_duplicate_ids() {
    check(vec![true], |env| graph(env).validate());
    fn broken<'s>(env: &Env<'s>) -> G<'s> {
        let g = graph(env);
        Graph::from_data_sets(
            &g.vertices().union(&env.from_collection(kv(&[("a", 7)]))),
            &g.edges().union(&env.from_collection(es(&[("b", "y", 0)]))),
        )
    }
    check(vec![false], move |env| broken(env).validate());
    check(vec![s("y")], move |env| broken(env).missing_vertex_ids());
    check(vec![s("a")], move |env| broken(env).duplicate_vertex_ids());
}

#[test]
fn neighbourhoods() {
    check(kv(&[("a", 9), ("b", 3), ("c", 9)]), |env| {
        graph(env).reduce_on_edges(EdgeDirection::Out, |x, y| x + y)
    });
    check(kv(&[("a", 4), ("b", 7), ("c", 10)]), |env| {
        graph(env).reduce_on_edges(EdgeDirection::In, |x, y| x + y)
    });
    check(kv(&[("a", 13), ("b", 10), ("c", 19)]), |env| {
        graph(env).reduce_on_edges(EdgeDirection::All, |x, y| x + y)
    });
    // Out-neighbours' values: a -> b, c, b; b -> c; c -> a, c.
    check(kv(&[("a", 7), ("b", 3), ("c", 4)]), |env| {
        graph(env).reduce_on_neighbors(EdgeDirection::Out, |x, y| x + y)
    });
    check(kv(&[("a", 2), ("b", 1), ("c", 1)]), |env| {
        graph(env).reduce_on_neighbors(EdgeDirection::All, i64::min)
    });
    // In-neighbours counted, isolated d included; and the edges' values listed.
    check(kd(&[("a", 1), ("b", 2), ("c", 3), ("d", 0)]), |env| {
        graph(env)
            .group_reduce_on_neighbors(EdgeDirection::In, |v, ns| [(v.0.clone(), ns.len() as u64)])
    });
    check(
        vec![
            (s("a"), vec![4]),
            (s("b"), vec![1, 6]),
            (s("c"), vec![2, 3, 5]),
            (s("d"), vec![]),
        ],
        |env| {
            graph(env).group_reduce_on_edges(EdgeDirection::In, |v, es| {
                let mut values: Vec<i64> = es.iter().map(|e| e.2).collect();
                values.sort();
                [(v.0.clone(), values)]
            })
        },
    );
    // Neighbour values with their edge values: b's in-neighbours are a (1) twice.
    check(
        vec![(s("b"), vec![(s("a"), 1, 1), (s("a"), 1, 6)])],
        |env| {
            graph(env).group_reduce_on_neighbors(EdgeDirection::In, |v, mut ns| {
                ns.sort();
                (v.0 == "b").then(|| (v.0.clone(), ns))
            })
        },
    );
}

#[test]
fn edge_lists_with_string_and_integer_ids() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("gelly-edge-lists");
    std::fs::create_dir_all(&dir).unwrap();
    let edges = dir.join("edges.txt");
    let weighted = dir.join("weighted.csv");
    let vertices = dir.join("vertices.txt");
    std::fs::write(&edges, "# names\nann bob\nbob,cid\n\n% end\n").unwrap();
    std::fs::write(&weighted, "1,2,0.5\n2 3\n").unwrap();
    std::fs::write(&vertices, "dan\n").unwrap();
    let (e, v) = (edges.display().to_string(), vertices.display().to_string());
    check(vec![s("ann"), s("bob"), s("cid"), s("dan")], move |env| {
        Graph::<String, (), ()>::from_edge_list(env, &e, Some(&v)).vertex_ids()
    });
    let w = weighted.display().to_string();
    check(
        vec![(1u32, 2u32, 0.5f64.to_bits()), (2, 3, 1f64.to_bits())],
        move |env| {
            strom_gelly::edges::read_valued_edge_list::<u32, f64>(env, &w, Some(1.0))
                .map(|(a, b, x)| (a, b, x.to_bits()))
        },
    );
    let w = weighted.display().to_string();
    let err = strom_dataset::execute(&strom_core::RuntimeConfig::default(), move |env| {
        strom_gelly::edges::read_valued_edge_list::<u32, f64>(env, &w, None).collect()
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("weighted.csv") && err.contains("`source target value`"),
        "{err}"
    );
}
