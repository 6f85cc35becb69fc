"""networkx's answers for an edge list (argv[1]): per-vertex triangles and local
clustering, Jaccard and Adamic-Adar for every pair sharing a neighbour."""
import itertools
import sys

import networkx as nx

G = nx.Graph()
with open(sys.argv[1]) as f:
    for line in f:
        a, b = map(int, line.split())
        G.add_edge(a, b)
G.remove_edges_from(list(nx.selfloop_edges(G)))
for v, t in nx.triangles(G).items():
    print("T", v, t)
for v, c in nx.clustering(G).items():
    print("C", v, repr(float(c)))
pairs = set()
for w in G:
    for u, v in itertools.combinations(sorted(G[w]), 2):
        pairs.add((u, v))
pairs = sorted(pairs)
for u, v, s in nx.jaccard_coefficient(G, pairs):
    print("J", u, v, repr(s))
for u, v, s in nx.adamic_adar_index(G, pairs):
    print("A", u, v, repr(s))
degrees = [d for _, d in G.degree()]
print("M vertices", G.number_of_nodes())
print("M edges", G.number_of_edges())
print("M max_degree", max(degrees))
print("M triangles", sum(nx.triangles(G).values()) // 3)
print("M triplets", sum(d * (d - 1) // 2 for d in degrees))
print("M global_clustering", repr(nx.transitivity(G)))
print("M average_clustering", repr(nx.average_clustering(G)))
census = nx.triadic_census(G.to_directed())
for kind in ["003", "102", "201", "300"]:
    print("M triad_" + kind, census[kind])
