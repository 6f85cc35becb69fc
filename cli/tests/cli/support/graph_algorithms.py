"""References for `strom run graph` on two real graphs from networkx 3.4.2.

    graph_algorithms.py OUT_DIR

Writes OUT_DIR/karate.txt (Zachary's karate club: integer ids, "a b weight" lines)
and OUT_DIR/lesmis.txt (Les Miserables co-appearances: names, "a,b,weight" lines,
comments), and for each graph G and algorithm A the expected output OUT_DIR/G-A.csv
of `strom run graph --algorithm A --edges G.txt --undirected --weighted` (sssp from
vertex 0 and from Valjean), as CSV with a header ordered by the first column(s).

networkx computes everything it has: PageRank (its pure-Python power iteration,
iterated to 1e-15), HITS (likewise; scaled from unit sum to unit L2 norm),
components, Dijkstra, triangles, clustering, Jaccard, Adamic-Adar, transitivity,
the triad census (of the symmetric digraph; rows in networkx's type order).
Label propagation and Gelly's community detection have no networkx equivalent with
the same rules; they are written out here from their definitions.
"""

import itertools
import math
import sys

import networkx as nx
from networkx.algorithms.link_analysis.hits_alg import _hits_python
from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python


def write_graphs(out):
    karate = nx.karate_club_graph()
    with open(f"{out}/karate.txt", "w") as f:
        for a, b, w in karate.edges(data="weight"):
            f.write(f"{a} {b} {w}\n")
    lesmis = nx.les_miserables_graph()
    with open(f"{out}/lesmis.txt", "w") as f:
        f.write("# Les Miserables: character,character,co-appearances\n")
        for a, b, w in lesmis.edges(data="weight"):
            f.write(f"{a},{b},{w}\n")


def read(path):
    """The undirected weighted graph of an edge list, and its integer-or-name ids."""
    g = nx.Graph()
    with open(path) as f:
        for line in f:
            fields = line.replace(",", " ").split()
            if not fields or fields[0].startswith(("#", "%")):
                continue
            a, b = (int(x) if x.lstrip("-").isdigit() else x for x in fields[:2])
            g.add_edge(a, b, weight=float(fields[2]))
    return g


def unweighted(g):
    h = nx.Graph()
    h.add_nodes_from(g)
    h.add_edges_from(g.edges())
    return h


def label_propagation(g, rounds=100):
    """Synchronous: every vertex takes its neighbours' most frequent label, ties to
    the greatest; stop when nothing changes."""
    label = {v: v for v in g}
    for _ in range(rounds):
        new = {}
        for v in g:
            counts = {}
            for u in g[v]:
                counts[label[u]] = counts.get(label[u], 0) + 1
            new[v] = max(counts.items(), key=lambda c: (c[1], c[0]))[0] if counts else label[v]
        if new == label:
            break
        label = new
    return label


def community_detection(g, supersteps=20, delta=0.5):
    """Gelly's CommunityDetection: (label, score) per vertex, score 1 at first; each
    superstep every vertex sends (label, score * weight) to its neighbours, which take
    the label of largest summed score (ties to the smallest label) with the largest
    single score of it, less delta / superstep if the label is new to them."""
    state = {v: (v, 1.0) for v in g}
    for step in range(1, supersteps + 1):
        inbox = {v: [] for v in g}
        for v in g:
            label, score = state[v]
            for u in g[v]:
                inbox[u].append((label, score * g[v][u]["weight"]))
        new = dict(state)
        for v, messages in inbox.items():
            if not messages:
                continue
            messages.sort()
            sums, highest = {}, {}
            for label, score in messages:
                sums[label] = sums.get(label, 0.0) + score
                highest[label] = max(highest.get(label, -math.inf), score)
            best = None
            for label in sorted(sums):
                if best is None or sums[label] > sums[best]:
                    best = label
            score = highest[best]
            if best != state[v][0]:
                score -= delta / step
            new[v] = (best, score)
        state = new
    return {v: s[0] for v, s in state.items()}


def shared_pairs(g):
    pairs = set()
    for w in g:
        for u, v in itertools.combinations(sorted(g[w]), 2):
            pairs.add((u, v))
    return sorted(pairs)


def l2(scores):
    norm = math.sqrt(sum(x * x for x in scores.values()))
    return {k: x / norm for k, x in scores.items()}


def expected(g, source):
    s = unweighted(g)
    out = {}
    ranks = _pagerank_python(s, alpha=0.85, max_iter=10000, tol=1e-15, weight=None)
    out["pagerank"] = ("vertex,rank", sorted(ranks.items()))
    hubs, authorities = _hits_python(s, max_iter=10000, tol=1e-15)
    hubs, authorities = l2(hubs), l2(authorities)
    out["hits"] = ("vertex,hub,authority", sorted((v, hubs[v], authorities[v]) for v in s))
    components = []
    for c in nx.connected_components(s):
        components.extend((v, min(c)) for v in c)
    out["connected-components"] = ("vertex,component", sorted(components))
    distances = nx.single_source_dijkstra_path_length(g, source, weight="weight")
    out["sssp"] = ("vertex,distance", sorted(distances.items()))
    out["label-propagation"] = ("vertex,label", sorted(label_propagation(s).items()))
    out["community-detection"] = ("vertex,community", sorted(community_detection(g).items()))
    out["triangle-count"] = ("vertex,triangles", sorted(nx.triangles(s).items()))
    triangles = sorted(
        tuple(sorted(c)) for c in nx.enumerate_all_cliques(s) if len(c) == 3
    )
    out["triangle-listing"] = ("a,b,c", triangles)
    out["local-clustering-coefficient"] = ("vertex,coefficient", sorted(nx.clustering(s).items()))
    pairs = shared_pairs(s)
    out["jaccard"] = ("source,target,score", sorted(nx.jaccard_coefficient(s, pairs)))
    out["adamic-adar"] = ("source,target,score", sorted(nx.adamic_adar_index(s, pairs)))
    degrees = [d for _, d in s.degree()]
    metrics = [
        ("vertices", s.number_of_nodes()),
        ("edges", s.number_of_edges()),
        ("average_degree", 2 * s.number_of_edges() / s.number_of_nodes()),
        ("max_degree", max(degrees)),
        ("triangles", sum(nx.triangles(s).values()) // 3),
        ("triplets", sum(d * (d - 1) // 2 for d in degrees)),
        ("global_clustering", nx.transitivity(s)),
        ("average_clustering", nx.average_clustering(s)),
    ]
    out["graph-metrics"] = ("metric,value", metrics)
    census = nx.triadic_census(s.to_directed())
    out["triadic-census"] = ("triad,count", list(census.items()))
    return out


def main():
    out = sys.argv[1]
    write_graphs(out)
    for name, source in [("karate", 0), ("lesmis", "Valjean")]:
        g = read(f"{out}/{name}.txt")
        for algorithm, (header, rows) in expected(g, source).items():
            with open(f"{out}/{name}-{algorithm}.csv", "w") as f:
                f.write(header + "\n")
                for row in rows:
                    f.write(",".join(repr(x) if isinstance(x, float) else str(x) for x in row) + "\n")


if __name__ == "__main__":
    main()
