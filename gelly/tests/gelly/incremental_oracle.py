"""Batch answers for a sequence of edge changes (argv[1]: `time source target weight
diff` lines in time order; argv[2]: roots, comma separated; argv[3]: PageRank rounds;
argv[4]: the k of the k-core):
after the changes of each time, every algorithm of strom_gelly::incremental on the
edges present then (an edge is present while its count is positive; duplicates
count), printed as `time algorithm vertex value` lines. networkx 3.4.2 computes all
but PageRank, which is the integer recurrence of `incremental::rank` written out."""
import collections
import sys

import networkx as nx

changes = collections.defaultdict(list)
with open(sys.argv[1]) as f:
    for line in f:
        t, s, d, w, diff = map(int, line.split())
        changes[t].append((s, d, w, diff))
roots = [int(r) for r in sys.argv[2].split(",")]
rounds = int(sys.argv[3])
k = int(sys.argv[4])

counts = collections.Counter()
for t in sorted(changes):
    for s, d, w, diff in changes[t]:
        counts[(s, d, w)] += diff
    G = nx.MultiDiGraph()
    for (s, d, w), n in counts.items():
        for _ in range(max(n, 0)):
            G.add_edge(s, d, weight=w)
    out = []
    for comp in nx.connected_components(G.to_undirected()):
        out += [("connected-components", v, min(comp)) for v in comp]
    sources = {r for r in roots if r in G}
    reached = set(sources)
    for r in sources:
        reached |= nx.descendants(G, r)
    out += [("reachability", v, 1) for v in reached]
    if sources:
        hops = nx.multi_source_dijkstra_path_length(G, sources, weight="no-such-attribute")
        out += [("bfs", v, n) for v, n in hops.items()]
        dist = nx.multi_source_dijkstra_path_length(G, sources, weight="weight")
        out += [("sssp", v, n) for v, n in dist.items()]
    out += [("degrees", v, n) for v, n in G.degree()]
    H = nx.Graph()
    H.add_nodes_from(G)
    H.add_edges_from((u, v) for u, v in G.edges() if u != v)
    out += [("triangles", v, n) for v, n in nx.triangles(H).items()]
    out += [("k-core", v, 1) for v in nx.k_core(H, k)]
    rank = {v: 6_000_000 for v in G}
    for _ in range(rounds):
        new = {v: 1_000_000 for v in G}
        for u in G:
            degree = G.out_degree(u)
            if degree:
                share = (5 * rank[u]) // (6 * degree)
                for _, v in G.out_edges(u):
                    new[v] += share
        rank = new
    out += [("pagerank", v, n) for v, n in rank.items()]
    for name, v, value in sorted(out):
        print(t, name, v, value)
