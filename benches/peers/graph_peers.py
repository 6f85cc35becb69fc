"""igraph's and networkx's side of `strom-bench graph`: one algorithm on one graph.

argv: ENGINE (igraph | networkx) ALGORITHM (pagerank | components | sssp | triangles)
EDGES SOURCE OUT TOLERANCE. EDGES is a simple directed edge list with
dense ids (`source target` lines). Loads it (igraph: `Graph.Read_Edgelist`, C;
networkx: `read_edgelist` into a `DiGraph`), runs the algorithm, prints
`STROM_BENCH {"load_s", "algorithm_s", "processing_s"}` (processing: both) and writes
the result to OUT untimed, as `vertex value` lines by vertex (triangles: `0 total`):

- pagerank: damping 0.85 to convergence, dangling vertices' rank spread over all
  vertices. igraph: PRPACK (it solves the linear system; igraph has no fixed number
  of rounds). networkx: `pagerank(tol=TOLERANCE / n)`, its stop being a total change
  below n * tol, the same as Strom's.
- components: weakly connected components, labelled by their smallest vertex id.
- sssp: hops from SOURCE along out-edges (unit weights), for the vertices reached.
  igraph: `bfs`; networkx: `single_source_shortest_path_length`.
- triangles: the total over the undirected simple graph (made in the algorithm's
  time). igraph: `transitivity_undirected` times the connected triples over 3 (its
  triangle count as a number; `list_triangles` would build a Python tuple for each);
  networkx: `triangles` summed over 3."""
import json
import sys
import time

engine, algorithm, path, source, out = sys.argv[1:6]
tolerance, source = float(sys.argv[6]), int(source)


def smallest_labels(groups, n):
    """Each vertex's label: the smallest vertex of its group."""
    labels = [0] * n
    for group in groups:
        least = min(group)
        for v in group:
            labels[v] = least
    return labels


def run_igraph():
    g = ig.Graph.Read_Edgelist(path, directed=True)
    loaded = time.perf_counter()
    n = g.vcount()
    if algorithm == "pagerank":
        result = g.pagerank(damping=0.85, directed=True)
    elif algorithm == "components":
        result = g.connected_components(mode="weak")
    elif algorithm == "sssp":
        result = g.bfs(source, mode="out")
    else:
        g.to_undirected(mode="collapse")
        triples = sum(d * (d - 1) // 2 for d in g.degree())
        result = round(g.transitivity_undirected() * triples / 3)
    done = time.perf_counter()
    if algorithm == "components":
        result = smallest_labels(result, n)
    elif algorithm == "sssp":
        vids, layers, _ = result
        depth = {}
        for d in range(len(layers) - 1):
            for v in vids[layers[d]:layers[d + 1]]:
                depth[v] = d
        result = depth
    return loaded, done, result


def run_networkx():
    g = nx.read_edgelist(path, create_using=nx.DiGraph, nodetype=int)
    loaded = time.perf_counter()
    n = g.number_of_nodes()
    if algorithm == "pagerank":
        result = nx.pagerank(g, alpha=0.85, tol=tolerance / n, max_iter=100000)
    elif algorithm == "components":
        result = smallest_labels(nx.weakly_connected_components(g), n)
    elif algorithm == "sssp":
        result = nx.single_source_shortest_path_length(g, source)
    else:
        result = sum(nx.triangles(g.to_undirected()).values()) // 3
    return loaded, time.perf_counter(), result


# Imported before the clock starts: loading is reading the graph.
if engine == "igraph":
    import igraph as ig
else:
    import networkx as nx
    import scipy.sparse  # noqa: F401 (networkx's PageRank imports it on first call)

start = time.perf_counter()
loaded, done, result = (run_igraph if engine == "igraph" else run_networkx)()
print("STROM_BENCH " + json.dumps({
    "load_s": loaded - start,
    "algorithm_s": done - loaded,
    "processing_s": done - start,
}), flush=True)
with open(out, "w") as f:
    if algorithm == "triangles":
        f.write(f"0 {result}\n")
    elif isinstance(result, dict):
        for v in sorted(result):
            f.write(f"{v} {result[v]!r}\n")
    else:
        for v, x in enumerate(result):
            f.write(f"{v} {x!r}\n")
