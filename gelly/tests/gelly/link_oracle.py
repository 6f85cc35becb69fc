"""networkx's PageRank and HITS of a directed edge list (argv[1], "a b" lines):
"P v rank" lines from its pure-Python PageRank of the multigraph (every edge counts)
and "H v hub authority" lines from its pure-Python HITS of the simple digraph, both
iterated to 1e-15; HITS scaled from unit sum to unit L2 norm."""
import math
import sys

import networkx as nx
from networkx.algorithms.link_analysis.hits_alg import _hits_python
from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

edges = []
with open(sys.argv[1]) as f:
    for line in f:
        a, b = map(int, line.split())
        edges.append((a, b))
multi = nx.MultiDiGraph(edges)
for v, r in _pagerank_python(multi, alpha=0.85, max_iter=10000, tol=1e-15).items():
    print("P", v, repr(r))
hubs, authorities = _hits_python(nx.DiGraph(edges), max_iter=10000, tol=1e-15)
nh = math.sqrt(sum(x * x for x in hubs.values()))
na = math.sqrt(sum(x * x for x in authorities.values()))
for v in hubs:
    print("H", v, repr(hubs[v] / nh), repr(authorities[v] / na))
